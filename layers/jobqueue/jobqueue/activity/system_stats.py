"""`GET /v1/admin/stats`: the last 24 hours over every tenant, from the system tally's shards
(8 items per hour, tenants spread by a hash of their id: no hot item), and the queues now."""

from __future__ import annotations

from collections import Counter
from typing import Any

from jobqueue.activity.reports import rate
from jobqueue.models.activity import SystemHour
from jobqueue.ports import QueueDepth

TOP_TENANTS = 10
WARN_SUCCESS_BELOW = 0.9
WARN_OLDEST_SECONDS = 300


def system_stats(hours: list[SystemHour], queues: list[QueueDepth]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    submitted: Counter[str] = Counter()
    active: set[str] = set()
    for hour in hours:
        counts.update(hour.counts)
        submitted.update(hour.submitted_by_tenant)
        active.update(tenant for tenant, n in hour.activity_by_tenant.items() if n)
    finished = counts["completed"] + counts["failed"] + counts["timed_out"]
    bands = [q for q in queues if q.name != "dead_letter"]
    dead = next((q for q in queues if q.name == "dead_letter"), None)
    answer = {
        "total_jobs_24h": counts["submitted"],
        "completed_24h": counts["completed"],
        "failed_24h": counts["failed"] + counts["timed_out"],
        "success_rate_24h": rate(counts["completed"], finished),
        "active_tenants_24h": len(active),
        "top_tenants": [{"tenant_id": t, "jobs_24h": n} for t, n in submitted.most_common(TOP_TENANTS)],
        "queued": sum(q.visible for q in bands),
        "processing": sum(q.in_flight for q in bands),
        "delayed": sum(q.delayed for q in bands),
        "dead_letter_depth": dead.visible + dead.in_flight if dead else 0,
        "queues": [queue_answer(q) for q in queues],
    }
    answer["warnings"] = warnings(answer, bands)
    return answer


def queue_answer(queue: QueueDepth) -> dict[str, Any]:
    return {
        "name": queue.name,
        "visible": queue.visible,
        "in_flight": queue.in_flight,
        "delayed": queue.delayed,
        "oldest_message_age_seconds": queue.oldest_age_seconds,
    }


def warnings(answer: dict[str, Any], bands: list[QueueDepth]) -> list[str]:
    out = []
    if answer["dead_letter_depth"]:
        out.append(
            f"the dead-letter queue holds {answer['dead_letter_depth']} messages: inspect and redrive them"
        )
    success = answer["success_rate_24h"]
    if success is not None and success < WARN_SUCCESS_BELOW:
        out.append(f"success rate over 24 h is {success:.1%} (below {WARN_SUCCESS_BELOW:.0%})")
    for queue in bands:
        if queue.oldest_age_seconds is not None and queue.oldest_age_seconds > WARN_OLDEST_SECONDS:
            out.append(f"the {queue.name} queue's oldest message is {queue.oldest_age_seconds} s old")
    return out
