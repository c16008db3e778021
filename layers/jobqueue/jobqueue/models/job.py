"""The job model, its lifecycle enums, its history of status changes and the retry policy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED}
)
RETRYABLE_STATUSES = frozenset({JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED})
CANCELLABLE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.QUEUED})
WAITING_STATUSES = (JobStatus.PENDING, JobStatus.QUEUED)


class WaitingOn(StrEnum):
    """What a pending job waits for."""

    TIME = "time"  # its `scheduled_for` (a delay, run_at or retry backoff); due, it shows as queued
    DEPENDENCIES = "dependencies"  # the jobs of its `depends_on`
    SCHEDULE = "schedule"  # a recurring job: its cron schedule (its runs are jobs of their own)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"
    CRITICAL = "critical"


class QueueBand(StrEnum):
    """One SQS queue per band; see jobqueue.bands for the priority/tier mapping."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class JobType(StrEnum):
    IMMEDIATE = "immediate"
    DELAYED = "delayed"
    SCHEDULED = "scheduled"
    RECURRING = "recurring"
    NOTIFICATION = "notification"


class Category(StrEnum):
    NOTIFICATION = "notification"
    SCHEDULED = "scheduled"
    MAINTENANCE = "maintenance"
    CLEANUP = "cleanup"
    DATA_SYNC = "data_sync"
    FILE_PROCESSING = "file_processing"
    CUSTOM_PROCESSING = "custom_processing"


class RetryStrategy(StrEnum):
    EXPONENTIAL = "exponential"
    LINEAR = "linear"
    FIXED = "fixed"


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: RetryStrategy = RetryStrategy.EXPONENTIAL
    base_seconds: float = Field(default=2.0, ge=0, le=3600)
    max_seconds: float = Field(default=300.0, ge=0, le=86400)


class JobResult(BaseModel):
    success: bool
    error_type: str | None = None
    error_message: str | None = None
    result: Any = None
    execution_ms: int | None = None


class StatusChange(BaseModel):
    """One entry of a job's history: its status from `at` on. A start carries the time the job
    waited since it was due; the end of an attempt carries its execution time and error type."""

    status: JobStatus
    at: datetime
    wait_ms: int | None = None
    execution_ms: int | None = None
    error_type: str | None = None


class CallbackOutcome(BaseModel):
    """How the delivery of a finished job to its `callback_url` went."""

    status: str  # delivered | failed
    attempts: int
    at: datetime
    status_code: int | None = None
    error: str | None = None


# Bookkeeping fields of a stored job that the API never shows.
INTERNAL_FIELDS = frozenset(
    {"tier", "idempotency_key", "retries_used", "last_slot", "dispatches", "waiting_on", "history"}
)


class Job(BaseModel):
    """A job as stored and as answered by the API."""

    id: str
    tenant_id: str
    type: JobType
    handler: str
    category: Category
    payload: dict[str, Any] = Field(default_factory=dict)
    priority: Priority
    status: JobStatus
    status_reason: str | None = None
    attempts: int = 0
    max_retries: int = 3
    retries_used: int = 0
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout_seconds: int = 30
    created_at: datetime
    updated_at: datetime
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
    last_slot: datetime | None = None  # recurring: latest cron slot handled (counts each slot once)
    enabled: bool | None = None
    parent_id: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    callback_url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tier: int = 1
    idempotency_key: str | None = None
    # The sweeper's checks of this job in its current state (re-sends, pending checks).
    dispatches: int | None = None
    waiting_on: WaitingOn | None = None  # set while pending
    history: list[StatusChange] = Field(default_factory=list)
    callback: CallbackOutcome | None = None

    @property
    def retries_left(self) -> int:
        return max(0, self.max_retries - self.retries_used)

    def presented_status(self, now: datetime) -> JobStatus:
        """The status as of `now`: a job pending only for its time is queued once that is due."""
        if self.status is JobStatus.PENDING and self.waiting_on is WaitingOn.TIME and self.is_due(now):
            return JobStatus.QUEUED
        return self.status

    def due_since(self) -> datetime:
        """When the job became due: its time (`scheduled_for`, else its creation), or when it
        was queued if that came later (its dependencies released, a manual retry)."""
        due = self.scheduled_for or self.created_at
        if self.history and self.history[-1].status is JobStatus.QUEUED:
            due = max(due, self.history[-1].at)
        return due

    def is_due(self, now: datetime) -> bool:
        return self.scheduled_for is None or self.scheduled_for <= now

    def public(self, now: datetime | None = None) -> dict[str, Any]:
        """The JSON the API answers with (internal bookkeeping left out), its status as of `now`."""
        data = self.model_dump(mode="json", exclude=INTERNAL_FIELDS)
        if now is not None:
            data["status"] = self.presented_status(now).value
        return data


def status_change(
    changes: Mapping[str, Any], at: datetime, note: Mapping[str, Any] | None = None
) -> StatusChange:
    """The history entry of a transition that sets `changes["status"]`: the end of an attempt
    carries its execution time and error type (from `last_result`); `note` adds the rest."""
    entry: dict[str, Any] = {"status": changes["status"], "at": at, **(note or {})}
    result = changes.get("last_result")
    if isinstance(result, JobResult):
        entry.setdefault("execution_ms", result.execution_ms)
        entry.setdefault("error_type", result.error_type)
    return StatusChange.model_validate(entry)
