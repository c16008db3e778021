"""Job lifecycle events from job changes.

One event per job that was created or whose status changed: source `jobqueue`, detail-type
`Job Status Changed`, detail `{tenant_id, job_id, handler, type, priority, old_status,
new_status, at}` (`old_status` is null for a new job). Which of them go to the bus is a choice
(`BusEvents`, `published`): the changes into a terminal status (the default), all, or none.
"""

from __future__ import annotations

from typing import Any

from jobqueue.models.job import TERMINAL_STATUSES
from jobqueue.models.job_change import JobChange
from jobqueue.models.tenant import BusEvents
from jobqueue.ports import BusEvent

SOURCE = "jobqueue"
DETAIL_TYPE = "Job Status Changed"
TERMINAL = frozenset(status.value for status in TERMINAL_STATUSES)


def status_change(change: JobChange | None) -> dict[str, Any] | None:
    """The event detail of a job change, or None when its status did not change."""
    if change is None or not change.new_status or change.new_status == change.old_status:
        return None
    return {
        "tenant_id": change.tenant_id,
        "job_id": change.job_id,
        "handler": change.handler,
        "type": change.type,
        "priority": change.priority,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "at": change.at,
    }


def published(choice: BusEvents, new_status: str) -> bool:
    """Whether a status change into `new_status` goes to the bus under `choice`."""
    if choice == "all":
        return True
    return choice == "terminal" and new_status in TERMINAL


def bus_event(detail: dict[str, Any]) -> BusEvent:
    return BusEvent(SOURCE, DETAIL_TYPE, detail)


def finished_parent(change: JobChange | None) -> JobChange | None:
    """The change itself when a job just reached a terminal status with jobs waiting for it.
    The new image is the terminal write, and every `dependents` ADD is conditional on the parent
    not being terminal, so it lists every child to release."""
    if change is None or change.old_status is None:
        return None
    if change.new_status not in TERMINAL or change.old_status == change.new_status or not change.dependents:
        return None
    return change
