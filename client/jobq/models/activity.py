"""Observability: performance, trends, health, queue, the event feed and alerts."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from jobq.models._base import ApiModel
from jobq.models.tenants import QueueDepth


class Performance(ApiModel):
    """`GET /v1/metrics/performance`: counts, rates and latencies of a window (times in ms)."""

    handler: str | None = None
    type: str | None = None
    start: datetime
    end: datetime
    executions: int = 0
    completed: int = 0
    failed: int = 0
    timed_out: int = 0
    success_rate: float | None = None
    failure_rate: float | None = None
    avg_execution_ms: float | None = None
    p95_execution_ms: float | None = None
    p95_queue_wait_ms: float | None = None
    errors_by_type: dict[str, int] = Field(default_factory=dict)
    submitted: int = 0
    started: int = 0
    retried: int = 0
    cancelled: int = 0
    p50_execution_ms: float | None = None
    p99_execution_ms: float | None = None
    avg_queue_wait_ms: float | None = None


class TrendBucket(ApiModel):
    """One interval of a trend: `total` is the jobs submitted in it."""

    start: datetime
    end: datetime
    total: int = 0
    completed: int = 0
    failed: int = 0
    timed_out: int = 0
    cancelled: int = 0
    retried: int = 0
    success_rate: float | None = None
    failure_rate: float | None = None
    avg_execution_ms: float | None = None
    p95_execution_ms: float | None = None


class Trends(ApiModel):
    """`GET /v1/trends`: the buckets of a period, oldest first (empty buckets as zeros)."""

    period: str
    interval: str
    buckets: list[TrendBucket]


class Signal(ApiModel):
    value: float | None = None
    weight: int = 0
    penalty: float = 0.0


class Recommendation(ApiModel):
    signal: str
    message: str


class Health(ApiModel):
    """`GET /v1/health`: a score of 0-100 (`healthy` from 80, `warning` from 50, else `critical`)."""

    health_score: int
    health_status: str
    success_rate: float | None = None
    queue_length: int = 0
    oldest_queued_age_ms: int | None = None
    signals: dict[str, Signal] = Field(default_factory=dict)
    recommendations: list[Recommendation] = Field(default_factory=list)


class QueueStatus(ApiModel):
    """`GET /v1/queue`: due jobs by priority, scheduled, recurring, running. Admin keys get
    `queues` (each SQS queue), and a tenant's fields with `tenant_id`."""

    queued_by_priority: dict[str, int] | None = None
    queued: int | None = None
    scheduled: int | None = None
    recurring: int | None = None
    processing: int | None = None
    oldest_queued_age_ms: int | None = None
    queues: list[QueueDepth] | None = None


class Event(ApiModel):
    """A lifecycle event; its id `<job_id>:<n>` lets a consumer drop a repeat."""

    id: str
    job_id: str
    handler: str
    status: str
    previous_status: str | None = None
    at: datetime
    attempt: int = 0


class EventPage(ApiModel):
    """A page of events. Poll again with `after=next_cursor` (it stays the same while nothing is new)."""

    events: list[Event]
    next_cursor: str | None = None


class Alert(ApiModel):
    """An alert: firing, acknowledged or resolved."""

    id: str
    rule: str
    metric: str
    operator: str
    value: float
    threshold: float
    status: str
    message: str
    fired_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    notifications: int = 0


class AlertRule(ApiModel):
    """A rule: `metric operator threshold` over `window_minutes` (failure_rate, p95_execution_ms)."""

    name: str
    metric: str
    operator: str
    threshold: float
    window_minutes: int = 15
    min_samples: int = 10
    cooldown_minutes: int = 30
    enabled: bool = True


class AlertRules(ApiModel):
    """The whole rule set; `defaults` is true while the tenant has not set its own."""

    rules: list[AlertRule]
    webhook_url: str | None = None
    defaults: bool = False
