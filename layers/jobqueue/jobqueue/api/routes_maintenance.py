"""`/v1/maintenance-jobs`: the tenant's standard maintenance schedules."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from jobqueue.api.deps import calling_tenant, ports_of, registry_of, view
from jobqueue.api.maintenance import DEFAULT_RETENTION_DAYS, create_maintenance_jobs
from jobqueue.api.openapi import JobBatch, responses

router = Router()


class MaintenanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS,
        ge=1,
        le=3650,
        description="cleanup deletes finished jobs older than this",
    )


@router.post(
    "/",
    summary="Create the standard maintenance schedules (idempotent)",
    tags=["maintenance"],
    responses={
        **responses(201, "the maintenance jobs, created", JobBatch, 503, body=True),
        200: {"description": "they all existed", "content": {"application/json": {"model": JobBatch}}},
    },
)
def create_maintenance(request: Annotated[MaintenanceRequest | None, Body()] = None) -> Any:
    retention = (request or MaintenanceRequest()).retention_days
    jobs, created = create_maintenance_jobs(
        ports_of(router), registry_of(router), calling_tenant(router), retention
    )
    return {"jobs": [view(router, job) for job in jobs]}, 201 if created else 200
