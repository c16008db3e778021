"""One run of a recurring job per cron slot (`{"action": "cron", ...}` fires).

The run's id is `ids.run_id(parent, slot)`, written with a conditional put, so a slot fired twice
(retries, the two schedules of a day OR, a DST catch-up) makes one run. The parent then counts
the run once (`run_count`, guarded by `last_slot` and an optimistic condition), gets its
`next_run_at`, and is completed, its schedules deleted, when `max_runs` is reached or the next
run would pass `end_at`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue import ids
from jobqueue.cron.dialect import next_run
from jobqueue.deadlines import dispatch_check_at
from jobqueue.models.job import Category, Job, JobStatus, JobType
from jobqueue.ports import Guard, Ports
from jobqueue.scheduling import schedules
from jobqueue.scheduling.one_shots import Outcome
from jobqueue.tenancy.admission import admit_run
from jobqueue.times import iso, parse_iso, truncate_to_minute

logger = Logger(child=True)

_RECORD_ATTEMPTS = 5


def fire(ports: Ports, tenant_id: str, job_id: str, scheduled_time: object = None) -> Outcome:
    """Create the run of the slot `scheduled_time` (truncated to the minute; now when absent) of
    a pending, enabled recurring job, and record the slot on the parent."""
    now = ports.clock.now()
    parent = ports.jobs.get(tenant_id, job_id)
    if parent is None or parent.status.is_terminal:
        # Schedules outliving their job (a failed delete): remove them now.
        _delete_schedules(ports, tenant_id, job_id, parent.next_run_at if parent else None)
        state = "missing" if parent is None else parent.status.value
        return Outcome("cron", "ignored", job_id, f"recurring job is {state}")
    if parent.status is not JobStatus.PENDING or not parent.cron:
        return Outcome("cron", "ignored", job_id, f"not an active recurring job ({parent.status.value})")
    if parent.enabled is False:
        return Outcome("cron", "ignored", job_id, "paused")
    slot = _slot(scheduled_time, now)
    if parent.end_at is not None and slot > parent.end_at:
        _record(ports, parent, slot, now)
        return Outcome("cron", "completed", job_id, "end_at passed before this slot")
    if parent.max_runs is not None and parent.run_count >= parent.max_runs:
        _record(ports, parent, slot, now)
        return Outcome("cron", "completed", job_id, "max_runs reached")
    run_id = ids.run_id(parent.id, slot)
    created = False
    if ports.jobs.get(tenant_id, run_id) is None:
        admission = admit_run(ports.counters, ports.tenants, tenant_id, parent.tier, now)
        if admission is None:
            reason = f"run for {iso(slot)} skipped: tenant limit reached"
            _record(ports, parent, slot, now, reason=reason)
            return Outcome("cron", "skipped", run_id, reason)
        run = run_of(parent, run_id, slot, now)
        created = ports.jobs.create(run, sweep_at=dispatch_check_at(run, now))
        if created:
            _send(ports, run)
        else:  # a duplicate fire wrote it first: this admission is not used
            admission.undo()
    updated = _record(ports, parent, slot, now, run=True, created=created)
    if updated is not None and updated.status is JobStatus.COMPLETED:
        return Outcome("cron", "completed", run_id, updated.status_reason)
    return Outcome("cron", "run_created" if created else "duplicate", run_id)


def _record(
    ports: Ports,
    parent: Job,
    slot: datetime,
    now: datetime,
    run: bool = False,
    created: bool = False,
    reason: str | None = None,
) -> Job | None:
    """Record a handled slot on the parent: count a run once, set `last_slot`, `next_run_at`
    and `status_reason`, complete the parent when done (and delete its schedules).

    Counting: a run counts when its slot is newer than `last_slot` (so a duplicate fire whose
    first fire died before this step still counts it, once), or when this invocation created
    the run and the parent has not changed since it was read (a late, out-of-order slot).
    The write is conditional on `run_count` and `last_slot` as read; on a race: re-read, redo.
    """
    current: Job | None = parent
    for attempt in range(_RECORD_ATTEMPTS):
        if current is None or current.status is not JobStatus.PENDING or not current.cron:
            return None
        last = current.last_slot
        newer = last is None or slot > last
        counts = run and (newer or (created and attempt == 0))
        run_count = current.run_count + (1 if counts else 0)
        newest = slot if newer else last
        upcoming = next_run(current.cron, current.timezone, newest)
        done = _done_reason(current, run_count, upcoming, slot)
        if not (counts or newer or reason or done):
            return current  # a duplicate of a slot counted already: nothing to write
        changes: dict[str, Any] = {"last_slot": newest}
        remove: list[str] = []
        if counts:
            changes["run_count"] = run_count
        if done:
            changes.update(status=JobStatus.COMPLETED, completed_at=now, status_reason=done)
            remove.append("next_run_at")
        else:
            if upcoming is not None:
                changes["next_run_at"] = upcoming
            if reason:
                changes["status_reason"] = reason
            elif created and current.status_reason:
                remove.append("status_reason")
        updated = ports.jobs.transition(
            current.tenant_id,
            current.id,
            [JobStatus.PENDING],
            changes,
            remove=remove,
            clear_sweep=bool(done),
            guard=Guard(unchanged={"run_count": current.run_count, "last_slot": current.last_slot}),
        )
        if updated is not None:
            if done:
                _delete_schedules(ports, updated.tenant_id, updated.id, current.next_run_at)
            elif upcoming is not None:
                _catch_up(ports, updated, upcoming)
            return updated
        current = ports.jobs.get(parent.tenant_id, parent.id)
    raise RuntimeError(f"recurring job {parent.id} kept changing; the Scheduler will retry")


def run_of(parent: Job, run_id: str, slot: datetime, now: datetime) -> Job:
    """A run of a recurring job: its handler, payload and settings, due at its slot."""
    return Job(
        id=run_id,
        tenant_id=parent.tenant_id,
        type=JobType.NOTIFICATION if parent.category is Category.NOTIFICATION else JobType.SCHEDULED,
        handler=parent.handler,
        category=parent.category,
        payload=parent.payload,
        priority=parent.priority,
        status=JobStatus.QUEUED,
        max_retries=parent.max_retries,
        retry=parent.retry,
        timeout_seconds=parent.timeout_seconds,
        created_at=now,
        updated_at=now,
        scheduled_for=slot,
        parent_id=parent.id,
        callback_url=parent.callback_url,
        metadata=parent.metadata,
        tier=parent.tier,
    )


def _done_reason(parent: Job, run_count: int, upcoming: datetime | None, slot: datetime) -> str | None:
    if parent.max_runs is not None and run_count >= parent.max_runs:
        return f"max_runs reached ({run_count})"
    if parent.end_at is not None and slot > parent.end_at:
        return "end_at reached"
    if upcoming is None:
        return "no further fire time"
    if parent.end_at is not None and upcoming > parent.end_at:
        return "end_at reached"
    return None


def _slot(scheduled_time: object, now: datetime) -> datetime:
    if isinstance(scheduled_time, str) and scheduled_time and not scheduled_time.startswith("<"):
        try:
            return truncate_to_minute(parse_iso(scheduled_time))
        except ValueError:
            logger.warning("unreadable scheduled_time; using now", extra={"scheduled_time": scheduled_time})
    return truncate_to_minute(now)


# -- effects that must not fail the invocation -------------------------------------------------
def _send(ports: Ports, job: Job) -> None:
    try:
        ports.queue.send(job)
    except Exception:  # the job is queued with a sweep deadline: the sweeper re-sends it
        logger.exception("send failed; the sweeper will re-send it", extra={"job_id": job.id})


def _delete_schedules(ports: Ports, tenant_id: str, job_id: str, pending_slot: datetime | None) -> None:
    slots = [pending_slot] if pending_slot is not None else []
    try:
        schedules.delete_for(ports.schedules, tenant_id, job_id, catch_up_slots=slots)
    except Exception:  # the next fire of a leftover schedule tries again
        logger.exception("could not delete the schedules of a job", extra={"job_id": job_id})


def _catch_up(ports: Ports, job: Job, slot: datetime) -> None:
    try:
        schedules.ensure_catch_up(ports.schedules, job, slot)
    except Exception:
        logger.exception("could not add a DST catch-up schedule", extra={"job_id": job.id, "slot": iso(slot)})
