"""Jobs whose worker or message was lost: a processing job past its lease is retried or timed
out; a queued job nobody claimed by its dispatch check is sent again."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue import job_metrics
from jobqueue.models.job import WAITING_STATUSES, Job, JobResult, JobStatus
from jobqueue.outcomes import final_decision, retry_decision, write_decision
from jobqueue.ports import Guard, Ports
from jobqueue.settings import get_settings
from jobqueue.sweeper.report import SweepReport
from jobqueue.tenancy.slots import give_slot

logger = Logger(child=True)

# The dispatch grace doubles per re-send up to 2^6 times the grace (5 h 20 min with 300 s).
MAX_DISPATCH_DOUBLINGS = 6


def next_check(now: datetime, checks: int) -> datetime:
    """The next check of a job checked `checks` times: the grace doubling each time, capped."""
    grace = get_settings().dispatch_grace_seconds
    return now + timedelta(seconds=grace * 2 ** min(checks + 1, MAX_DISPATCH_DOUBLINGS))


def recover_lease(ports: Ports, job: Job, now: datetime, rng: random.Random, report: SweepReport) -> None:
    """A processing job whose lease expired: its worker is gone. Retry it or time it out."""
    error = JobResult(
        success=False,
        error_type="WorkerLost",
        error_message=f"worker lost: attempt {job.attempts} did not finish within its lease",
    )
    if job.retries_left > 0:
        decision = retry_decision(job, error, now, rng, "worker lost")
    else:
        reason = f"worker lost: attempt {job.attempts} did not finish, no retries left"
        decision = final_decision(JobStatus.TIMED_OUT, reason, error, now, job_metrics.TIMED_OUT)
    updated = write_decision(job, decision, ports.jobs, ports.queue, sweep_due_by=now)
    if updated is None:
        report.skipped += 1
        return
    # The lost worker never gave its tenant slot back; the sweeper does, exactly once.
    waiting = updated.status in WAITING_STATUSES
    give_slot(ports.counters, job, requeued=waiting)
    job_metrics.emit(updated, decision.metric)
    (report.requeued if waiting else report.timed_out).append(job.id)
    logger.warning(
        f"lease expired: {updated.status.value}",
        extra={"job_id": job.id, "tenant_id": job.tenant_id, "attempt": job.attempts},
    )


def redispatch(ports: Ports, job: Job, now: datetime, report: SweepReport) -> None:
    """A queued job nobody claimed by its dispatch check: re-send its message, check again later."""
    dispatches = job.dispatches or 0
    updated = ports.jobs.transition(
        job.tenant_id,
        job.id,
        [JobStatus.QUEUED],
        {"dispatches": dispatches + 1},
        sweep_at=next_check(now, dispatches),
        guard=Guard(attempts=job.attempts, sweep_due_by=now),
    )
    if updated is None:
        report.skipped += 1
        return
    try:
        ports.queue.send(updated)
    except Exception:
        # The next check (already written) tries again.
        logger.exception("re-dispatch failed", extra={"job_id": job.id, "tenant_id": job.tenant_id})
        return
    report.redispatched.append(job.id)
    logger.info(
        "re-dispatched a queued job",
        extra={"job_id": job.id, "tenant_id": job.tenant_id, "dispatches": dispatches + 1},
    )
