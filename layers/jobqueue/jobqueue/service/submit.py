"""Submitting jobs: build and validate (job_builder), admit, write the record, then send.

The job record is the outbox: it is written first (queued, with a dispatch check for the
sweeper), then its message is sent. A failed send is logged and the job stays queued; the
sweeper re-sends it when the dispatch check falls due. No transaction on this path.

A job that waits (a cron schedule, a one-shot more than 900 s ahead, dependencies) is written
`pending` with a sweep check (`lifecycle.pending_check_at`: if this process dies before arming
it, the sweeper does), then armed: its EventBridge Scheduler schedules created,
its id added to its parents' `dependents`. See docs/scheduling.md, "Submission".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools import Logger

from jobqueue import clock, lifecycle
from jobqueue.errors import JobQueueError, ServiceUnavailable, ValidationFailed
from jobqueue.models.job import Job, JobStatus
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.queueing.publisher import JobPublisher
from jobqueue.scheduling import release, schedules
from jobqueue.service.admission import admit
from jobqueue.service.job_builder import build_job
from jobqueue.store.jobs import JobStore

logger = Logger(child=True)


def submit_job(
    tenant: Tenant,
    submission: JobSubmission,
    idempotency_key: str | None = None,
    store: JobStore | None = None,
    publisher: JobPublisher | None = None,
) -> Job:
    """Validate, admit, write, send. Returns the job as accepted (201)."""
    job = build_job(tenant, submission, clock.now(), idempotency_key)
    store = store or JobStore()
    publisher = publisher or JobPublisher()
    parents = _parents(store, job)
    if parents:
        job.status_reason = "waiting for " + ", ".join(job.depends_on)
    with admit(tenant, [job]):  # a failed write gives the admission back
        if not store.create(job, sweep_at=_sweep_at(job)):
            raise RuntimeError(f"job id {job.id} exists already")
        _arm(store, [job], parents)  # schedules, dependents; undone (and 503) on failure
    if job.status is JobStatus.QUEUED:
        _send(lambda: publisher.send(job), [job])
    elif parents:
        job = _settle(store, publisher, job)
    return job


def submit_batch(
    tenant: Tenant,
    submissions: list[JobSubmission],
    store: JobStore | None = None,
    publisher: JobPublisher | None = None,
) -> list[Job]:
    """All or nothing: every item is validated before anything is written."""
    now = clock.now()
    jobs = [_item(i, lambda s=s: _batch_job(tenant, s, now)) for i, s in enumerate(submissions)]
    store = store or JobStore()
    with admit(tenant, jobs, now):  # one counter step of N; a failed write gives it back
        store.create_many((job, _sweep_at(job, now)) for job in jobs)
        _arm(store, jobs, [])  # one-shot schedules of the far ones; all undone (503) on failure
    queued = [job for job in jobs if job.status is JobStatus.QUEUED]
    if queued:
        _send(lambda: (publisher or JobPublisher()).send_many(queued), queued)
    return jobs


def _batch_job(tenant: Tenant, submission: JobSubmission, now: datetime) -> Job:
    """A batch item: delays and `run_at` of any range; `cron` and `depends_on` one at a time."""
    for name in ("cron", "depends_on"):
        if getattr(submission, name):
            raise ValidationFailed(
                f"{name} is not supported in a batch; submit that job alone",
                {name: "not supported in a batch"},
            )
    return build_job(tenant, submission, now)


def _sweep_at(job: Job, now: datetime | None = None) -> datetime:
    """Queued jobs get the sweeper's dispatch check; pending ones a check that they were armed
    (the process may die between the record and its schedules or dependents)."""
    if job.status is JobStatus.QUEUED:
        return lifecycle.dispatch_check_at(job, now)
    return lifecycle.pending_check_at(job, now)


def _parents(store: JobStore, job: Job) -> list[Job]:
    """The jobs `job` depends on, read in its tenant: a missing id (or another tenant's, which
    looks exactly the same) is a 422 naming it. Only existing jobs can be named, so no cycle
    can form (docs/scheduling.md)."""
    if not job.depends_on:
        return []
    found = {pid: store.get(job.tenant_id, pid) for pid in job.depends_on}
    missing = [pid for pid, parent in found.items() if parent is None]
    if missing:
        raise ValidationFailed(
            "depends_on names jobs that do not exist: " + ", ".join(missing),
            {"depends_on": "no such job: " + ", ".join(missing), "missing": missing},
        )
    return [parent for parent in found.values() if parent is not None]


def _arm(store: JobStore, jobs: list[Job], parents: list[Job]) -> None:
    """After the records are written: the EventBridge Scheduler schedules of pending jobs (cron,
    or a one-shot beyond the SQS delay) and the dependents entries on the parents.

    The record is written first, so a schedule never fires for a job that does not exist. When
    a schedule cannot be created the request fails as a whole: the schedules made so far and
    the records are deleted again and the client gets 503 (safe to retry; with an
    Idempotency-Key too, as a failed request is not remembered): an immediate, honest failure
    loses nothing. Only a process that dies here leaves the record unarmed; its sweep check
    (`lifecycle.pending_check_at`, written with the record) lets the sweeper arm it.
    """
    try:
        for job in jobs:
            if job.cron:
                schedules.create_recurring(job, now=job.created_at)
            elif job.status is JobStatus.PENDING and job.scheduled_for is not None:
                schedules.create_one_shot(job)
        for job in jobs:
            if job.depends_on:
                release.register(job, parents, store)
    except Exception as error:
        _undo(store, jobs)
        if isinstance(error, JobQueueError):
            raise
        logger.exception("schedule or dependency registration failed; submission undone")
        raise ServiceUnavailable(
            "the job could not be scheduled; nothing was accepted, try again", {"retry": True}
        ) from error


def _undo(store: JobStore, jobs: list[Job]) -> None:
    for job in jobs:
        try:
            if job.cron or job.status is JobStatus.PENDING:
                schedules.delete(job)
        except Exception:
            logger.exception("could not delete the schedules of an undone job", extra={"job_id": job.id})
        try:
            store.delete(job.tenant_id, job.id)
        except Exception:
            logger.exception("could not delete an undone job", extra={"job_id": job.id})


def _settle(store: JobStore, publisher: JobPublisher, job: Job) -> Job:
    """A dependent job just registered: its parents may have finished meanwhile."""
    try:
        return release.settle(job.tenant_id, job.id, store, publisher)[1] or job
    except Exception:  # registered on every open parent: their completion settles it
        logger.exception("dependency check after submit failed", extra={"job_id": job.id})
        return job


def _item(index: int, build: Callable[[], Job]) -> Job:
    """Build one batch item; its error names the item (`jobs.<i>.<field>`, or `index`)."""
    try:
        return build()
    except ValidationFailed as error:
        error.details = {f"jobs.{index}.{field}": msg for field, msg in error.details.items()}
        error.message = f"jobs.{index}: {error.message}"
        raise
    except JobQueueError as error:
        error.details = {"index": index, **error.details}
        error.message = f"jobs.{index}: {error.message}"
        raise


def _send(send: Callable[[], None], jobs: list[Job]) -> None:
    """Send the messages; on failure the records stay queued and the sweeper re-sends them."""
    try:
        send()
    except Exception:
        logger.exception("send failed; the sweeper re-sends", extra={"job_ids": [j.id for j in jobs]})
