"""The schedules of jobs, all invoking the dispatcher (through the `Schedules` port):

- one-shot `at()` schedule for a delayed/scheduled job beyond the SQS delay limit (900 s):
  input `{"action": "dispatch", "tenant_id", "job_id"}`, deleted by the Scheduler after it fires;
- one `cron()` schedule per AWS expression of a recurring job (`-a`, and `-b` when the Unix
  day OR needs two), evaluated in the job's time zone: input `{"action": "cron", "tenant_id",
  "job_id", "scheduled_time": "<aws.scheduler.scheduled-time>"}` (the Scheduler puts the
  slot's time there);
- one-shot catch-up schedules (`-dYYYYMMDDHHMM`) for the DST slots croniter names but the
  Scheduler may not fire (see `jobqueue.cron.scheduler.scheduler_may_miss`).

Names are deterministic from tenant and job id (`<tenant>.<job_id>[suffix]`, or a hash when
that is too long or holds other characters), so every call here is idempotent: creating an
existing schedule updates it, deleting a missing one is fine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from jobqueue.cron.dialect import next_run
from jobqueue.cron.scheduler import scheduler_may_miss, to_aws_cron
from jobqueue.models.job import Job
from jobqueue.models.schedule import Schedule
from jobqueue.ports import Schedules
from jobqueue.times import iso, truncate_to_minute

ACTION_DISPATCH = "dispatch"
ACTION_CRON = "cron"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
RECURRING_SUFFIXES = ("-a", "-b")
CATCH_UP_PREFIX = "-d"
MAX_NAME_LENGTH = 64
_SUFFIX_ROOM = len(CATCH_UP_PREFIX) + 12
_NAME_PART = re.compile(r"^[0-9A-Za-z_-]+$")


def schedule_name(tenant_id: str, job_id: str, suffix: str = "") -> str:
    """`<tenant>.<job_id><suffix>`, or `h-<sha256 prefix><suffix>` when a part has characters the
    Scheduler refuses (allowed: 0-9 a-z A-Z - _ .) or the name could pass 64 characters. The two
    forms never collide: only the first contains a dot."""
    base = f"{tenant_id}.{job_id}"
    readable = _NAME_PART.match(tenant_id) and _NAME_PART.match(job_id)
    if not readable or len(base) > MAX_NAME_LENGTH - _SUFFIX_ROOM:
        base = "h-" + hashlib.sha256(f"{tenant_id}\x00{job_id}".encode()).hexdigest()[:40]
    return base + suffix


def one_shot_time(scheduled_for: datetime) -> datetime:
    """When to fire a one-shot schedule for a job due at `scheduled_for`.

    The Scheduler fires within the minute after its time (60 s precision), so fire at the start
    of the minute before: the dispatcher then sends the job with an SQS delay of at most two
    minutes, and the job becomes visible on its second.
    """
    return truncate_to_minute(scheduled_for.astimezone(UTC) - timedelta(minutes=1))


# -- create -----------------------------------------------------------------------------------
def create_one_shot(schedules: Schedules, job: Job, at: datetime | None = None) -> str:
    """Create (or update) the one-shot schedule that dispatches a pending delayed/scheduled job
    at `at` (UTC; default `one_shot_time(job.scheduled_for)`). Returns the schedule name."""
    if at is None:
        if job.scheduled_for is None:
            raise ValueError(f"job {job.id} has no scheduled_for")
        at = one_shot_time(job.scheduled_for)
    name = schedule_name(job.tenant_id, job.id)
    payload = {"action": ACTION_DISPATCH, "tenant_id": job.tenant_id, "job_id": job.id}
    schedules.put(_at(name, at, payload, f"dispatch {job.tenant_id}/{job.id}"))
    return name


def create_recurring(schedules: Schedules, job: Job, now: datetime) -> list[str]:
    """Create (or update) the cron schedules of a recurring job, in its time zone, ending at
    `end_at`, enabled unless `job.enabled is False`; plus a catch-up schedule when its first
    slot is one the Scheduler may miss. Returns the names of the cron schedules."""
    if not job.cron:
        raise ValueError(f"job {job.id} has no cron expression")
    payload = {
        "action": ACTION_CRON,
        "tenant_id": job.tenant_id,
        "job_id": job.id,
        "scheduled_time": SCHEDULED_TIME,
    }
    names = []
    for suffix, expression in zip(RECURRING_SUFFIXES, to_aws_cron(job.cron), strict=False):
        name = schedule_name(job.tenant_id, job.id, suffix)
        schedules.put(
            Schedule(
                name=name,
                expression=expression,
                input=payload,
                timezone=job.timezone or "UTC",
                enabled=job.enabled is not False,
                end_at=job.end_at,
                description=f"cron {job.cron} for {job.tenant_id}/{job.id}",
            )
        )
        names.append(name)
    if job.enabled is not False:
        first = next_run(job.cron, job.timezone, now)
        if first is not None:
            ensure_catch_up(schedules, job, first)
    return names


def ensure_catch_up(schedules: Schedules, job: Job, slot: datetime) -> str | None:
    """Add a one-shot schedule firing the cron action at `slot` when the Scheduler may not fire
    that slot itself (DST). A slot fired twice makes one run: its run id is deterministic.
    Returns the catch-up schedule name, or None when none is needed."""
    if not job.cron or not scheduler_may_miss(job.cron, job.timezone, slot):
        return None
    if job.end_at is not None and slot > job.end_at:
        return None
    slot = slot.astimezone(UTC)
    name = schedule_name(job.tenant_id, job.id, _catch_up_suffix(slot))
    payload = {
        "action": ACTION_CRON,
        "tenant_id": job.tenant_id,
        "job_id": job.id,
        "scheduled_time": iso(slot),
    }
    schedules.put(_at(name, slot, payload, f"DST catch-up of {job.tenant_id}/{job.id}"))
    return name


# -- pause, resume, delete ---------------------------------------------------------------------
def pause(schedules: Schedules, job: Job) -> list[str]:
    """Disable the cron schedules of a recurring job. Returns the names changed."""
    return _set_enabled(schedules, job, False)


def resume(schedules: Schedules, job: Job, now: datetime) -> list[str]:
    """Enable the cron schedules of a recurring job (and add a catch-up for its next slot if
    needed). Returns the names changed."""
    names = _set_enabled(schedules, job, True)
    if names and job.cron:
        upcoming = next_run(job.cron, job.timezone, now)
        if upcoming is not None:
            ensure_catch_up(schedules, job, upcoming)
    return names


def delete(schedules: Schedules, job: Job) -> list[str]:
    """Delete the schedules of a job (one-shot, cron, and the catch-up of its `next_run_at`);
    missing ones are fine. Returns the names deleted.

    A catch-up schedule of an older slot, if one is still waiting, fires once into the finished
    job (a no-op for the dispatcher) and then deletes itself.
    """
    slots = [job.next_run_at] if job.next_run_at is not None else []
    return delete_for(schedules, job.tenant_id, job.id, catch_up_slots=slots)


def delete_for(
    schedules: Schedules, tenant_id: str, job_id: str, catch_up_slots: Iterable[datetime] = ()
) -> list[str]:
    """`delete` by ids, for when the job record itself is gone. Returns the names deleted."""
    suffixes = ["", *RECURRING_SUFFIXES] + [_catch_up_suffix(slot) for slot in catch_up_slots]
    names = [schedule_name(tenant_id, job_id, suffix) for suffix in suffixes]
    return [name for name in names if schedules.delete(name)]


def missing_recurring(schedules: Schedules, job: Job) -> list[str]:
    """The names of the cron schedules of a recurring job that do not exist."""
    if not job.cron:
        return []
    names = [
        schedule_name(job.tenant_id, job.id, suffix)
        for suffix, _ in zip(RECURRING_SUFFIXES, to_aws_cron(job.cron), strict=False)
    ]
    return [name for name in names if not schedules.exists(name)]


# -- helpers ----------------------------------------------------------------------------------
def _set_enabled(schedules: Schedules, job: Job, enabled: bool) -> list[str]:
    names = [schedule_name(job.tenant_id, job.id, suffix) for suffix in RECURRING_SUFFIXES]
    return [name for name in names if schedules.set_enabled(name, enabled)]


def _catch_up_suffix(slot: datetime) -> str:
    return f"{CATCH_UP_PREFIX}{slot.astimezone(UTC):%Y%m%d%H%M}"


def _at(name: str, at: datetime, payload: dict[str, str], description: str) -> Schedule:
    expression = f"at({at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})"
    return Schedule(name=name, expression=expression, input=payload, one_shot=True, description=description)
