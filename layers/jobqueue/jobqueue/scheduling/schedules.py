"""EventBridge Scheduler schedules of jobs, all targeting the dispatcher function.

- one-shot `at()` schedule for a delayed/scheduled job beyond the SQS delay limit (900 s):
  input `{"action": "dispatch", "tenant_id", "job_id"}`, deleted by the Scheduler after it fires;
- one `cron()` schedule per AWS expression of a recurring job (`-a`, and `-b` when the Unix
  day OR needs two), evaluated in the job's time zone: input `{"action": "cron", "tenant_id",
  "job_id", "scheduled_time": "<aws.scheduler.scheduled-time>"}` (the Scheduler puts the
  slot's time there);
- one-shot catch-up schedules (`-dYYYYMMDDHHMM`) for the DST slots croniter names but the
  Scheduler may not fire (see `cron.scheduler_may_miss`).

Names are deterministic from tenant and job id (`<tenant>.<job_id>[suffix]`, or a hash when
that is too long or holds other characters), so every call here is idempotent: creating an
existing schedule updates it, deleting a missing one is fine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from jobqueue import aws, clock
from jobqueue.models.job import Job
from jobqueue.scheduling.cron import next_run, scheduler_may_miss, to_aws_cron, truncate_to_minute
from jobqueue.settings import get_settings

ACTION_DISPATCH = "dispatch"
ACTION_CRON = "cron"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
RECURRING_SUFFIXES = ("-a", "-b")
CATCH_UP_PREFIX = "-d"
# The Scheduler's maxima: a retried fire is harmless (dispatch is conditional, cron runs have
# deterministic ids); what still fails lands in the dead-letter queue when one is configured.
RETRY_POLICY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
MAX_NAME_LENGTH = 64
_SUFFIX_ROOM = len(CATCH_UP_PREFIX) + 12
_NAME_PART = re.compile(r"^[0-9A-Za-z_-]+$")
_UPDATABLE = (
    "Name",
    "GroupName",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "Description",
    "StartDate",
    "EndDate",
    "KmsKeyArn",
    "ActionAfterCompletion",
)


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
def create_one_shot(job: Job, at: datetime | None = None, client: Any = None) -> str:
    """Create (or update) the one-shot schedule that dispatches a pending delayed/scheduled job.

    Args:
        at: when to fire (UTC); default `one_shot_time(job.scheduled_for)`.

    Returns:
        The schedule name.
    """
    if at is None:
        if job.scheduled_for is None:
            raise ValueError(f"job {job.id} has no scheduled_for")
        at = one_shot_time(job.scheduled_for)
    name = schedule_name(job.tenant_id, job.id)
    target = _target({"action": ACTION_DISPATCH, "tenant_id": job.tenant_id, "job_id": job.id})
    _put(client, name, _at_definition(at, target, f"dispatch {job.tenant_id}/{job.id}"))
    return name


def create_recurring(job: Job, client: Any = None, now: datetime | None = None) -> list[str]:
    """Create (or update) the cron schedules of a recurring job, in its time zone, ending at
    `end_at`, enabled unless `job.enabled is False`; plus a catch-up schedule when its first
    slot is one the Scheduler may miss.

    Returns:
        The names of the cron schedules (`...-a`, and `...-b` for a day-of-month OR day-of-week).
    """
    if not job.cron:
        raise ValueError(f"job {job.id} has no cron expression")
    target = _target(
        {
            "action": ACTION_CRON,
            "tenant_id": job.tenant_id,
            "job_id": job.id,
            "scheduled_time": SCHEDULED_TIME,
        }
    )
    names = []
    for suffix, expression in zip(RECURRING_SUFFIXES, to_aws_cron(job.cron), strict=False):
        name = schedule_name(job.tenant_id, job.id, suffix)
        definition: dict[str, Any] = {
            "GroupName": _group(),
            "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": job.timezone or "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "DISABLED" if job.enabled is False else "ENABLED",
            "Description": f"cron {job.cron} for {job.tenant_id}/{job.id}"[:512],
            "Target": target,
        }
        if job.end_at is not None:
            definition["EndDate"] = job.end_at
        _put(client, name, definition)
        names.append(name)
    if job.enabled is not False:
        first = next_run(job.cron, job.timezone, now or clock.now())
        if first is not None:
            ensure_catch_up(job, first, client)
    return names


def ensure_catch_up(job: Job, slot: datetime, client: Any = None) -> str | None:
    """Add a one-shot schedule firing the cron action at `slot` when the Scheduler may not fire
    that slot itself (DST). A slot fired twice makes one run: its run id is deterministic.

    Returns:
        The catch-up schedule name, or None when none is needed.
    """
    if not job.cron or not scheduler_may_miss(job.cron, job.timezone, slot):
        return None
    if job.end_at is not None and slot > job.end_at:
        return None
    slot = slot.astimezone(UTC)
    name = schedule_name(job.tenant_id, job.id, _catch_up_suffix(slot))
    target = _target(
        {
            "action": ACTION_CRON,
            "tenant_id": job.tenant_id,
            "job_id": job.id,
            "scheduled_time": clock.iso(slot),
        }
    )
    _put(client, name, _at_definition(slot, target, f"DST catch-up of {job.tenant_id}/{job.id}"))
    return name


# -- pause, resume, delete ---------------------------------------------------------------------
def pause(job: Job, client: Any = None) -> list[str]:
    """Disable the cron schedules of a recurring job. Returns the names changed."""
    return _set_state(job, "DISABLED", client)


def resume(job: Job, client: Any = None, now: datetime | None = None) -> list[str]:
    """Enable the cron schedules of a recurring job (and add a catch-up for its next slot if
    needed). Returns the names changed."""
    names = _set_state(job, "ENABLED", client)
    if names and job.cron:
        upcoming = next_run(job.cron, job.timezone, now or clock.now())
        if upcoming is not None:
            ensure_catch_up(job, upcoming, client)
    return names


def delete(job: Job, client: Any = None) -> list[str]:
    """Delete the schedules of a job (one-shot, cron, and the catch-up of its `next_run_at`);
    missing ones are fine. Returns the names deleted.

    A catch-up schedule of an older slot, if one is still waiting, fires once into the finished
    job (a no-op for the dispatcher) and then deletes itself (ActionAfterCompletion DELETE).
    """
    slots = [job.next_run_at] if job.next_run_at is not None else []
    return delete_for(job.tenant_id, job.id, client, catch_up_slots=slots)


def delete_for(
    tenant_id: str, job_id: str, client: Any = None, catch_up_slots: Iterable[datetime] = ()
) -> list[str]:
    """`delete` by ids, for when the job record itself is gone. Returns the names deleted."""
    scheduler = client or aws.client("scheduler")
    group = _group()
    suffixes = ["", *RECURRING_SUFFIXES] + [_catch_up_suffix(slot) for slot in catch_up_slots]
    deleted = []
    for name in (schedule_name(tenant_id, job_id, suffix) for suffix in suffixes):
        try:
            scheduler.delete_schedule(Name=name, GroupName=group)
        except ClientError as error:
            if not _is(error, "ResourceNotFoundException"):
                raise
            continue
        deleted.append(name)
    return deleted


def missing_recurring(job: Job, client: Any = None) -> list[str]:
    """The names of the cron schedules of a recurring job that do not exist (GetSchedule)."""
    if not job.cron:
        return []
    scheduler = client or aws.client("scheduler")
    group = _group()
    missing = []
    for suffix, _ in zip(RECURRING_SUFFIXES, to_aws_cron(job.cron), strict=False):
        name = schedule_name(job.tenant_id, job.id, suffix)
        try:
            scheduler.get_schedule(Name=name, GroupName=group)
        except ClientError as error:
            if not _is(error, "ResourceNotFoundException"):
                raise
            missing.append(name)
    return missing


# -- helpers ----------------------------------------------------------------------------------
def _set_state(job: Job, state: str, client: Any) -> list[str]:
    scheduler = client or aws.client("scheduler")
    group = _group()
    changed = []
    for suffix in RECURRING_SUFFIXES:
        name = schedule_name(job.tenant_id, job.id, suffix)
        try:
            current = scheduler.get_schedule(Name=name, GroupName=group)
        except ClientError as error:
            if _is(error, "ResourceNotFoundException"):
                continue
            raise
        # UpdateSchedule replaces the whole definition: send everything back, new state only.
        update = {key: current[key] for key in _UPDATABLE if current.get(key) is not None}
        update["State"] = state
        scheduler.update_schedule(**update)
        changed.append(name)
    return changed


def _catch_up_suffix(slot: datetime) -> str:
    return f"{CATCH_UP_PREFIX}{slot.astimezone(UTC):%Y%m%d%H%M}"


def _at_definition(at: datetime, target: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "GroupName": _group(),
        "ScheduleExpression": f"at({at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
        "Description": description[:512],
        "Target": target,
    }


def _target(payload: dict[str, str]) -> dict[str, Any]:
    settings = get_settings()
    if not settings.dispatcher_function_arn or not settings.scheduler_role_arn:
        raise RuntimeError("DISPATCHER_FUNCTION_ARN and SCHEDULER_ROLE_ARN must be set to create schedules")
    target: dict[str, Any] = {
        "Arn": settings.dispatcher_function_arn,
        "RoleArn": settings.scheduler_role_arn,
        "Input": json.dumps(payload, separators=(",", ":")),
        "RetryPolicy": dict(RETRY_POLICY),
    }
    dead_letter_arn = _dead_letter_arn()
    if dead_letter_arn:
        target["DeadLetterConfig"] = {"Arn": dead_letter_arn}
    return target


def _dead_letter_arn() -> str:
    """The schedules' dead-letter queue ARN (`SCHEDULE_DEAD_LETTER_QUEUE_ARN`, docs/architecture.md):
    from settings once settings.py has the field, else from the environment at call time."""
    return getattr(get_settings(), "schedule_dead_letter_queue_arn", "") or os.environ.get(
        "SCHEDULE_DEAD_LETTER_QUEUE_ARN", ""
    )


def _group() -> str:
    return get_settings().schedule_group_name or "default"


def _put(client: Any, name: str, definition: dict[str, Any]) -> None:
    scheduler = client or aws.client("scheduler")
    try:
        scheduler.create_schedule(Name=name, **definition)
    except ClientError as error:
        if not _is(error, "ConflictException"):
            raise
        scheduler.update_schedule(Name=name, **definition)


def _is(error: ClientError, code: str) -> bool:
    return error.response.get("Error", {}).get("Code") == code
