"""Job activity as the stream reports it: one entry per status change of a job (an entry of
its history), with the job's handler and type and the entry's place in the stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobqueue.times import iso


@dataclass(frozen=True)
class ActivityEntry:
    """Entry `index` of a job's history (0: the job was created), seen at stream `position`."""

    position: int
    tenant_id: str
    job_id: str
    index: int
    handler: str
    type: str
    status: str
    previous_status: str | None
    at: datetime
    attempt: int = 0
    wait_ms: int | None = None
    execution_ms: int | None = None
    error_type: str | None = None

    @property
    def event_id(self) -> str:
        return f"{self.job_id}:{self.index}"

    def event(self) -> dict[str, Any]:
        """The lifecycle event `GET /v1/events` answers."""
        return {
            "id": self.event_id,
            "job_id": self.job_id,
            "handler": self.handler,
            "status": self.status,
            "previous_status": self.previous_status,
            "at": iso(self.at),
            "attempt": self.attempt,
        }


@dataclass
class SystemHour:
    """One hour of one shard of the system-wide tally: counts over its tenants, the jobs each
    tenant submitted and how many entries (any activity) each had."""

    hour: datetime
    counts: dict[str, int]
    submitted_by_tenant: dict[str, int]
    activity_by_tenant: dict[str, int]
