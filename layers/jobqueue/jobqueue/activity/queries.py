"""The observability use cases: each reads what it needs through the ports and answers a
route's JSON. Reads are O(buckets): one key-range query of hour items per window (at most 744
items for 31 days), whatever the number of jobs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobqueue.activity import health, reports, system_stats
from jobqueue.activity.queue_status import TenantQueue, tenant_queue
from jobqueue.activity.windows import floor_hour, trend_buckets, window
from jobqueue.models.job import JobStatus
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports

HEALTH_WINDOW = timedelta(hours=24)


def performance(
    ports: Ports,
    tenant_id: str,
    start: datetime | None,
    end: datetime | None,
    handler: str | None = None,
    job_type: str | None = None,
) -> dict[str, Any]:
    span = window(start, end, ports.clock.now())
    hours = ports.activity.hours(tenant_id, span.start, span.end, handler=handler)
    return reports.performance(hours, span, handler, job_type)


def trends(ports: Ports, tenant_id: str, period: str, interval: str) -> dict[str, Any]:
    buckets = trend_buckets(period, interval, ports.clock.now())
    hours = ports.activity.hours(tenant_id, buckets[0].start, buckets[-1].end)
    return {"period": period, "interval": interval, "buckets": reports.trend(hours, buckets)}


def queue(ports: Ports, tenant_id: str) -> TenantQueue:
    now = ports.clock.now()
    processing = ports.jobs.count(tenant_id, [JobStatus.PROCESSING])
    return tenant_queue(ports.jobs.waiting(tenant_id), processing, now)


def tenant_health(ports: Ports, tenant: Tenant) -> dict[str, Any]:
    now = ports.clock.now()
    start = floor_hour(now - HEALTH_WINDOW) + timedelta(hours=1)
    hours = ports.activity.hours(tenant.tenant_id, start, floor_hour(now) + timedelta(hours=1))
    usage = ports.counters.usage(tenant.tenant_id, now)
    waiting = queue(ports, tenant.tenant_id)
    return health.health(hours, usage, tenant.limits, waiting.queue_length, waiting.oldest_queued_age_ms)


def system(ports: Ports) -> dict[str, Any]:
    now = ports.clock.now()
    end = floor_hour(now) + timedelta(hours=1)
    return system_stats.system_stats(
        ports.activity.system_hours(end - HEALTH_WINDOW, end), ports.queues.depths()
    )


def usage_window(ports: Ports, tenant_id: str, start: datetime, end: datetime) -> dict[str, Any]:
    span = window(start, end, ports.clock.now())
    return reports.usage_window(ports.activity.hours(tenant_id, span.start, span.end), span)
