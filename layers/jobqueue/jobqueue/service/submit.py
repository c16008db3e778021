"""Submitting jobs: build and validate (job_builder), admit, write the record, then send.

The job record is the outbox: it is written first (queued, with a dispatch check for the
sweeper), then its message is sent. A failed send is logged and the job stays queued; the
sweeper re-sends it when the dispatch check falls due. No transaction on this path.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger

from jobqueue import clock, lifecycle
from jobqueue.errors import JobQueueError, ValidationFailed
from jobqueue.models.job import Job
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.queueing.publisher import JobPublisher
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
    admit(tenant, 1)
    if not (store or JobStore()).create(job, sweep_at=lifecycle.dispatch_check_at(job)):
        raise RuntimeError(f"job id {job.id} exists already")
    _send(lambda: (publisher or JobPublisher()).send(job), [job])
    return job


def submit_batch(
    tenant: Tenant,
    submissions: list[JobSubmission],
    store: JobStore | None = None,
    publisher: JobPublisher | None = None,
) -> list[Job]:
    """All or nothing: every item is validated before anything is written."""
    now = clock.now()
    jobs = [_item(i, lambda s=s: build_job(tenant, s, now)) for i, s in enumerate(submissions)]
    admit(tenant, len(jobs))
    (store or JobStore()).create_many((job, lifecycle.dispatch_check_at(job, now)) for job in jobs)
    _send(lambda: (publisher or JobPublisher()).send_many(jobs), jobs)
    return jobs


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
