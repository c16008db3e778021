"""Record what an attempt came to: completed, queued again for a retry, failed or timed_out.

`decide` is the pure rule; `record` applies it with one conditional write (on the status and the
attempt that was claimed, so a worker that lost its lease to the sweeper changes nothing) and,
for a retry, re-sends the message with the backoff as its delay.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue import job_metrics, lifecycle
from jobqueue.models.job import Job, JobResult, JobStatus
from jobqueue.queueing.publisher import MAX_DELAY_SECONDS, JobPublisher
from jobqueue.retry import BackoffPolicy, backoff_seconds
from jobqueue.store.jobs import JobStore
from jobqueue.worker.runner import RunKind, RunResult

logger = Logger(child=True)

# A result is stored on the job item (400 KB item limit): larger results are cut to a preview.
MAX_RESULT_BYTES = 32 * 1024


@dataclass(frozen=True)
class Decision:
    status: JobStatus
    changes: dict[str, Any]
    metric: str
    remove: tuple[str, ...] = ()
    sweep_at: datetime | None = None
    delay_seconds: int | None = None  # set for a retry: send the message with this delay
    notes: list[str] = field(default_factory=list)


def decide(job: Job, result: RunResult, now: datetime, rng: random.Random) -> Decision:
    """The next state of a claimed `job` after `result` (pure, given `now` and `rng`)."""
    if result.kind is RunKind.SUCCEEDED:
        return Decision(
            JobStatus.COMPLETED,
            {
                "status": JobStatus.COMPLETED,
                "completed_at": now,
                "last_result": JobResult(
                    success=True, result=json_safe(result.value), execution_ms=result.execution_ms
                ),
            },
            job_metrics.COMPLETED,
            remove=("status_reason",),
        )
    error = JobResult(
        success=False,
        error_type=result.error_type,
        error_message=result.error_message,
        execution_ms=result.execution_ms,
    )
    if result.kind is RunKind.INVALID:
        return _finish(JobStatus.FAILED, f"{result.error_message}", error, now, job_metrics.FAILED)
    if result.retryable and job.retries_left > 0:
        return retry_decision(job, error, now, rng, f"{result.error_type}: {result.error_message}")
    if result.kind is RunKind.TIMED_OUT:
        reason = f"timed out after {result.time_limit_seconds:g} s, no retries left"
        return _finish(JobStatus.TIMED_OUT, reason, error, now, job_metrics.TIMED_OUT)
    if not result.retryable:
        reason = f"failed, not retryable: {result.error_message}"
    else:
        reason = f"failed after {job.attempts} attempt(s), no retries left: {result.error_message}"
    return _finish(JobStatus.FAILED, reason, error, now, job_metrics.FAILED)


def retry_decision(job: Job, error: JobResult, now: datetime, rng: random.Random, why: str) -> Decision:
    """Queued again after the backoff for retry number `retries_used + 1` (also used by the sweeper)."""
    number = job.retries_used + 1
    delay = backoff_seconds(BackoffPolicy.from_retry(job.retry), number, rng)
    due = now + timedelta(seconds=delay)
    notes = []
    if delay > MAX_DELAY_SECONDS:
        # SQS delays stop at 15 minutes: the message comes back early and the worker re-sends it
        # for the rest of the wait (see claim.check). The scheduling issue may use a Scheduler
        # at() schedule instead for long backoffs.
        notes.append(f"backoff {delay:.0f} s is longer than the SQS maximum; re-sent in hops")
    return Decision(
        JobStatus.QUEUED,
        {
            "status": JobStatus.QUEUED,
            "retries_used": number,
            "scheduled_for": due,
            "last_result": error,
            "status_reason": f"retry {number} of {job.max_retries} in {delay:.1f} s after {why}"[:1000],
        },
        job_metrics.RETRIED,
        sweep_at=lifecycle.dispatch_check_at(job.model_copy(update={"scheduled_for": due}), now),
        delay_seconds=min(MAX_DELAY_SECONDS, math.ceil(delay)),
        notes=notes,
    )


def _finish(status: JobStatus, reason: str, error: JobResult, now: datetime, metric: str) -> Decision:
    return Decision(
        status,
        {"status": status, "completed_at": now, "last_result": error, "status_reason": reason[:1000]},
        metric,
    )


def apply(
    job: Job,
    decision: Decision,
    store: JobStore,
    publisher: JobPublisher,
    condition_extra: tuple[str, dict[str, str], dict[str, Any]] | None = None,
) -> Job | None:
    """Write `decision` for the attempt `job.attempts` of a job in `job.status`; re-send on retry.

    Returns the job after the write, or None when the job moved on meanwhile (nothing written).
    """
    expression = "#out_att = :out_att"
    names = {"#out_att": "attempts"}
    values: dict[str, Any] = {":out_att": job.attempts}
    if condition_extra is not None:
        expression += f" AND ({condition_extra[0]})"
        names.update(condition_extra[1])
        values.update(condition_extra[2])
    updated = store.transition(
        job.tenant_id,
        job.id,
        [job.status],
        decision.changes,
        remove=decision.remove,
        sweep_at=decision.sweep_at,
        clear_sweep=decision.sweep_at is None,
        condition=(expression, names, values),
    )
    if updated is None:
        return None
    for note in decision.notes:
        logger.info(note, extra={"job_id": job.id, "tenant_id": job.tenant_id})
    if decision.delay_seconds is not None:
        try:
            publisher.send(updated, delay_seconds=decision.delay_seconds)
        except Exception:
            # The job is queued with a dispatch check: the sweeper re-sends it. Nothing is lost.
            logger.exception("retry message not sent; the sweeper will re-send it", extra={"job_id": job.id})
    return updated


def record(
    job: Job,
    result: RunResult,
    store: JobStore,
    publisher: JobPublisher,
    metrics: job_metrics.JobMetrics,
    now: datetime,
    rng: random.Random,
) -> Job | None:
    """Decide and write the outcome of the claimed `job`; count it in `metrics`."""
    decision = decide(job, result, now, rng)
    updated = apply(job, decision, store, publisher)
    if updated is None:
        logger.warning(
            "outcome not recorded: the job moved on (lease recovered by the sweeper?)",
            extra={"job_id": job.id, "attempt": job.attempts, "outcome": decision.status.value},
        )
        return None
    metrics.count(decision.metric)
    if result.kind is not RunKind.INVALID:
        metrics.milliseconds(job_metrics.EXECUTION_MS, result.execution_ms)
    return updated


def json_safe(value: Any) -> Any:
    """A handler's result as JSON that fits on the job item (a preview when too large)."""
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False, default=str)
    except ValueError:  # NaN/Infinity or a circular structure
        return {"unserializable": True, "preview": repr(value)[:1024]}
    if len(text.encode()) > MAX_RESULT_BYTES:
        return {"truncated": True, "bytes": len(text.encode()), "preview": text[:1024]}
    return json.loads(text)
