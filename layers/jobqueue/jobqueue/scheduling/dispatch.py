"""The dispatcher: what EventBridge Scheduler invokes (functions/dispatcher is a thin wrapper).

`{"action": "dispatch", "tenant_id", "job_id"}` (one-shot schedule): a pending delayed/scheduled
job becomes queued and is sent to its SQS queue (with the remaining seconds as DelaySeconds).
Anything else (cancelled, already queued, missing) is a no-op.

`{"action": "cron", "tenant_id", "job_id", "scheduled_time"}` (cron or catch-up schedule): one
run of a pending, enabled recurring job for the slot `scheduled_time` (truncated to the minute;
now when absent). The run's id is `ids.run_id(parent, slot)`, written with a conditional put,
so a slot fired twice (retries, the two schedules of a day OR, a DST catch-up) makes one run.
The parent then counts the run once (`run_count`, guarded by `last_slot` and an optimistic
condition), gets its `next_run_at`, and is completed, its schedules deleted, when `max_runs` is
reached or the next run would pass `end_at`.

Nothing here raises for a job in the wrong state: the Scheduler retries failed invocations, so
only infrastructure errors propagate (and are retried, harmlessly).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from jobqueue import clock, ids, lifecycle
from jobqueue.dependencies import dependency_state
from jobqueue.models.job import Category, Job, JobStatus, JobType
from jobqueue.queueing.publisher import JobPublisher
from jobqueue.scheduling import hooks, schedules
from jobqueue.scheduling.cron import next_run, truncate_to_minute
from jobqueue.store.jobs import JobStore

logger = logging.getLogger(__name__)

ONE_SHOT_TYPES = frozenset({JobType.DELAYED, JobType.SCHEDULED, JobType.NOTIFICATION})
_RECORD_ATTEMPTS = 5


@dataclass(frozen=True)
class Outcome:
    """What one invocation did: `queued`, `run_created`, `duplicate`, `skipped`, `completed`,
    `waiting` or `ignored`, with the job it concerns and why."""

    action: str
    result: str
    job_id: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Dispatcher:
    """The dispatcher's logic with its dependencies (defaults: the real adapters)."""

    store: JobStore | None = None
    publisher: JobPublisher | None = None
    scheduler: Any = None  # boto3 "scheduler" client for jobqueue.scheduling.schedules
    admit: Callable[[str], bool] | None = None  # default hooks.admit_run
    release: Callable[[str], None] | None = None  # default hooks.release_run

    def __post_init__(self) -> None:
        self.store = self.store or JobStore()
        self.publisher = self.publisher or JobPublisher()

    def handle(self, event: dict[str, Any]) -> Outcome:
        action = event.get("action") if isinstance(event, dict) else None
        tenant_id = event.get("tenant_id") if isinstance(event, dict) else None
        job_id = event.get("job_id") if isinstance(event, dict) else None
        if not isinstance(tenant_id, str) or not isinstance(job_id, str) or not tenant_id or not job_id:
            return Outcome(str(action), "ignored", None, "event has no tenant_id/job_id")
        if action == schedules.ACTION_DISPATCH:
            return self.dispatch(tenant_id, job_id)
        if action == schedules.ACTION_CRON:
            return self.fire(tenant_id, job_id, event.get("scheduled_time"))
        return Outcome(str(action), "ignored", job_id, "unknown action")

    # -- one-shot -----------------------------------------------------------------------------
    def dispatch(self, tenant_id: str, job_id: str) -> Outcome:
        job = self.store.get(tenant_id, job_id)
        if job is None:
            return Outcome("dispatch", "ignored", job_id, "no such job")
        if job.status is not JobStatus.PENDING or job.type not in ONE_SHOT_TYPES:
            return Outcome("dispatch", "ignored", job_id, f"{job.type.value} job is {job.status.value}")
        if job.depends_on:
            parents = [p for p in (self.store.get(tenant_id, pid) for pid in job.depends_on) if p]
            verdict = dependency_state(parents, job.depends_on)
            if verdict.state != "ready":
                # The dependency release queues it once its parents are done (its time has come).
                return Outcome("dispatch", "waiting", job_id, verdict.reason)
        now = clock.now()
        queued = self.store.transition(
            tenant_id,
            job_id,
            [JobStatus.PENDING],
            {"status": JobStatus.QUEUED},
            sweep_at=lifecycle.dispatch_check_at(job, now),
        )
        if queued is None:
            return Outcome("dispatch", "ignored", job_id, "job left pending meanwhile")
        self._send(queued)
        return Outcome("dispatch", "queued", job_id)

    # -- cron ---------------------------------------------------------------------------------
    def fire(self, tenant_id: str, job_id: str, scheduled_time: object = None) -> Outcome:
        now = clock.now()
        parent = self.store.get(tenant_id, job_id)
        if parent is None or parent.status.is_terminal:
            # Schedules outliving their job (a failed delete): remove them now.
            self._delete_schedules(tenant_id, job_id, parent.next_run_at if parent else None)
            state = "missing" if parent is None else parent.status.value
            return Outcome("cron", "ignored", job_id, f"recurring job is {state}")
        if parent.status is not JobStatus.PENDING or not parent.cron:
            return Outcome("cron", "ignored", job_id, f"not an active recurring job ({parent.status.value})")
        if parent.enabled is False:
            return Outcome("cron", "ignored", job_id, "paused")
        slot = _slot(scheduled_time, now)
        if parent.end_at is not None and slot > parent.end_at:
            self._record(parent, slot, now)
            return Outcome("cron", "completed", job_id, "end_at passed before this slot")
        if parent.max_runs is not None and parent.run_count >= parent.max_runs:
            self._record(parent, slot, now)
            return Outcome("cron", "completed", job_id, "max_runs reached")
        run_id = ids.run_id(parent.id, slot)
        created = False
        if self.store.get(tenant_id, run_id) is None:
            if not (self.admit or hooks.admit_run)(tenant_id):
                reason = f"run for {clock.iso(slot)} skipped: tenant limit reached"
                self._record(parent, slot, now, reason=reason)
                return Outcome("cron", "skipped", run_id, reason)
            run = _run_of(parent, run_id, slot, now)
            created = self.store.create(run, sweep_at=lifecycle.dispatch_check_at(run, now))
            if created:
                self._send(run)
            else:
                (self.release or hooks.release_run)(tenant_id)
        updated = self._record(parent, slot, now, run=True, created=created)
        if updated is not None and updated.status is JobStatus.COMPLETED:
            return Outcome("cron", "completed", run_id, updated.status_reason)
        return Outcome("cron", "run_created" if created else "duplicate", run_id)

    def _record(
        self,
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
            updated = self.store.transition(
                current.tenant_id,
                current.id,
                [JobStatus.PENDING],
                changes,
                remove=remove,
                clear_sweep=bool(done),
                condition=_unchanged(current),
            )
            if updated is not None:
                if done:
                    self._delete_schedules(updated.tenant_id, updated.id, current.next_run_at)
                elif upcoming is not None:
                    self._catch_up(updated, upcoming)
                return updated
            current = self.store.get(parent.tenant_id, parent.id)
        raise RuntimeError(f"recurring job {parent.id} kept changing; the Scheduler will retry")

    # -- effects that must not fail the invocation ---------------------------------------------
    def _send(self, job: Job) -> None:
        try:
            self.publisher.send(job)
        except Exception:  # the job is queued with a sweep deadline: the sweeper re-sends it
            logger.exception("send failed for job %s; the sweeper will re-send it", job.id)

    def _delete_schedules(self, tenant_id: str, job_id: str, pending_slot: datetime | None) -> None:
        slots = [pending_slot] if pending_slot is not None else []
        try:
            schedules.delete_for(tenant_id, job_id, client=self.scheduler, catch_up_slots=slots)
        except Exception:  # the next fire of a leftover schedule tries again
            logger.exception("could not delete the schedules of job %s", job_id)

    def _catch_up(self, job: Job, slot: datetime) -> None:
        try:
            schedules.ensure_catch_up(job, slot, client=self.scheduler)
        except Exception:
            logger.exception("could not add a DST catch-up schedule for job %s at %s", job.id, slot)


def handle_event(event: dict[str, Any], dispatcher: Dispatcher | None = None) -> Outcome:
    """Entry point of the dispatcher function."""
    return (dispatcher or Dispatcher()).handle(event)


def _slot(scheduled_time: object, now: datetime) -> datetime:
    if isinstance(scheduled_time, str) and scheduled_time and not scheduled_time.startswith("<"):
        try:
            return truncate_to_minute(clock.parse_iso(scheduled_time))
        except ValueError:
            logger.warning("unreadable scheduled_time %r; using now", scheduled_time)
    return truncate_to_minute(now)


def _run_of(parent: Job, run_id: str, slot: datetime, now: datetime) -> Job:
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


def _unchanged(job: Job) -> tuple[str, dict[str, str], dict[str, Any]]:
    names = {"#rc": "run_count", "#ls": "last_slot"}
    values: dict[str, Any] = {":rc": job.run_count}
    if job.last_slot is None:
        return "#rc = :rc AND attribute_not_exists(#ls)", names, values
    values[":ls"] = clock.iso(job.last_slot)
    return "#rc = :rc AND #ls = :ls", names, values
