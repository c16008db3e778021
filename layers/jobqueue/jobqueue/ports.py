"""Ports: everything the service needs from outside its process, in domain words.

Each port is a `typing.Protocol`. The AWS implementations live in `jobqueue.adapters` (the only
package that uses the AWS SDK, turning its errors into domain errors); in-memory ones live in
`jobqueue.testing`. Use cases take the `Ports` bundle (or the single ports they need) as an
argument; every Lambda entry point passes `jobqueue.wiring.default_ports()`, built once per
container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jobqueue.messages import Delivery
from jobqueue.models.counters import CounterSnapshot, CounterUsage, Overwrite
from jobqueue.models.job import Job, JobStatus
from jobqueue.models.job_query import JobPage, JobQuery, JobSummary
from jobqueue.models.schedule import Schedule
from jobqueue.models.tenant import ApiKeyRecord, Role, Tenant


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time in UTC, to the millisecond."""


# -- jobs ----------------------------------------------------------------------------------------
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

    def created_between(self, tenant_id: str, start: datetime, end: datetime) -> Iterator[JobSummary]:
        """The tenant's jobs created in [start, end], oldest first."""


# -- tenants -------------------------------------------------------------------------------------
class TenantRepository(Protocol):
    """Tenant profiles and API keys (stored only as hashes)."""

    def put(self, tenant: Tenant) -> Tenant: ...

    def get(self, tenant_id: str) -> Tenant | None: ...

    def due_for_reconciliation(self, now: datetime, limit: int) -> list[str]:
        """Up to `limit` tenant ids whose counter reconciliation is due, most overdue first."""

    def push_reconciliation(self, tenant_id: str, due: datetime) -> None: ...

    def issue_key(self, tenant_id: str | None, role: Role = Role.TENANT) -> tuple[str, str]:
        """A new key: (key_id, api_key); the key is shown once, only its hash is kept."""

    def find_key(self, key_hash: str) -> ApiKeyRecord | None: ...


class TenantCounters(Protocol):
    """Per-tenant counters behind the limits: waiting jobs, running slots, the UTC day's
    submissions. Each change is one atomic conditional write: two racing callers never both
    take the last place."""

    def reserve_waiting(self, tenant_id: str, n: int, limit: int) -> None:
        """Raises TenantLimitExceeded (max_queued_jobs) when `n` more would pass `limit`."""

    def release_waiting(self, tenant_id: str, n: int = 1) -> bool:
        """Give back `n` places, never below 0; False when the counter had drifted."""

    def reserve_daily(self, tenant_id: str, n: int, limit: int, now: datetime) -> None:
        """Raises TenantLimitExceeded (max_daily_jobs, with retry_after) when over `limit`."""

    def release_daily(self, tenant_id: str, n: int, now: datetime) -> bool: ...

    def take_running(self, tenant_id: str, limit: int) -> bool:
        """Move one job from waiting to running if fewer than `limit` run; False otherwise."""

    def give_running(self, tenant_id: str, *, requeued: bool = False) -> bool:
        """Give a running slot back (`requeued`: the job is waiting again in the same step)."""

    def snapshot(self, tenant_id: str, consistent: bool = True) -> CounterSnapshot: ...

    def daily_count(self, tenant_id: str, now: datetime) -> int: ...

    def usage(self, tenant_id: str, now: datetime) -> CounterUsage: ...

    def overwrite(self, tenant_id: str, waiting: int, running: int, seen: CounterSnapshot) -> Overwrite:
        """Set the counter to these values unless it moved since `seen` was read."""


# -- messaging and time --------------------------------------------------------------------------
class JobQueue(Protocol):
    """The band queues (one per priority band, grouped by tenant)."""

    def send(self, job: Job, delay_seconds: int | None = None, deferrals: int = 0) -> None:
        """Send the job's message; the delay defaults to the time until `scheduled_for`."""

    def send_many(self, jobs: Iterable[Job]) -> None:
        """Send many; raises PublishError naming the jobs whose message was not accepted."""

    def send_copy(self, delivery: Delivery) -> None:
        """Send a received message again as a new message (its receive count starts at 0)."""

    def redeliver_now(self, deliveries: Sequence[Delivery]) -> None:
        """Best effort: received messages become visible again at once."""


class Schedules(Protocol):
    """Schedules that invoke the dispatcher (EventBridge Scheduler), by name."""

    def put(self, schedule: Schedule) -> None:
        """Create the schedule, or replace the one of that name."""

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """Enable or disable a schedule; False when there is none of that name."""

    def delete(self, name: str) -> bool:
        """Delete a schedule; False when there is none of that name."""

    def exists(self, name: str) -> bool: ...


@dataclass(frozen=True)
class BusEvent:
    source: str
    detail_type: str
    detail: Mapping[str, Any]


class EventBus(Protocol):
    def publish(self, events: Sequence[BusEvent]) -> list[int]:
        """Publish; returns the indexes of the events the bus did not take."""


# -- notifications -------------------------------------------------------------------------------
class EmailSender(Protocol):
    def send(self, source: str, to: Sequence[str], subject: str, text: str | None, html: str | None) -> str:
        """Send an e-mail; returns the provider's message id.

        Raises:
            NonRetryableError: the provider refused this message for good.
            HandlerError: a transient failure.
        """


class SmsSender(Protocol):
    def send(self, phone_number: str, message: str, sms_type: str) -> str:
        """Send a text message; returns the provider's message id (errors as EmailSender)."""


class WebPoster(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        """POST to a public address (never a private one, no redirects); (status, answer start).

        Raises:
            NonRetryableError: the host is not public, or its certificate is not valid.
            HandlerError: the request failed in a way that may pass.
        """


class Idempotency(Protocol):
    def run_once(
        self,
        scope: str,
        tenant_id: str,
        key: str,
        body: Any,
        produce: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> dict[str, Any]:
        """`produce()` once per (scope, tenant, key); a repeat with the same body gets the first
        result. Raises IdempotencyConflict for the same key with another body, or while the
        first request is still running. A `produce()` that raises is not remembered."""


@dataclass(frozen=True)
class Ports:
    """Every port, as one argument."""

    jobs: JobRepository
    tenants: TenantRepository
    counters: TenantCounters
    queue: JobQueue
    schedules: Schedules
    events: EventBus
    clock: Clock
    email: EmailSender
    sms: SmsSender
    web: WebPoster
    idempotency: Idempotency
