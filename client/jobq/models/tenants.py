"""Tenants: usage and limits (tenant keys), profiles, keys and system stats (admin keys)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from jobq.models._base import ApiModel

# A tenant's `bus_events`: which of its jobs' status changes go to the event bus (None: the
# deployment's choice, `terminal` unless the template parameter `LifecycleEvents` says otherwise).
BUS_EVENTS = ("terminal", "all", "none")


class Limits(ApiModel):
    """A tenant's effective limits (its tier's, with its overrides)."""

    max_queued_jobs: int | None = None
    max_concurrent_jobs: int | None = None
    max_daily_jobs: int | None = None
    max_job_payload_size: int | None = None
    allowed_job_types: list[str] | None = None
    max_job_duration_seconds: int | None = None
    default_job_priority: str | None = None


class UsageWindow(ApiModel):
    """`GET /v1/usage?start=&end=`: the window's statistics from the hour tallies."""

    start: str | None = None
    end: str | None = None
    total: int = 0
    finished: int = 0
    success_rate: float | None = None
    failure_rate: float | None = None
    avg_execution_ms: float | None = None
    by_type: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)
    retried: int | None = None


class Usage(ApiModel):
    """`GET /v1/usage`: waiting (`queued`) and running jobs, today's count, limits, warnings."""

    tenant_id: str
    tier: int
    queued: int
    running: int
    daily_count: int
    day: str
    limits: Limits
    warnings: list[str] = Field(default_factory=list)
    window: UsageWindow | None = None


class Tenant(ApiModel):
    """A tenant profile (`signing_secret` is absent from lists)."""

    tenant_id: str
    name: str
    tier: int
    limits: dict[str, Any] = Field(default_factory=dict)
    overrides: dict[str, Any] = Field(default_factory=dict)
    bus_events: str | None = None
    suspended: bool = False
    signing_secret: str | None = None


class TenantPage(ApiModel):
    tenants: list[Tenant]
    next_cursor: str | None = None


class ApiKey(ApiModel):
    """A new tenant key: shown once, only its hash is stored."""

    tenant_id: str
    key_id: str
    api_key: str


class TopTenant(ApiModel):
    tenant_id: str
    jobs_24h: int


class QueueDepth(ApiModel):
    """One SQS queue (a band or the dead-letter queue), approximate as SQS reports it."""

    name: str
    visible: int
    in_flight: int
    delayed: int
    oldest_message_age_seconds: int | None = None


class AdminStats(ApiModel):
    """`GET /v1/admin/stats`: the last 24 h over every tenant, and the queues now."""

    total_jobs_24h: int
    completed_24h: int
    failed_24h: int
    success_rate_24h: float | None = None
    active_tenants_24h: int
    top_tenants: list[TopTenant] = Field(default_factory=list)
    queued: int
    processing: int
    delayed: int
    dead_letter_depth: int
    queues: list[QueueDepth] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
