"""`GET /v1/queue`: the tenant's due jobs by priority, what waits for a time or for other jobs,
what runs, and how long the oldest due job has waited. Read from the tenant's waiting jobs (one
status-index partition, at most about its `max_queued_jobs`) and a count of its running jobs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobqueue.models.job import Job, JobStatus, Priority, WaitingOn
from jobqueue.times import ms_between

PRIORITIES = [p.value for p in reversed(Priority)]  # critical first


@dataclass(frozen=True)
class TenantQueue:
    queued_by_priority: dict[str, int]
    scheduled: int
    recurring: int
    processing: int
    oldest_queued_age_ms: int | None

    @property
    def queue_length(self) -> int:
        return sum(self.queued_by_priority.values())

    def answer(self) -> dict[str, Any]:
        return {
            "queued_by_priority": self.queued_by_priority,
            "queued": self.queue_length,
            "scheduled": self.scheduled,
            "recurring": self.recurring,
            "processing": self.processing,
            "oldest_queued_age_ms": self.oldest_queued_age_ms,
        }


def tenant_queue(waiting: Iterable[Job], processing: int, now: datetime) -> TenantQueue:
    """Due jobs count as queued (a job pending for its time counts once its time has come);
    `scheduled` are those waiting for a time or for dependencies, `recurring` the cron schedules."""
    by_priority = dict.fromkeys(PRIORITIES, 0)
    scheduled = recurring = 0
    oldest: datetime | None = None
    for job in waiting:
        status = job.presented_status(now)
        if status is JobStatus.QUEUED:
            by_priority[job.priority.value] += 1
            due = job.due_since()
            oldest = due if oldest is None or due < oldest else oldest
        elif job.waiting_on is WaitingOn.SCHEDULE:
            recurring += 1
        elif status is JobStatus.PENDING:
            scheduled += 1
    age = None if oldest is None else max(0, ms_between(oldest, now))
    return TenantQueue(by_priority, scheduled, recurring, processing, age)
