"""A filtered, paginated read of a tenant's jobs (`GET /v1/jobs`) and one page of its answer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from jobqueue.models.job import Job, JobStatus


@dataclass
class JobQuery:
    status: JobStatus | None = None
    type: str | None = None
    handler: str | None = None
    priority: str | None = None
    parent_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    limit: int = 50
    cursor: str | None = None

    def fingerprint(self) -> str:
        """What a cursor is bound to: the filters (a cursor of other filters is refused)."""
        parts = [
            self.status,
            self.type,
            self.handler,
            self.priority,
            self.parent_id,
            self.created_after,
            self.created_before,
        ]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    def filters(self) -> dict[str, str]:
        """The attribute filters beside status and creation time."""
        names = ("type", "handler", "priority", "parent_id")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


@dataclass
class JobPage:
    jobs: list[Job] = field(default_factory=list)
    next_cursor: str | None = None
