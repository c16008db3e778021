"""Answers of the API as docs/api.md and docs/observability.md show them (shortened)."""

from __future__ import annotations

from typing import Any

JOB_ID = "01M83PNK05FNK9HFYM05F4E8XE"
ALERT_ID = "01M83PNN4ZEEF27T268J2K1WAG"


def job(status: str = "queued", job_id: str = JOB_ID, **fields: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "tenant_id": "demo",
        "type": "immediate",
        "handler": "echo",
        "category": "custom_processing",
        "payload": {"hello": "world"},
        "priority": "normal",
        "status": status,
        "status_reason": None,
        "attempts": 0 if status in ("pending", "queued") else 1,
        "max_retries": 3,
        "retry": {"strategy": "exponential", "base_seconds": 2.0, "max_seconds": 300.0},
        "timeout_seconds": 10,
        "created_at": "2026-11-23T07:59:29.285000Z",
        "updated_at": "2026-11-23T07:59:30.100000Z",
        **fields,
    }


def error(code: str, message: str = "refused", **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


HANDLERS = {
    "handlers": [
        {
            "name": "echo",
            "category": "custom_processing",
            "description": "returns its payload",
            "job_types": ["delayed", "immediate", "recurring", "scheduled"],
            "default_timeout_seconds": 10,
            "payload_schema": {"type": "object"},
        },
        {
            "name": "sleep",
            "category": "custom_processing",
            "description": "sleeps",
            "job_types": ["immediate"],
            "default_timeout_seconds": 30,
            "payload_schema": {"properties": {"seconds": {"type": "number"}}},
        },
    ]
}

LIMITS = {
    "max_queued_jobs": 50,
    "max_concurrent_jobs": 5,
    "max_daily_jobs": 1000,
    "max_job_payload_size": 65536,
    "allowed_job_types": ["notification", "custom_processing"],
    "max_job_duration_seconds": 120,
    "default_job_priority": "normal",
}

USAGE = {
    "tenant_id": "acme",
    "tier": 2,
    "queued": 41,
    "running": 5,
    "daily_count": 230,
    "day": "2026-11-23",
    "limits": LIMITS,
    "warnings": ["max_queued_jobs: 41 of 50 used (82%)"],
    "window": {
        "start": "2026-11-22T00:00:00Z",
        "end": "2026-11-23T00:00:00Z",
        "total": 230,
        "finished": 228,
        "success_rate": 0.9737,
        "failure_rate": 0.0263,
        "avg_execution_ms": 412.5,
        "by_type": {"immediate": 200, "delayed": 30},
        "by_status": {"completed": 222, "failed": 6},
        "retried": 3,
        "truncated": False,
    },
}

HEALTH = {
    "health_score": 62,
    "health_status": "warning",
    "success_rate": 0.71,
    "queue_length": 3,
    "oldest_queued_age_ms": 1200,
    "signals": {"failure_rate": {"value": 0.29, "weight": 35, "penalty": 35.0}},
    "recommendations": [{"signal": "failure_rate", "message": "check handler report: 62% of its runs fail"}],
}


def bucket(start: str, end: str, total: int, failed: int = 0) -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "total": total,
        "completed": total - failed,
        "failed": failed,
        "timed_out": 0,
        "cancelled": 0,
        "retried": 0,
        "success_rate": None if total == 0 else (total - failed) / total,
        "failure_rate": None if total == 0 else failed / total,
        "avg_execution_ms": None,
        "p95_execution_ms": None,
    }


TRENDS = {
    "period": "PT3H",
    "interval": "PT1H",
    "buckets": [
        bucket("2026-11-23T05:00:00Z", "2026-11-23T06:00:00Z", 0),
        bucket("2026-11-23T06:00:00Z", "2026-11-23T07:00:00Z", 4, failed=1),
        bucket("2026-11-23T07:00:00Z", "2026-11-23T08:00:00Z", 8),
    ],
}

PERFORMANCE = {
    "handler": "echo",
    "type": None,
    "start": "2026-11-30T12:00:00Z",
    "end": "2026-12-01T13:00:00Z",
    "executions": 412,
    "completed": 398,
    "failed": 6,
    "timed_out": 2,
    "success_rate": 0.9803,
    "failure_rate": 0.0197,
    "avg_execution_ms": 212.4,
    "p95_execution_ms": 611.2,
    "p95_queue_wait_ms": 95.3,
    "errors_by_type": {"ValueError": 9, "Timeout": 3},
    "submitted": 410,
    "started": 412,
    "retried": 6,
    "cancelled": 0,
    "p50_execution_ms": 180.5,
    "p99_execution_ms": 1210.0,
    "avg_queue_wait_ms": 40.1,
}

QUEUE = {
    "queued_by_priority": {"critical": 0, "urgent": 0, "high": 1, "normal": 2, "low": 0},
    "queued": 3,
    "scheduled": 1,
    "recurring": 2,
    "processing": 1,
    "oldest_queued_age_ms": 1500,
}

DEPTHS = [
    {"name": "jobqueue-normal", "visible": 2, "in_flight": 1, "delayed": 0, "oldest_message_age_seconds": 3},
    {"name": "jobqueue-dlq", "visible": 0, "in_flight": 0, "delayed": 0, "oldest_message_age_seconds": None},
]


def event(n: int, status: str = "queued", previous: str | None = "pending") -> dict[str, Any]:
    return {
        "id": f"{JOB_ID}:{n}",
        "job_id": JOB_ID,
        "handler": "echo",
        "status": status,
        "previous_status": previous,
        "at": "2026-11-23T07:59:29.285000Z",
        "attempt": 0,
    }


ALERT = {
    "id": ALERT_ID,
    "rule": "high-failure-rate",
    "metric": "failure_rate",
    "operator": ">",
    "value": 0.4,
    "threshold": 0.1,
    "status": "firing",
    "message": "failure_rate 0.4 > 0.1 over 15 min",
    "fired_at": "2026-11-23T08:00:00Z",
    "acknowledged_at": None,
    "resolved_at": None,
    "notifications": 1,
}

RULES = {
    "rules": [
        {
            "name": "failures",
            "metric": "failure_rate",
            "operator": ">",
            "threshold": 0.2,
            "window_minutes": 15,
            "min_samples": 20,
            "cooldown_minutes": 60,
            "enabled": True,
        }
    ],
    "webhook_url": "https://example.com/hooks/jobqueue",
    "defaults": False,
}


def tenant(tenant_id: str = "acme", **fields: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "name": "Acme",
        "tier": 1,
        "limits": {**LIMITS, "max_queued_jobs": 2},
        "overrides": {"max_queued_jobs": 2},
        "signing_secret": "s3cret",
        **fields,
    }


KEY = {"tenant_id": "acme", "key_id": "key_3f9a1c2b7d4e", "api_key": "jq_abc"}

STATS = {
    "total_jobs_24h": 1200,
    "completed_24h": 1150,
    "failed_24h": 12,
    "success_rate_24h": 0.9897,
    "active_tenants_24h": 7,
    "top_tenants": [{"tenant_id": "acme", "jobs_24h": 800}],
    "queued": 4,
    "processing": 2,
    "delayed": 10,
    "dead_letter_depth": 1,
    "queues": DEPTHS,
    "warnings": ["the dead-letter queue holds 1 message"],
}
