"""Tenant limits: what each tier (1-4) allows, and the per-tenant overrides on top.

A tenant's effective limits are its tier's with its overrides applied (`Tenant.limits`);
docs/tenancy.md has the table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from jobqueue.models.job import Category, Priority


class TenantLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_queued_jobs: int = Field(ge=0)
    max_concurrent_jobs: int = Field(ge=1)
    max_daily_jobs: int = Field(ge=0)
    max_job_payload_size: int = Field(ge=2, description="bytes of the JSON payload")
    allowed_job_types: list[Category]
    max_job_duration_seconds: int = Field(ge=1, le=900)
    default_job_priority: Priority


class LimitOverrides(BaseModel):
    """Per-tenant overrides: any subset of the limits."""

    model_config = ConfigDict(extra="forbid")

    max_queued_jobs: int | None = Field(default=None, ge=0)
    max_concurrent_jobs: int | None = Field(default=None, ge=1)
    max_daily_jobs: int | None = Field(default=None, ge=0)
    max_job_payload_size: int | None = Field(default=None, ge=2, le=262144)
    allowed_job_types: list[Category] | None = None
    max_job_duration_seconds: int | None = Field(default=None, ge=1, le=900)
    default_job_priority: Priority | None = None


_N, _S, _M = Category.NOTIFICATION, Category.SCHEDULED, Category.MAINTENANCE
_C, _D, _F = Category.CLEANUP, Category.DATA_SYNC, Category.FILE_PROCESSING

TIER_LIMITS: dict[int, TenantLimits] = {
    1: TenantLimits(
        max_queued_jobs=10,
        max_concurrent_jobs=2,
        max_daily_jobs=100,
        max_job_payload_size=8 * 1024,
        allowed_job_types=[_N],
        max_job_duration_seconds=30,
        default_job_priority=Priority.LOW,
    ),
    2: TenantLimits(
        max_queued_jobs=50,
        max_concurrent_jobs=5,
        max_daily_jobs=1_000,
        max_job_payload_size=32 * 1024,
        allowed_job_types=[_N, _S, _M],
        max_job_duration_seconds=60,
        default_job_priority=Priority.NORMAL,
    ),
    3: TenantLimits(
        max_queued_jobs=200,
        max_concurrent_jobs=20,
        max_daily_jobs=10_000,
        max_job_payload_size=64 * 1024,
        allowed_job_types=[_N, _S, _M, _C, _D],
        max_job_duration_seconds=120,
        default_job_priority=Priority.NORMAL,
    ),
    4: TenantLimits(
        max_queued_jobs=1_000,
        max_concurrent_jobs=100,
        max_daily_jobs=100_000,
        max_job_payload_size=256 * 1024,
        allowed_job_types=[_N, _S, _M, _C, _D, _F],
        max_job_duration_seconds=240,
        default_job_priority=Priority.NORMAL,
    ),
}
