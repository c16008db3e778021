"""Observability of the calling tenant: `/v1/metrics/performance`, `/v1/trends`, `/v1/health`,
`/v1/queue` and `/v1/events` (docs/observability.md)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AwareDatetime

from jobqueue.activity import feed, queries
from jobqueue.activity.system_stats import queue_answer
from jobqueue.api import commands
from jobqueue.api.caller import principal_of
from jobqueue.api.deps import calling_tenant, ports_of
from jobqueue.api.openapi import responses
from jobqueue.api.openapi_activity import Events, Health, Performance, QueueStatus, Trends
from jobqueue.models.job import JobType
from jobqueue.models.tenant import Role

router = Router()

Start = Annotated[AwareDatetime | None, Query(description="RFC 3339; default `end` - 24 h; down to the hour")]
End = Annotated[AwareDatetime | None, Query(description="RFC 3339; default now; up to the hour; <= 31 days")]


@router.get(
    "/v1/metrics/performance",
    summary="Performance of a window: counts, rates, p95 execution and queue wait, errors",
    tags=["observability"],
    responses=responses(200, "the window's performance", Performance, 403),
)
def get_performance(
    start: Start = None,
    end: End = None,
    handler: Annotated[str | None, Query(max_length=100, description="one handler")] = None,
    type: Annotated[JobType | None, Query(description="one job type")] = None,
) -> Any:
    tenant = calling_tenant(router)
    job_type = type.value if type else None
    return queries.performance(ports_of(router), tenant.tenant_id, start, end, handler, job_type)


@router.get(
    "/v1/trends",
    summary="Buckets of a period: submitted, outcomes, rates, execution times",
    tags=["observability"],
    responses=responses(200, "the buckets, oldest first", Trends, 403),
)
def get_trends(
    period: Annotated[str, Query(max_length=16, description="ISO 8601, at most P31D")] = "P7D",
    interval: Annotated[str, Query(max_length=8, description="PT1H, PT6H or P1D")] = "PT1H",
) -> Any:
    tenant = calling_tenant(router)
    return queries.trends(ports_of(router), tenant.tenant_id, period, interval)


@router.get(
    "/v1/health",
    summary="Health score (0-100) from named signals, with recommendations",
    tags=["observability"],
    responses=responses(200, "the tenant's health", Health, 403),
)
def get_health() -> Any:
    return queries.tenant_health(ports_of(router), calling_tenant(router))


@router.get(
    "/v1/queue",
    summary="Due jobs by priority, scheduled, running; admin keys also see the SQS queues",
    tags=["observability"],
    responses=responses(200, "the queue", QueueStatus, 403),
)
def get_queue(
    tenant_id: Annotated[str | None, Query(max_length=64, description="admin keys: whose queue")] = None,
) -> Any:
    ports = ports_of(router)
    principal = principal_of(router.current_event.raw_event)
    if principal.role is not Role.ADMIN:
        return queries.queue(ports, calling_tenant(router).tenant_id).answer()
    answer: dict[str, Any] = queries.queue(ports, tenant_id).answer() if tenant_id else {}
    answer["queues"] = [queue_answer(depth) for depth in ports.queues.depths()]
    return answer


@router.get(
    "/v1/events",
    summary="The tenant's job lifecycle events in order (kept 7 days), or one job's",
    tags=["observability"],
    responses=responses(200, "a page of events", Events, 400, 403, 404),
)
def get_events(
    after: Annotated[str | None, Query(max_length=1024, description="`next_cursor` of the last page")] = None,
    job_id: Annotated[str | None, Query(max_length=100, description="only this job's events")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    ports = ports_of(router)
    tenant = calling_tenant(router)
    if job_id:
        return feed.job_events(commands.get_job(ports, tenant.tenant_id, job_id), after, limit)
    return feed.tenant_events(ports.activity, tenant.tenant_id, after, limit, ports.clock.now())
