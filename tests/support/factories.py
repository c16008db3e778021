"""Builders of domain objects for tests."""

from __future__ import annotations

from typing import Any

from jobqueue import clock
from jobqueue.ids import ulid
from jobqueue.models.job import Category, Job, JobStatus, JobType, Priority


def make_job(tenant_id: str = "acme", **overrides: Any) -> Job:
    now = clock.now()
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
