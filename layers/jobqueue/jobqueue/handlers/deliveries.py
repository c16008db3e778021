"""Deliveries the service makes for a tenant, as jobs of its queue (`jobqueue.system_jobs`),
signed with the tenant's signing secret (`X-Jobqueue-Signature: sha256=<hmac>`, as webhook
jobs are):

- `callback`: POSTs a finished job, as `GET /v1/jobs/{id}` shows it, to its `callback_url`;
- `tenant_webhook`: POSTs an alert notification to the tenant's alert webhook.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobqueue.errors import NonRetryableError
from jobqueue.handlers.webhook import post_signed
from jobqueue.models.job import Category, JobType
from jobqueue.ports import Clock, JobRepository, TenantRepository, WebPoster
from jobqueue.registry import HandlerSpec, JobContext, handler, spec_of
from jobqueue.urls import check_post_url

TIMEOUT_SECONDS = 10.0


class CallbackPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job_id: str = Field(max_length=100, description="the finished job to deliver")
    url: str = Field(max_length=2048)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_post_url(value)


class TenantWebhookPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048)
    body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_post_url(value)


def delivery_handlers(
    jobs: JobRepository, tenants: TenantRepository, poster: WebPoster, clock: Clock
) -> list[HandlerSpec]:
    def secret_of(tenant_id: str) -> str:
        tenant = tenants.get(tenant_id)
        if tenant is None or not tenant.signing_secret:
            raise NonRetryableError("the tenant has no signing secret (PUT its profile again)")
        return tenant.signing_secret

    @handler(
        "callback",
        Category.NOTIFICATION,
        CallbackPayload,
        timeout_seconds=30,
        job_types=[JobType.NOTIFICATION],
        description="POSTs a finished job to its callback_url (made by the service).",
    )
    def callback(payload: CallbackPayload, ctx: JobContext) -> dict[str, Any]:
        tenant_id = ctx.job.tenant_id
        job = jobs.get(tenant_id, payload.job_id)
        if job is None:
            raise NonRetryableError(f"job {payload.job_id} is gone")
        timeout = min(TIMEOUT_SECONDS, ctx.timeout_seconds)
        return post_signed(poster, payload.url, job.public(clock.now()), secret_of(tenant_id), ctx, timeout)

    @handler(
        "tenant_webhook",
        Category.NOTIFICATION,
        TenantWebhookPayload,
        timeout_seconds=30,
        job_types=[JobType.NOTIFICATION],
        description="POSTs an alert notification to the tenant's alert webhook (made by the service).",
    )
    def tenant_webhook(payload: TenantWebhookPayload, ctx: JobContext) -> dict[str, Any]:
        timeout = min(TIMEOUT_SECONDS, ctx.timeout_seconds)
        return post_signed(poster, payload.url, payload.body, secret_of(ctx.job.tenant_id), ctx, timeout)

    return [spec_of(callback), spec_of(tenant_webhook)]
