"""Job records: the `JobRepository` port, its transition guard and the sweeper's index entry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jobqueue.models.job import Job, JobStatus
from jobqueue.models.job_query import JobPage, JobQuery


@dataclass(frozen=True)
class Guard:
    """Conditions of a job transition beside its expected status.

    `attempts`: the job's attempt count is still this (the attempt that was claimed or read).
    `sweep_due_by`: the job's sweep deadline has passed at this time (the sweeper's index lags).
    `unchanged`: these job fields still hold these values (None: the field is absent).
    """

    attempts: int | None = None
    sweep_due_by: datetime | None = None
    unchanged: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SweepEntry:
    """A job in the sweeper's index with the deadline it is due at."""

    job: Job
    due_at: datetime


class JobRepository(Protocol):
    """Job records. Every state change is one conditional write (`transition`)."""

    def create(self, job: Job, sweep_at: datetime | None = None) -> bool:
        """Write a new job; False when a job with its id exists already."""

    def create_many(self, jobs: Iterable[tuple[Job, datetime | None]]) -> None:
        """Write new jobs (fresh ids) with their sweep deadlines."""

    def delete(self, tenant_id: str, job_id: str, expected: Iterable[JobStatus] | None = None) -> bool:
        """Delete a job (only in one of the `expected` statuses, when given); False otherwise."""

    def get(self, tenant_id: str, job_id: str, consistent: bool = True) -> Job | None: ...

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Job]:
        """The jobs that exist among (tenant_id, job_id) `keys`, read strongly consistent (on
        DynamoDB one BatchGetItem per 100 keys)."""

    def list(self, tenant_id: str, query: JobQuery) -> JobPage:
        """Newest first; raises BadRequest for a cursor of another tenant or other filters."""

    def transition(
        self,
        tenant_id: str,
        job_id: str,
        expected: Iterable[JobStatus],
        changes: Mapping[str, Any],
        *,
        remove: Iterable[str] = (),
        sweep_at: datetime | None = None,
        clear_sweep: bool = False,
        guard: Guard | None = None,
        note: Mapping[str, Any] | None = None,
    ) -> Job | None:
        """Set `changes` (and `updated_at`), remove `remove`, move the sweep deadline to
        `sweep_at` or out of the index (`clear_sweep`) of a job whose status is one of
        `expected` and that passes `guard`. A status change appends to the job's history (with
        `note`'s fields). Returns the job as written, or None when it is missing or did not
        match (a duplicate, a lost race): the caller treats that as a no-op."""

    def due_for_sweep(self, now: datetime, per_shard: int) -> list[SweepEntry]:
        """Jobs whose sweep deadline is at or before `now`, oldest first per index shard."""

    def add_dependent(self, parent: Job, child_id: str) -> bool:
        """Record that `child_id` waits for `parent` unless the parent is terminal (False then).

        Raises:
            ValidationFailed: the parent has the maximum number of dependents already.
        """

    def count(self, tenant_id: str, statuses: Iterable[JobStatus], *, schedules: bool = True) -> int:
        """The tenant's jobs stored in one of `statuses` (pending and queued may go together);
        `schedules=False` leaves recurring schedules out."""

    def waiting(self, tenant_id: str) -> Iterator[Job]:
        """The tenant's pending and queued jobs (at most about its `max_queued_jobs`)."""

    def finished_before(self, tenant_id: str, status: JobStatus, cutoff: datetime) -> Iterator[str]:
        """Ids of the tenant's jobs in a terminal `status` that finished before `cutoff`."""
