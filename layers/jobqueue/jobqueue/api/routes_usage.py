"""`/v1/usage`: the calling tenant's counters and limits, and optionally a window's statistics."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AwareDatetime

from jobqueue.activity import queries
from jobqueue.api.deps import calling_tenant, ports_of
from jobqueue.api.openapi import Usage, responses
from jobqueue.tenancy import usage

router = Router()


@router.get(
    "/",
    summary="Tenant usage: counters, limits, warnings; window statistics",
    tags=["usage"],
    responses=responses(200, "the usage", Usage),
)
def get_usage(
    start: Annotated[AwareDatetime | None, Query(description="RFC 3339; with `end`")] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="RFC 3339, after `start`, at most 31 days")
    ] = None,
) -> Any:
    ports = ports_of(router)
    tenant = calling_tenant(router)
    window = usage.check_window(start, end)
    answer = usage.current_usage(ports.counters, tenant, ports.clock.now())
    if window is not None:
        answer["window"] = queries.usage_window(ports, tenant.tenant_id, *window)
    return answer
