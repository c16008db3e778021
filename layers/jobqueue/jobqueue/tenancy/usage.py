"""`GET /v1/usage`: the tenant's counters against its limits, and statistics of a time window.

The window statistics come from the tenant's own job records (`JobRepository.created_between`:
on DynamoDB one key-range query of its partition, job ids being ULIDs of their creation time).
They are exact up to `MAX_WINDOW_JOBS` jobs created in the window; beyond that the oldest
`MAX_WINDOW_JOBS` are counted and the answer says `"truncated": true`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from jobqueue.errors import ValidationFailed
from jobqueue.models.job import JobStatus
from jobqueue.models.tenant import Tenant
from jobqueue.ports import JobRepository, TenantCounters
from jobqueue.times import iso

WARN_AT = 0.8
MAX_WINDOW = timedelta(days=31)
MAX_WINDOW_JOBS = 10_000
FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.TIMED_OUT)


def current_usage(counters: TenantCounters, tenant: Tenant, now: datetime) -> dict[str, Any]:
    """Queued (waiting), running and today's count against the effective limits, with warnings."""
    counts = counters.usage(tenant.tenant_id, now)
    limits = tenant.limits
    return {
        "tenant_id": tenant.tenant_id,
        "tier": tenant.tier,
        "queued": counts.waiting,
        "running": counts.running,
        "daily_count": counts.daily_count,
        "day": counts.day,
        "limits": limits.model_dump(mode="json"),
        "warnings": warnings(
            {
                "max_queued_jobs": (counts.waiting, limits.max_queued_jobs),
                "max_concurrent_jobs": (counts.running, limits.max_concurrent_jobs),
                "max_daily_jobs": (counts.daily_count, limits.max_daily_jobs),
            }
        ),
    }


def warnings(pairs: dict[str, tuple[int, int]]) -> list[str]:
    """One string per limit at or above 80 % of its value (a limit of 0 is always reached)."""
    out = []
    for name, (current, limit) in pairs.items():
        if current >= WARN_AT * limit:
            share = 100 if limit == 0 else round(100 * current / limit)
            out.append(f"{name}: {current} of {limit} used ({share}%)")
    return out


def check_window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    """Both or neither; end after start; at most 31 days. ValidationFailed (422) otherwise."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise ValidationFailed("give both start and end", {missing: "required with the other"})
    if end <= start:
        raise ValidationFailed("end must be after start", {"end": "must be after start"})
    if end - start > MAX_WINDOW:
        raise ValidationFailed("the window is at most 31 days", {"end": "at most 31 days after start"})
    return start, end


def window_stats(
    jobs: JobRepository, tenant_id: str, start: datetime, end: datetime, *, max_jobs: int = MAX_WINDOW_JOBS
) -> dict[str, Any]:
    """Totals, success/failure rate, average execution ms, by type and by status."""
    by_status: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    total, executions, execution_ms, truncated = 0, 0, 0, False
    for job in jobs.created_between(tenant_id, start, end):
        if total == max_jobs:
            truncated = True
            break
        total += 1
        by_status[job.status] += 1
        by_type[job.type] += 1
        if job.execution_ms is not None:
            executions += 1
            execution_ms += job.execution_ms
    finished = sum(by_status[s.value] for s in FINISHED)
    completed = by_status[JobStatus.COMPLETED.value]
    return {
        "start": iso(start),
        "end": iso(end),
        "total": total,
        "finished": finished,
        "success_rate": round(completed / finished, 4) if finished else None,
        "failure_rate": round((finished - completed) / finished, 4) if finished else None,
        "avg_execution_ms": round(execution_ms / executions, 1) if executions else None,
        "by_type": dict(sorted(by_type.items())),
        "by_status": dict(sorted(by_status.items())),
        "truncated": truncated,
        "max_jobs": max_jobs,
    }
