"""Builders of domain objects for tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobqueue.ids import ulid
from jobqueue.models.job import Category, Job, JobStatus, JobType, Priority
from jobqueue.times import utc_now


def make_job(tenant_id: str = "acme", now: datetime | None = None, **overrides: Any) -> Job:
    now = now or utc_now()
    fields: dict[str, Any] = {
        "id": ulid(now),
        "tenant_id": tenant_id,
        "type": JobType.IMMEDIATE,
        "handler": "echo",
        "category": Category.CUSTOM_PROCESSING,
        "payload": {"hello": "world", "ratio": 0.5},
        "priority": Priority.NORMAL,
        "status": JobStatus.QUEUED,
        "created_at": now,
        "updated_at": now,
        "tier": 2,
    }
    fields.update(overrides)
    return Job(**fields)
