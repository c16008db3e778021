"""Pending jobs past their check: arm what their submitter may not have (the api process can
die between writing the record and creating its schedules or registering its dependents).

- a one-shot past its time: queued and sent as the dispatcher would, its schedule deleted;
- a dependent: settled from its parents (queued, cancelled, or checked again later, the grace
  doubling per check);
- a recurring job: its missing cron schedules created again, then it leaves the index.

Errors leave the job due: the next tick tries again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue.deadlines import pending_check_at
from jobqueue.dependencies import CANCELLED, QUEUED, WAITING, settle_dependent
from jobqueue.models.job import Job, JobStatus, WaitingOn
from jobqueue.ports import Guard, Ports
from jobqueue.scheduling import schedules
from jobqueue.scheduling.one_shots import queue_due
from jobqueue.settings import get_settings
from jobqueue.sweeper.leases import next_check
from jobqueue.sweeper.report import SweepReport

logger = Logger(child=True)


def check_pending(ports: Ports, job: Job, now: datetime, report: SweepReport) -> None:
    try:
        if job.waiting_on is WaitingOn.SCHEDULE or job.cron:
            done = _check_recurring(ports, job, now)
        elif job.waiting_on is WaitingOn.DEPENDENCIES:
            done = _check_dependent(ports, job, now)
        elif job.scheduled_for is not None:
            done = _check_one_shot(ports, job, now)
        else:
            done = "cleared" if clear_pending(ports, job, now) else None
    except Exception:
        logger.exception("pending job check failed", extra={"job_id": job.id, "tenant_id": job.tenant_id})
        done = None
    if done is None:
        report.skipped += 1
        return
    report.pending[job.id] = done
    log = logger.info if done == "checked" else logger.warning
    log(f"pending job past its check: {done}", extra={"job_id": job.id, "tenant_id": job.tenant_id})


def _check_one_shot(ports: Ports, job: Job, now: datetime) -> str | None:
    """Past its time and still pending: its schedule never fired (or was never created), or its
    delayed message was lost. Queue and send it as the dispatcher does (conditional pending ->
    queued, so a late fire or a late message no-ops)."""
    if job.scheduled_for is not None and job.scheduled_for > now:
        return _push(ports, job, pending_check_at(job, now), None, now)
    if queue_due(ports, job.tenant_id, job.id).result != "queued":
        # left pending meanwhile, or not dispatchable: stop watching
        return "cleared" if clear_pending(ports, job, now) else None
    try:
        schedules.delete_for(ports.schedules, job.tenant_id, job.id)
    except Exception:  # a leftover at() schedule fires into a no-op and deletes itself
        logger.exception("could not delete the schedule of a swept job", extra={"job_id": job.id})
    return "queued"


def _check_dependent(ports: Ports, job: Job, now: datetime) -> str | None:
    """Settle it from its parents (the release may never have been registered): queued or
    cancelled leave the index (the transitions set the dispatch check or clear it); still
    waiting -> checked again later, the grace doubling per check (`dispatches` counts them)."""
    result, _ = settle_dependent(ports, job.tenant_id, job.id, now)
    if result in (QUEUED, CANCELLED):
        return result
    if result != WAITING:
        return None
    checks = job.dispatches or 0
    when = next_check(now, checks)
    if job.scheduled_for is not None and job.scheduled_for > now:
        grace = timedelta(seconds=get_settings().dispatch_grace_seconds)
        when = min(when, job.scheduled_for + grace)  # its time
    return _push(ports, job, when, checks + 1, now)


def _check_recurring(ports: Ports, job: Job, now: datetime) -> str | None:
    """Its cron schedules exist (created again when missing), then it leaves the index. A paused
    job's schedules are not touched (a concurrent resume must not be undone)."""
    done = "checked"
    if job.enabled is not False and schedules.missing_recurring(ports.schedules, job):
        schedules.create_recurring(ports.schedules, job, now)
        done = "schedules_created"
    return done if clear_pending(ports, job, now) else None


def _push(ports: Ports, job: Job, when: datetime, checks: int | None, now: datetime) -> str | None:
    changes = {} if checks is None else {"dispatches": checks}
    pushed = ports.jobs.transition(
        job.tenant_id, job.id, [JobStatus.PENDING], changes, sweep_at=when, guard=Guard(sweep_due_by=now)
    )
    return "checked" if pushed else None


def clear_pending(ports: Ports, job: Job, now: datetime) -> bool:
    cleared = ports.jobs.transition(
        job.tenant_id,
        job.id,
        [JobStatus.PENDING],
        {},
        remove=("dispatches",),
        clear_sweep=True,
        guard=Guard(sweep_due_by=now),
    )
    return cleared is not None
