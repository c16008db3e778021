"""`/v1/jobs`: submit (one or a batch), read, list, cancel, retry, pause/resume."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from pydantic import AwareDatetime

from jobqueue.api import commands
from jobqueue.api.deps import calling_tenant, ports_of, registry_of, view
from jobqueue.api.openapi import JOB_LINKS, JobBatch, JobList, JobView, responses
from jobqueue.api.submit import submit_batch, submit_job
from jobqueue.errors import ValidationFailed
from jobqueue.models.job import JobStatus, JobType, Priority
from jobqueue.models.job_query import JobQuery
from jobqueue.models.submission import BatchSubmission, JobPatch, JobSubmission

router = Router()

IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=255,
        description="a repeat with the same body answers the first job; per tenant, kept 24 h",
    ),
]


@router.post(
    "/",
    summary="Submit a job",
    tags=["jobs"],
    responses=responses(201, "the job", JobView, 409, 413, 429, 503, body=True, links=JOB_LINKS),
)
def submit(submission: JobSubmission, idempotency_key: IdempotencyKey = None) -> Any:
    tenant = calling_tenant(router)
    ports, registry = ports_of(router), registry_of(router)
    if idempotency_key is None:
        return view(router, submit_job(ports, registry, tenant, submission)), 201

    def produce() -> dict[str, Any]:
        return view(router, submit_job(ports, registry, tenant, submission, idempotency_key=idempotency_key))

    body = router.current_event.json_body
    context = router.lambda_context
    return ports.idempotency.run_once(
        "submit", tenant.tenant_id, idempotency_key, body, produce, context
    ), 201


@router.post(
    "/batch",
    summary="Submit up to 100 jobs, all or nothing",
    tags=["jobs"],
    responses=responses(201, "the jobs, in request order", JobBatch, 413, 429, 503, body=True),
)
def submit_many(batch: BatchSubmission) -> Any:
    jobs = submit_batch(ports_of(router), registry_of(router), calling_tenant(router), batch.jobs)
    return {"jobs": [view(router, job) for job in jobs]}, 201


@router.get(
    "/", summary="List jobs, newest first", tags=["jobs"], responses=responses(200, "a page", JobList, 400)
)
def list_jobs(
    status: Annotated[JobStatus | None, Query()] = None,
    type: Annotated[JobType | None, Query()] = None,
    handler: Annotated[str | None, Query(max_length=100)] = None,
    priority: Annotated[Priority | None, Query()] = None,
    parent_id: Annotated[str | None, Query(max_length=100)] = None,
    created_after: Annotated[AwareDatetime | None, Query(description="RFC 3339")] = None,
    created_before: Annotated[AwareDatetime | None, Query(description="RFC 3339")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Any:
    if created_after and created_before and created_after > created_before:
        raise ValidationFailed(
            "created_before must not be before created_after", {"created_before": "before created_after"}
        )
    tenant = calling_tenant(router)
    query = JobQuery(
        status=status,
        type=type.value if type else None,
        handler=handler,
        priority=priority.value if priority else None,
        parent_id=parent_id,
        created_after=created_after,
        created_before=created_before,
        limit=limit,
        cursor=cursor,
    )
    page = ports_of(router).jobs.list(tenant.tenant_id, query)
    return {"jobs": [view(router, job) for job in page.jobs], "next_cursor": page.next_cursor}


@router.get("/<job_id>", summary="One job", tags=["jobs"], responses=responses(200, "the job", JobView, 404))
def get_job(job_id: str) -> Any:
    tenant = calling_tenant(router)
    return view(router, commands.get_job(ports_of(router), tenant.tenant_id, job_id))


@router.post(
    "/<job_id>/cancel",
    summary="Cancel a pending or queued job",
    tags=["jobs"],
    responses=responses(200, "the cancelled job", JobView, 404, 409),
)
def cancel_job(job_id: str) -> Any:
    tenant = calling_tenant(router)
    return view(router, commands.cancel_job(ports_of(router), tenant.tenant_id, job_id))


@router.post(
    "/<job_id>/retry",
    summary="Queue a failed, timed-out or cancelled job again",
    tags=["jobs"],
    responses=responses(200, "the queued job", JobView, 404, 409, 429),
)
def retry_job(job_id: str) -> Any:
    tenant = calling_tenant(router)
    return view(router, commands.retry_job(ports_of(router), tenant.tenant_id, job_id))


@router.patch(
    "/<job_id>",
    summary="Pause or resume a recurring job",
    tags=["jobs"],
    responses=responses(200, "the job", JobView, 404, 409, 503, body=True),
)
def patch_job(job_id: str, patch: JobPatch) -> Any:
    tenant = calling_tenant(router)
    return view(router, commands.set_enabled(ports_of(router), tenant.tenant_id, job_id, patch.enabled))
