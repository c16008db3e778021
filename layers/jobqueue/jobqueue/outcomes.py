"""What an attempt comes to, written: completed, queued again for a retry, failed or timed_out.

A `Decision` is the next state of a claimed job (pure data); `write_decision` applies it with one
conditional write (on the status and on the attempt that was claimed, so a worker that lost its
lease to the sweeper changes nothing) and, for a retry, re-sends the message with the backoff as
its delay. The worker decides from a handler's result (`jobqueue.worker.results`), the sweeper
for a worker that was lost.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue import job_metrics
from jobqueue.deadlines import dispatch_check_at
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS
from jobqueue.models.job import Job, JobResult, JobStatus, WaitingOn
from jobqueue.ports import Guard, JobQueue, JobRepository
from jobqueue.retry import BackoffPolicy, backoff_seconds

logger = Logger(child=True)


@dataclass(frozen=True)
class Decision:
    status: JobStatus
    changes: dict[str, Any]
    metric: str
    remove: tuple[str, ...] = ()
    sweep_at: datetime | None = None
    delay_seconds: int | None = None  # set for a retry: send the message with this delay
    notes: list[str] = field(default_factory=list)


def retry_decision(job: Job, error: JobResult, now: datetime, rng: random.Random, why: str) -> Decision:
    """Queued again after the backoff for retry number `retries_used + 1`."""
    number = job.retries_used + 1
    delay = backoff_seconds(BackoffPolicy.from_retry(job.retry), number, rng)
    due = now + timedelta(seconds=delay)
    notes = []
    if delay > MAX_QUEUE_DELAY_SECONDS:
        # The queue holds a message back 15 minutes at most: it comes back early and the worker
        # re-sends it for the rest of the wait (see jobqueue.worker.claim.check).
        notes.append(f"backoff {delay:.0f} s is longer than the SQS maximum; re-sent in hops")
    # The job waits for its backoff pending; with none it is queued at once.
    status = JobStatus.PENDING if delay > 0 else JobStatus.QUEUED
    changes: dict[str, Any] = {
        "status": status,
        "retries_used": number,
        "scheduled_for": due,
        "last_result": error,
        "status_reason": f"retry {number} of {job.max_retries} in {delay:.1f} s after {why}"[:1000],
    }
    if status is JobStatus.PENDING:
        changes["waiting_on"] = WaitingOn.TIME
    return Decision(
        status,
        changes,
        job_metrics.RETRIED,
        sweep_at=dispatch_check_at(job.model_copy(update={"scheduled_for": due}), now),
        delay_seconds=min(MAX_QUEUE_DELAY_SECONDS, math.ceil(delay)),
        notes=notes,
    )


def final_decision(status: JobStatus, reason: str, error: JobResult, now: datetime, metric: str) -> Decision:
    """A terminal status with its reason and the last result."""
    return Decision(
        status,
        {"status": status, "completed_at": now, "last_result": error, "status_reason": reason[:1000]},
        metric,
    )


def write_decision(
    job: Job,
    decision: Decision,
    jobs: JobRepository,
    queue: JobQueue,
    sweep_due_by: datetime | None = None,
) -> Job | None:
    """Write `decision` for the attempt `job.attempts` of a job in `job.status`; re-send on retry.
    `sweep_due_by`: only if the job's sweep deadline has passed then (the sweeper's guard).

    Returns the job after the write, or None when the job moved on meanwhile (nothing written).
    """
    updated = jobs.transition(
        job.tenant_id,
        job.id,
        [job.status],
        decision.changes,
        remove=decision.remove,
        sweep_at=decision.sweep_at,
        clear_sweep=decision.sweep_at is None,
        guard=Guard(attempts=job.attempts, sweep_due_by=sweep_due_by),
    )
    if updated is None:
        return None
    for note in decision.notes:
        logger.info(note, extra={"job_id": job.id, "tenant_id": job.tenant_id})
    if decision.delay_seconds is not None:
        try:
            queue.send(updated, delay_seconds=decision.delay_seconds)
        except Exception:
            # The job is queued with a dispatch check: the sweeper re-sends it. Nothing is lost.
            logger.exception("retry message not sent; the sweeper will re-send it", extra={"job_id": job.id})
    return updated
