"""Claim: the one conditional write that turns a queued job into a running attempt.

A message is acknowledged without running anything when its job is missing, not queued (a
duplicate delivery, a cancelled or finished job), or the message is older than the job's
current attempt. A message that arrives before the job is due (a backoff longer than SQS's
15-minute delay) is re-sent for the rest of the wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from jobqueue.deadlines import lease_expires_at
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS, JobMessage
from jobqueue.models.job import Job, JobStatus, WaitingOn
from jobqueue.ports import Guard, JobRepository
from jobqueue.times import ms_between

# SQS delays are whole seconds; a message this close to the due time runs now.
EARLY_TOLERANCE_SECONDS = 2.0


class Verdict(StrEnum):
    CLAIM = "claim"
    SKIP = "skip"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class ClaimCheck:
    verdict: Verdict
    reason: str = ""
    delay_seconds: int = 0


def check(job: Job | None, message: JobMessage, now: datetime) -> ClaimCheck:
    """What to do with a message, given the job record (a pure decision)."""
    if job is None:
        return ClaimCheck(Verdict.SKIP, "job not found")
    if not claimable(job):
        why = f" for {job.waiting_on.value}" if job.waiting_on else ""
        return ClaimCheck(Verdict.SKIP, f"job is {job.status.value}{why}")
    if message.attempt < job.attempts:
        return ClaimCheck(Verdict.SKIP, f"stale message (attempt {message.attempt} < {job.attempts})")
    if job.scheduled_for is not None:
        wait = (job.scheduled_for - now).total_seconds()
        if wait > EARLY_TOLERANCE_SECONDS:
            return ClaimCheck(Verdict.NOT_DUE, "not due yet", min(MAX_QUEUE_DELAY_SECONDS, math.ceil(wait)))
    return ClaimCheck(Verdict.CLAIM)


def claimable(job: Job) -> bool:
    """Queued, or pending only for its time (its message came when it was due)."""
    return job.status is JobStatus.QUEUED or (
        job.status is JobStatus.PENDING and job.waiting_on is WaitingOn.TIME
    )


def claim(jobs: JobRepository, job: Job, now: datetime) -> Job | None:
    """queued (or pending for its time) -> processing, attempts + 1, with a lease the sweeper
    watches; the start notes how long the job waited since it was due.

    Conditional on the status, on what it waited for and on the attempt count read, so of two
    racing deliveries exactly one wins. Returns the claimed job, or None when the race was lost.
    """
    return jobs.transition(
        job.tenant_id,
        job.id,
        [job.status],
        {"status": JobStatus.PROCESSING, "attempts": job.attempts + 1, "started_at": now},
        remove=["status_reason", "dispatches", "waiting_on"],
        sweep_at=lease_expires_at(job, now),
        guard=Guard(attempts=job.attempts, unchanged={"waiting_on": job.waiting_on}),
        note={"wait_ms": max(0, ms_between(job.due_since(), now))},
    )
