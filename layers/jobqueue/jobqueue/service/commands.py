"""Client commands on one job: cancel, retry, pause/resume.

Each state change is one conditional UpdateItem (`status IN expected`): a cancel racing a
worker's claim, or two retries, resolve to exactly one winner; the loser reads the job to say why.
"""

from __future__ import annotations

import re

from aws_lambda_powertools import Logger

from jobqueue import clock, lifecycle
from jobqueue.errors import InvalidState, NotFound
from jobqueue.models.job import CANCELLABLE_STATUSES, RETRYABLE_STATUSES, Job, JobStatus, JobType
from jobqueue.queueing.publisher import JobPublisher
from jobqueue.store.jobs import JobStore

logger = Logger(child=True)

_JOB_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$")


def get_job(tenant_id: str, job_id: str, store: JobStore | None = None) -> Job:
    """The tenant's job; another tenant's job is missing too (404)."""
    _known_shape(job_id)
    job = (store or JobStore()).get(tenant_id, job_id)
    if job is None:
        raise NotFound("job not found", {"job_id": job_id})
    return job


def cancel_job(tenant_id: str, job_id: str, store: JobStore | None = None) -> Job:
    """pending/queued -> cancelled; 409 for any other status, 404 when missing."""
    _known_shape(job_id)
    store = store or JobStore()
    changes = {
        "status": JobStatus.CANCELLED,
        "status_reason": "cancelled by request",
        "completed_at": clock.now(),
    }
    job = store.transition(tenant_id, job_id, CANCELLABLE_STATUSES, changes, clear_sweep=True)
    if job is None:
        raise _refused("cancelled", get_job(tenant_id, job_id, store), CANCELLABLE_STATUSES)
    return job


def retry_job(
    tenant_id: str, job_id: str, store: JobStore | None = None, publisher: JobPublisher | None = None
) -> Job:
    """failed/timed_out/cancelled -> queued with a fresh retry budget; attempts keep counting."""
    store = store or JobStore()
    current = get_job(tenant_id, job_id, store)
    if current.status not in RETRYABLE_STATUSES:
        raise _refused("retried", current, RETRYABLE_STATUSES)
    now = clock.now()
    requeued = current.model_copy(update={"scheduled_for": None, "status": JobStatus.QUEUED})
    job = store.transition(
        tenant_id,
        job_id,
        RETRYABLE_STATUSES,
        {"status": JobStatus.QUEUED, "retries_used": 0, "status_reason": "retried by request"},
        remove=("completed_at", "scheduled_for"),
        sweep_at=lifecycle.dispatch_check_at(requeued, now),
    )
    if job is None:  # lost a race (another retry): say what it is now
        raise _refused("retried", get_job(tenant_id, job_id, store), RETRYABLE_STATUSES)
    try:
        (publisher or JobPublisher()).send(job, delay_seconds=0)
    except Exception:
        logger.exception("send failed; the sweeper re-sends", extra={"job_id": job.id})
    return job


def set_enabled(tenant_id: str, job_id: str, enabled: bool, store: JobStore | None = None) -> Job:
    """Pause or resume a recurring job. Only recurring jobs have a schedule to pause."""
    job = get_job(tenant_id, job_id, store)
    if job.type is not JobType.RECURRING:
        raise InvalidState(
            f"only recurring jobs can be paused or resumed; this one is {job.type.value}",
            {"type": job.type.value},
        )
    # Recurring jobs (and their EventBridge schedules) arrive with the scheduling issue.
    raise InvalidState("pausing recurring jobs is not available yet", {"enabled": enabled})


def _known_shape(job_id: str) -> None:
    """An id no job can have is simply not found (and never reaches DynamoDB as a key)."""
    if not _JOB_ID.match(job_id):
        raise NotFound("job not found", {"job_id": job_id[:64]})


def _refused(verb: str, job: Job, allowed: frozenset[JobStatus]) -> InvalidState:
    return InvalidState(
        f"a {job.status.value} job cannot be {verb}",
        {"status": job.status.value, "allowed": sorted(s.value for s in allowed)},
    )
