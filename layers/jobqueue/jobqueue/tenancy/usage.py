"""`GET /v1/usage`: the tenant's counters against its limits, and the window check of its
optional `start`/`end` (the window's statistics come from the activity tallies, exact for any
number of jobs: `jobqueue.activity.queries.usage_window`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobqueue.errors import ValidationFailed
from jobqueue.models.tenant import Tenant
from jobqueue.ports import TenantCounters

WARN_AT = 0.8
MAX_WINDOW = timedelta(days=31)


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
