"""An in-memory job repository with the semantics of the DynamoDB one: conditional transitions
with guards, the sweeper's index, dependents, a tenant-bound cursor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from jobqueue import cursors
from jobqueue.errors import ValidationFailed
from jobqueue.ids import ulid_ceiling, ulid_floor
from jobqueue.models.job import (
    TERMINAL_STATUSES,
    WAITING_STATUSES,
    Job,
    JobStatus,
    StatusChange,
    status_change,
)
from jobqueue.models.job_query import JobPage, JobQuery
from jobqueue.ports import Clock, Guard, SweepEntry
from jobqueue.testing.locking import synchronized

MAX_DEPENDENTS = 1000
_OPEN = frozenset({JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING})
_SWEEP_SHARDS = 8


@synchronized
class InMemoryJobRepository:
    def __init__(self, clock: Clock, max_dependents: int = MAX_DEPENDENTS):
        self._clock = clock
        self._max_dependents = max_dependents
        self._jobs: dict[tuple[str, str], Job] = {}
        self._sweep: dict[tuple[str, str], datetime] = {}
        self._dependents: dict[tuple[str, str], set[str]] = {}
        # Every write as the table's stream would carry it: (old job or None, new job).
        self.changes: list[tuple[Job | None, Job]] = []

    # -- what tests look at --------------------------------------------------------------------
    def sweep_deadline(self, tenant_id: str, job_id: str) -> datetime | None:
        return self._sweep.get((tenant_id, job_id))

    def dependents(self, tenant_id: str, job_id: str) -> set[str]:
        return set(self._dependents.get((tenant_id, job_id), set()))

    def all(self, tenant_id: str | None = None) -> list[Job]:
        return [
            job.model_copy(deep=True) for (t, _), job in sorted(self._jobs.items()) if tenant_id in (None, t)
        ]

    # -- the port ----------------------------------------------------------------------------
    def create(self, job: Job, sweep_at: datetime | None = None) -> bool:
        key = (job.tenant_id, job.id)
        if key in self._jobs:
            return False
        self._jobs[key] = _with_history(job)
        self.changes.append((None, self._jobs[key]))
        if sweep_at is not None:
            self._sweep[key] = sweep_at
        return True

    def create_many(self, jobs: Iterable[tuple[Job, datetime | None]]) -> None:
        for job, sweep_at in jobs:
            self._jobs[(job.tenant_id, job.id)] = _with_history(job)
            self.changes.append((None, self._jobs[(job.tenant_id, job.id)]))
            if sweep_at is not None:
                self._sweep[(job.tenant_id, job.id)] = sweep_at

    def delete(self, tenant_id: str, job_id: str, expected: Iterable[JobStatus] | None = None) -> bool:
        key = (tenant_id, job_id)
        job = self._jobs.get(key)
        if job is None or (expected is not None and job.status not in set(expected)):
            return False
        del self._jobs[key]
        self._sweep.pop(key, None)
        self._dependents.pop(key, None)
        return True

    def get(self, tenant_id: str, job_id: str, consistent: bool = True) -> Job | None:
        job = self._jobs.get((tenant_id, job_id))
        return job.model_copy(deep=True) if job else None

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Job]:
        return {key: job.model_copy(deep=True) for key in keys if (job := self._jobs.get(key))}

    def list(self, tenant_id: str, query: JobQuery) -> JobPage:
        after = _decode_cursor(query.cursor, tenant_id, query) if query.cursor else None
        low = ulid_floor(query.created_after) if query.created_after else ""
        high = ulid_ceiling(query.created_before) if query.created_before else None
        filters = query.filters()
        now = self._clock.now()
        matches = [
            job
            for (t, job_id), job in self._jobs.items()
            if t == tenant_id
            and (query.status is None or job.presented_status(now) is query.status)
            and job_id >= low
            and (high is None or job_id <= high)
            and (after is None or job_id < after)
            and all(_text(getattr(job, name)) == value for name, value in filters.items())
        ]
        matches.sort(key=lambda job: job.id, reverse=True)  # newest first
        page = JobPage([job.model_copy(deep=True) for job in matches[: query.limit]])
        if len(matches) > query.limit:
            page.next_cursor = _encode_cursor(tenant_id, page.jobs[-1].id, query)
        return page

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
        key = (tenant_id, job_id)
        job = self._jobs.get(key)
        if job is None or job.status not in set(expected) or not self._passes(key, job, guard):
            return None
        data = job.model_dump()
        for name in remove:
            if name in Job.model_fields:
                data[name] = Job.model_fields[name].get_default(call_default_factory=True)
        data.update(changes)
        data["updated_at"] = now = self._clock.now()
        if "status" in changes:
            data["history"] = [*data["history"], status_change(changes, now, note)]
        updated = Job.model_validate(data)
        self._jobs[key] = updated
        self.changes.append((job, updated))
        if sweep_at is not None:
            self._sweep[key] = sweep_at
        elif clear_sweep:
            self._sweep.pop(key, None)
        return updated.model_copy(deep=True)

    def due_for_sweep(self, now: datetime, per_shard: int) -> list[SweepEntry]:
        due = sorted((at, key) for key, at in self._sweep.items() if at <= now)
        return [
            SweepEntry(self._jobs[key].model_copy(deep=True), at)
            for at, key in due[: per_shard * _SWEEP_SHARDS]
        ]

    def add_dependent(self, parent: Job, child_id: str) -> bool:
        key = (parent.tenant_id, parent.id)
        job = self._jobs.get(key)
        if job is None or job.status not in _OPEN:
            return False
        children = self._dependents.setdefault(key, set())
        if child_id not in children and len(children) >= self._max_dependents:
            message = f"job {parent.id} has {self._max_dependents} dependents already"
            raise ValidationFailed(f"invalid depends_on: {message}", {"depends_on": message})
        children.add(child_id)
        return True

    def count(self, tenant_id: str, statuses: Iterable[JobStatus], *, schedules: bool = True) -> int:
        wanted = set(statuses)
        return sum(
            1
            for (t, _), job in self._jobs.items()
            if t == tenant_id and job.status in wanted and (schedules or not _is_schedule(job))
        )

    def waiting(self, tenant_id: str) -> Iterator[Job]:
        for (t, _), job in sorted(self._jobs.items()):
            if t == tenant_id and job.status in WAITING_STATUSES:
                yield job.model_copy(deep=True)

    def finished_before(self, tenant_id: str, status: JobStatus, cutoff: datetime) -> Iterator[str]:
        for (t, job_id), job in list(self._jobs.items()):
            finished = job.status is status and status in TERMINAL_STATUSES and job.completed_at is not None
            if t == tenant_id and finished and job.completed_at < cutoff:  # type: ignore[operator]
                yield job_id

    def _passes(self, key: tuple[str, str], job: Job, guard: Guard | None) -> bool:
        if guard is None:
            return True
        if guard.attempts is not None and job.attempts != guard.attempts:
            return False
        if guard.sweep_due_by is not None:
            deadline = self._sweep.get(key)
            if deadline is None or deadline > guard.sweep_due_by:
                return False
        return all(getattr(job, name) == value for name, value in (guard.unchanged or {}).items())


def _with_history(job: Job) -> Job:
    """A copy of a new job whose history starts with its first status (as on DynamoDB)."""
    stored = job.model_copy(deep=True)
    if not stored.history:
        stored.history = [StatusChange(status=job.status, at=job.created_at)]
    return stored


def _is_schedule(job: Job) -> bool:
    return job.cron is not None and job.parent_id is None


def _text(value: Any) -> Any:
    return getattr(value, "value", value)


def _encode_cursor(tenant_id: str, last_id: str, query: JobQuery) -> str:
    return cursors.encode({"t": tenant_id, "k": last_id, "f": query.fingerprint()})


def _decode_cursor(cursor: str, tenant_id: str, query: JobQuery) -> str:
    data = cursors.decode(cursor)
    if data.get("t") != tenant_id or data.get("f") != query.fingerprint():
        raise cursors.mismatch()
    if not isinstance(data.get("k"), str):
        raise cursors.malformed()
    return data["k"]
