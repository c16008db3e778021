"""A job as the table's stream saw it change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobChange:
    """A job item written: `old_status` None for a new job."""

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
