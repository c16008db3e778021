"""A job as the table's stream saw it change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobqueue.models.activity import ActivityEntry


@dataclass(frozen=True)
class JobChange:
    """A job item written: `old_status` None for a new job. `entries` are the history entries
    this write appended (one per status change), in order."""

    sequence_number: str
    tenant_id: str
    job_id: str
    handler: str | None
    type: str | None
    priority: str | None
    old_status: str | None
    new_status: str | None
    at: str | None
    dependents: tuple[str, ...] = ()
    entries: tuple[ActivityEntry, ...] = ()
    callback_url: str | None = None
    attempts: int = 0
    payload: dict[str, Any] | None = None
    last_result: dict[str, Any] | None = None
    tier: int = 1
