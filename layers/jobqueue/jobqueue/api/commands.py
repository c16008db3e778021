"""Client commands on one job: cancel (and its schedules), retry, pause/resume (PATCH enabled).

Each state change is one conditional UpdateItem (`status IN expected`): a cancel racing a
worker's claim, or two retries, resolve to exactly one winner; the loser reads the job to say why.
"""

from __future__ import annotations

import re
from datetime import timedelta

from aws_lambda_powertools import Logger

from jobqueue.cron.dialect import next_run
from jobqueue.deadlines import dispatch_check_at
from jobqueue.errors import InvalidState, NotFound, ServiceUnavailable
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS
from jobqueue.models.job import CANCELLABLE_STATUSES, RETRYABLE_STATUSES, Job, JobStatus, JobType
from jobqueue.ports import Ports
from jobqueue.scheduling import schedules
from jobqueue.tenancy.waiting import give_back_place, take_place

logger = Logger(child=True)

_JOB_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$")


def get_job(ports: Ports, tenant_id: str, job_id: str) -> Job:
    """The tenant's job; another tenant's job is missing too (404)."""
    _known_shape(job_id)
    job = ports.jobs.get(tenant_id, job_id)
    if job is None:
        raise NotFound("job not found", {"job_id": job_id})
    return job


def cancel_job(ports: Ports, tenant_id: str, job_id: str) -> Job:
    """pending/queued -> cancelled; 409 for any other status, 404 when missing."""
    _known_shape(job_id)
    changes = {
        "status": JobStatus.CANCELLED,
        "status_reason": "cancelled by request",
        "completed_at": ports.clock.now(),
    }
    job = ports.jobs.transition(
        tenant_id, job_id, CANCELLABLE_STATUSES, changes, remove=("waiting_on",), clear_sweep=True
    )
    if job is None:
        raise _refused("cancelled", get_job(ports, tenant_id, job_id), CANCELLABLE_STATUSES)
    give_back_place(ports.counters, job)  # after the winning transition only: given back exactly once
    _delete_schedules(ports, job)
    return job


def _delete_schedules(ports: Ports, job: Job) -> None:
    """A cancelled job's EventBridge Scheduler schedules (cron, or a one-shot beyond 900 s).

    Best effort: the record is cancelled already, so a schedule that survives fires into a
    no-op (the dispatcher ignores a cancelled job, and deletes a terminal recurring job's
    schedules on their next fire; a one-shot deletes itself after firing).
    """
    has_one_shot = job.scheduled_for is not None and job.scheduled_for - job.created_at > timedelta(
        seconds=MAX_QUEUE_DELAY_SECONDS
    )
    if not (job.cron or has_one_shot):
        return
    try:
        schedules.delete(ports.schedules, job)
    except Exception:
        logger.exception("could not delete the schedules of a cancelled job", extra={"job_id": job.id})


def retry_job(ports: Ports, tenant_id: str, job_id: str) -> Job:
    """failed/timed_out/cancelled -> queued with a fresh retry budget; attempts keep counting."""
    current = get_job(ports, tenant_id, job_id)
    if current.status not in RETRYABLE_STATUSES:
        raise _refused("retried", current, RETRYABLE_STATUSES)
    if current.cron is not None and current.parent_id is None:
        raise InvalidState(
            "a recurring job cannot be retried; submit it again (its runs can be retried)",
            {"status": current.status.value, "type": current.type.value},
        )
    now = ports.clock.now()
    requeued = current.model_copy(update={"scheduled_for": None, "status": JobStatus.QUEUED})
    take_place(ports.counters, ports.tenants, current)  # 429 when the tenant's waiting places are full
    job = ports.jobs.transition(
        tenant_id,
        job_id,
        RETRYABLE_STATUSES,
        {"status": JobStatus.QUEUED, "retries_used": 0, "status_reason": "retried by request"},
        remove=("completed_at", "scheduled_for"),
        sweep_at=dispatch_check_at(requeued, now),
    )
    if job is None:  # lost a race (another retry): say what it is now
        give_back_place(ports.counters, current)  # give back the place taken above
        raise _refused("retried", get_job(ports, tenant_id, job_id), RETRYABLE_STATUSES)
    try:
        ports.queue.send(job, delay_seconds=0)
    except Exception:
        logger.exception("send failed; the sweeper re-sends", extra={"job_id": job.id})
    return job


def set_enabled(ports: Ports, tenant_id: str, job_id: str, enabled: bool) -> Job:
    """Pause or resume a recurring job: the record first (the dispatcher skips every fire of a
    paused job, so a pause takes effect at once even before its schedules are disabled), then
    its schedules. Only an active (pending) recurring job can be paused or resumed: 409 else.
    Setting the state it has already is allowed (and re-applies it to the schedules).
    """
    job = get_job(ports, tenant_id, job_id)
    if job.type is not JobType.RECURRING or not job.cron:
        raise InvalidState(
            f"only recurring jobs can be paused or resumed; this one is {job.type.value}",
            {"type": job.type.value},
        )
    now = ports.clock.now()
    changes: dict[str, object] = {"enabled": enabled}
    if enabled:
        upcoming = next_run(job.cron, job.timezone, now)
        if upcoming is not None:
            changes["next_run_at"] = upcoming
    updated = ports.jobs.transition(tenant_id, job_id, [JobStatus.PENDING], changes)
    if updated is None:
        raise _refused("paused or resumed", get_job(ports, tenant_id, job_id), frozenset({JobStatus.PENDING}))
    try:
        if enabled:
            schedules.resume(ports.schedules, updated, now)
        else:
            schedules.pause(ports.schedules, updated)
    except Exception as error:
        logger.exception("schedule state not changed", extra={"job_id": job_id, "enabled": enabled})
        raise ServiceUnavailable(
            "the job is " + ("resumed" if enabled else "paused") + " but its schedules could not be updated;"
            " repeat the request",
            {"enabled": enabled},
        ) from error
    return updated


def _known_shape(job_id: str) -> None:
    """An id no job can have is simply not found (and never reaches DynamoDB as a key)."""
    if not _JOB_ID.match(job_id):
        raise NotFound("job not found", {"job_id": job_id[:64]})


def _refused(verb: str, job: Job, allowed: frozenset[JobStatus]) -> InvalidState:
    return InvalidState(
        f"a {job.status.value} job cannot be {verb}",
        {"status": job.status.value, "allowed": sorted(s.value for s in allowed)},
    )
