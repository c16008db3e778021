"""Submitting jobs: build and validate (job_builder), admit, write the record, then send.

The job record is the outbox: it is written first (queued, with a dispatch check for the
sweeper), then its message is sent. A failed send is logged and the job stays queued; the
sweeper re-sends it when the dispatch check falls due. No transaction on this path.

A job that waits (a cron schedule, a one-shot more than 900 s ahead, dependencies) is written
`pending` with a sweep check (`deadlines.pending_check_at`: if this process dies before arming
it, the sweeper does), then armed: its EventBridge Scheduler schedules created, its id added to
its parents' `dependents`. See docs/scheduling.md, "Submission".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue import dependencies
from jobqueue.api.job_builder import build_job
from jobqueue.deadlines import dispatch_check_at, pending_check_at
from jobqueue.errors import JobQueueError, ServiceUnavailable, ValidationFailed
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS, sent_at_once
from jobqueue.models.job import Job, JobStatus
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports
from jobqueue.registry import Registry
from jobqueue.scheduling import schedules
from jobqueue.tenancy.admission import admit

logger = Logger(child=True)


def submit_job(
    ports: Ports,
    registry: Registry,
    tenant: Tenant,
    submission: JobSubmission,
    idempotency_key: str | None = None,
) -> Job:
    """Validate, admit, write, send. Returns the job as accepted (201)."""
    now = ports.clock.now()
    job = build_job(registry, tenant, submission, now, idempotency_key)
    parents = _parents(ports, job)
    if parents:
        job.status_reason = "waiting for " + ", ".join(job.depends_on)
    with admit(ports.counters, tenant.tenant_id, tenant.limits, [job], now):  # a failed write gives it back
        if not ports.jobs.create(job, sweep_at=sweep_deadline(job, now)):
            raise RuntimeError(f"job id {job.id} exists already")
        _arm(ports, [job], parents)  # schedules, dependents; undone (and 503) on failure
    if sent_at_once(job, now):
        _send(lambda: ports.queue.send(job), [job])
    elif parents:
        job = _settle(ports, job)
    return job


def submit_batch(
    ports: Ports, registry: Registry, tenant: Tenant, submissions: list[JobSubmission]
) -> list[Job]:
    """All or nothing: every item is validated before anything is written."""
    now = ports.clock.now()
    jobs = [_item(i, lambda s=s: _batch_job(registry, tenant, s, now)) for i, s in enumerate(submissions)]
    with admit(ports.counters, tenant.tenant_id, tenant.limits, jobs, now):  # one counter step of N
        ports.jobs.create_many((job, sweep_deadline(job, now)) for job in jobs)
        _arm(ports, jobs, [])  # one-shot schedules of the far ones; all undone (503) on failure
    queued = [job for job in jobs if sent_at_once(job, now)]
    if queued:
        _send(lambda: ports.queue.send_many(queued), queued)
    return jobs


def sweep_deadline(job: Job, now: datetime) -> datetime:
    """A job sent at once gets the sweeper's dispatch check; the others a check that they were
    armed (the process may die between the record and its schedules or dependents)."""
    if sent_at_once(job, now):
        return dispatch_check_at(job, now)
    return pending_check_at(job, now)


def _batch_job(registry: Registry, tenant: Tenant, submission: JobSubmission, now: datetime) -> Job:
    """A batch item: delays and `run_at` of any range; `cron` and `depends_on` one at a time."""
    for name in ("cron", "depends_on"):
        if getattr(submission, name):
            raise ValidationFailed(
                f"{name} is not supported in a batch; submit that job alone",
                {name: "not supported in a batch"},
            )
    return build_job(registry, tenant, submission, now)


def _parents(ports: Ports, job: Job) -> list[Job]:
    """The jobs `job` depends on, read in its tenant: a missing id (or another tenant's, which
    looks exactly the same) is a 422 naming it. Only existing jobs can be named, so no cycle
    can form (docs/scheduling.md)."""
    if not job.depends_on:
        return []
    found = {pid: ports.jobs.get(job.tenant_id, pid) for pid in job.depends_on}
    missing = [pid for pid, parent in found.items() if parent is None]
    if missing:
        raise ValidationFailed(
            "depends_on names jobs that do not exist: " + ", ".join(missing),
            {"depends_on": "no such job: " + ", ".join(missing), "missing": missing},
        )
    return [parent for parent in found.values() if parent is not None]


def _arm(ports: Ports, jobs: list[Job], parents: list[Job]) -> None:
    """After the records are written: the EventBridge Scheduler schedules of pending jobs (cron,
    or a one-shot beyond the queue delay) and the dependents entries on the parents.

    The record is written first, so a schedule never fires for a job that does not exist. When
    a schedule cannot be created the request fails as a whole: the schedules made so far and
    the records are deleted again and the client gets 503 (safe to retry; with an
    Idempotency-Key too, as a failed request is not remembered): an immediate, honest failure
    loses nothing. Only a process that dies here leaves the record unarmed; its sweep check
    (written with the record) lets the sweeper arm it.
    """
    try:
        for job in jobs:
            if job.cron:
                schedules.create_recurring(ports.schedules, job, job.created_at)
            elif _beyond_the_queue(job):
                schedules.create_one_shot(ports.schedules, job)
        for job in jobs:
            if job.depends_on:
                dependencies.register(ports, job, parents)
    except Exception as error:
        _undo(ports, jobs)
        if isinstance(error, JobQueueError):
            raise
        logger.exception("schedule or dependency registration failed; submission undone")
        raise ServiceUnavailable(
            "the job could not be scheduled; nothing was accepted, try again", {"retry": True}
        ) from error


def _beyond_the_queue(job: Job) -> bool:
    """Due later than the queue can hold a message: an EventBridge Scheduler one-shot waits."""
    delay = timedelta(seconds=MAX_QUEUE_DELAY_SECONDS)
    return job.scheduled_for is not None and job.scheduled_for > job.created_at + delay


def _undo(ports: Ports, jobs: list[Job]) -> None:
    for job in jobs:
        try:
            if job.cron or job.status is JobStatus.PENDING:
                schedules.delete(ports.schedules, job)
        except Exception:
            logger.exception("could not delete the schedules of an undone job", extra={"job_id": job.id})
        try:
            ports.jobs.delete(job.tenant_id, job.id)
        except Exception:
            logger.exception("could not delete an undone job", extra={"job_id": job.id})


def _settle(ports: Ports, job: Job) -> Job:
    """A dependent job just registered: its parents may have finished meanwhile."""
    try:
        return dependencies.settle_dependent(ports, job.tenant_id, job.id)[1] or job
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
