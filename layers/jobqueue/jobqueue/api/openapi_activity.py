"""Response shapes of the observability routes, for the OpenAPI document (docs/observability.md
says how each number is computed)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Performance(BaseModel):
    handler: str | None
    type: str | None
    start: str
    end: str
    executions: int = Field(description="attempts that ended (completed, failed, timed out or retried)")
    completed: int
    failed: int
    timed_out: int
    success_rate: float | None = Field(description="completed / (completed + failed + timed_out)")
    failure_rate: float | None = Field(description="(failed + timed_out) / the same: final failures only")
    avg_execution_ms: float | None
    p95_execution_ms: float | None = Field(description="from a log histogram: within 4.8 %")
    p95_queue_wait_ms: float | None = Field(description="from due to start, within 4.8 %")
    errors_by_type: dict[str, int] = Field(description="failed attempts (retried ones too) by error type")
    submitted: int
    started: int
    retried: int
    cancelled: int
    p50_execution_ms: float | None
    p99_execution_ms: float | None
    avg_queue_wait_ms: float | None


class SignalValue(BaseModel):
    value: float | None
    weight: int
    penalty: float


class Recommendation(BaseModel):
    signal: str
    message: str


class Health(BaseModel):
    health_score: int = Field(ge=0, le=100)
    health_status: str = Field(description="healthy (>= 80) | warning (>= 50) | critical")
    success_rate: float | None
    queue_length: int = Field(description="due jobs not started")
    oldest_queued_age_ms: int | None
    signals: dict[str, SignalValue]
    recommendations: list[Recommendation]


class TrendBucket(BaseModel):
    start: str
    end: str
    total: int = Field(description="jobs submitted in the bucket")
    completed: int
    failed: int
    timed_out: int
    cancelled: int
    retried: int
    success_rate: float | None
    failure_rate: float | None
    avg_execution_ms: float | None
    p95_execution_ms: float | None


class Trends(BaseModel):
    period: str
    interval: str
    buckets: list[TrendBucket]


class QueuePriorities(BaseModel):
    critical: int
    urgent: int
    high: int
    normal: int
    low: int


class QueueDepthView(BaseModel):
    name: str
    visible: int
    in_flight: int
    delayed: int
    oldest_message_age_seconds: int | None


class QueueStatus(BaseModel):
    """A tenant key gets its own queue; an admin key gets `queues`, and a tenant's queue with
    `tenant_id=` (without it the tenant fields are absent)."""

    queued_by_priority: QueuePriorities | None = Field(default=None, description="due jobs not started")
    queued: int | None = None
    scheduled: int | None = Field(default=None, description="pending: waiting for a time or for dependencies")
    recurring: int | None = Field(
        default=None, description="cron schedules (their runs are jobs of their own)"
    )
    processing: int | None = None
    oldest_queued_age_ms: int | None = None
    queues: list[QueueDepthView] | None = Field(default=None, description="admin keys only")


class JobEvent(BaseModel):
    id: str = Field(description="<job_id>:<n>, n the event's place in the job's history")
    job_id: str
    handler: str
    status: str
    previous_status: str | None
    at: str
    attempt: int


class Events(BaseModel):
    events: list[JobEvent]
    next_cursor: str | None = Field(description="pass as `after` to read on; the same when nothing is new")


class TopTenant(BaseModel):
    tenant_id: str
    jobs_24h: int


class AdminStats(BaseModel):
    total_jobs_24h: int
    completed_24h: int
    failed_24h: int
    success_rate_24h: float | None
    active_tenants_24h: int
    top_tenants: list[TopTenant]
    queued: int
    processing: int
    delayed: int
    dead_letter_depth: int
    queues: list[QueueDepthView]
    warnings: list[str]
