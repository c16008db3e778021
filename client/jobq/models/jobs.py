"""Jobs: a job as the API shows it, a page of jobs, and the handler catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from jobq.models._base import ApiModel

TERMINAL_STATUSES = frozenset({"completed", "failed", "timed_out", "cancelled"})
"""A job in one of these statuses will not change again (unless retried)."""

JOB_STATUSES = ("pending", "queued", "processing", "completed", "failed", "timed_out", "cancelled")
PRIORITIES = ("low", "normal", "high", "urgent", "critical")
JOB_TYPES = ("immediate", "delayed", "scheduled", "recurring", "notification")


class RetryPolicy(ApiModel):
    strategy: str = "exponential"
    base_seconds: float = 2.0
    max_seconds: float = 300.0


class JobResult(ApiModel):
    """The outcome of a job's last attempt."""

    success: bool
    error_type: str | None = None
    error_message: str | None = None
    result: Any = None
    execution_ms: int | None = None


class CallbackOutcome(ApiModel):
    status: str
    attempts: int
    at: datetime
    status_code: int | None = None
    error: str | None = None


class Job(ApiModel):
    """A job (`GET /v1/jobs/{id}`). Statuses: pending, queued, processing, completed, failed,
    timed_out, cancelled; `is_terminal` tells whether it can still change."""

    id: str
    tenant_id: str
    type: str
    handler: str
    category: str
    priority: str
    status: str
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)
    status_reason: str | None = None
    attempts: int = 0
    max_retries: int = 3
    retry: RetryPolicy | None = None
    timeout_seconds: int | None = None
    scheduled_for: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    last_result: JobResult | None = None
    cron: str | None = None
    timezone: str | None = None
    next_run_at: datetime | None = None
    run_count: int = 0
    max_runs: int | None = None
    end_at: datetime | None = None
    enabled: bool | None = None
    parent_id: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    callback_url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    callback: CallbackOutcome | None = None

    @property
    def is_terminal(self) -> bool:
        """True for completed, failed, timed_out and cancelled."""
        return self.status in TERMINAL_STATUSES


class JobPage(ApiModel):
    """One page of `GET /v1/jobs`: pass `next_cursor` as `cursor` for the next (None: the last)."""

    jobs: list[Job]
    next_cursor: str | None = None


class Handler(ApiModel):
    """A registered handler: its category, job types, default timeout and payload JSON schema."""

    name: str
    category: str
    description: str = ""
    job_types: list[str] = Field(default_factory=list)
    default_timeout_seconds: int | None = None
    run_alone: bool = False
    payload_schema: dict[str, Any] = Field(default_factory=dict)
