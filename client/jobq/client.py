"""`jobq.Client`: the API over HTTPS, synchronously (httpx).

Every method builds its request with `jobq._routes` and sends it with `send`, which retries
(see `jobq._retry`) and turns an error answer into an `ApiError`. `AsyncClient` has the same
methods, awaitable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import httpx

from jobq import _routes as routes
from jobq._config import DEFAULT_TIMEOUT, headers, resolve
from jobq._polling import Watch
from jobq._request import Call, decode
from jobq._retry import Attempts, Backoff, retry_after_seconds
from jobq.models import (
    AdminStats,
    Alert,
    AlertRules,
    ApiKey,
    Event,
    EventPage,
    Handler,
    Health,
    Job,
    JobPage,
    Performance,
    QueueStatus,
    Tenant,
    TenantPage,
    Trends,
    Usage,
)

T = TypeVar("T")
Time = routes.Time
DEFAULT_WAIT_TIMEOUT = 300.0


class Client:
    """A client of the jobqueue API.

    Args:
        url: the API's base URL (e.g. `http://127.0.0.1:3000`); default `JOBQ_URL`.
        api_key: a tenant or admin key; default `JOBQ_API_KEY`.
        timeout: seconds for each HTTP request.
        max_retries: resends after a 429, a 5xx or a connection failure (0: none).
        transport: an httpx transport (tests pass `httpx.MockTransport`).
        backoff: the waits between retries (`jobq.Backoff`).
        sleep: how to wait (tests inject one that records).
        clock: a monotonic clock in seconds, for `wait()` deadlines.

    Raises:
        ConfigurationError: no URL or no key, given or in the environment.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url, key = resolve(url, api_key)
        self.max_retries = max_retries
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            base_url=self.url, headers=headers(key), timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def send(self, call: Call[T]) -> T:
        """Send one request, resending it as `jobq._retry` allows; its answer, read."""
        attempts = Attempts(call, self.max_retries, self.backoff)
        while True:
            try:
                response = self._http.request(call.method, call.path, **call.request_kwargs())
            except httpx.TransportError as error:
                self._sleep(attempts.after_transport_error(error))
                continue
            retry_after = retry_after_seconds(response)
            delay = attempts.after_answer(response, retry_after)
            if delay is None:
                return decode(call, response, retry_after=retry_after)
            self._sleep(delay)

    # Jobs

    def submit(
        self,
        handler: str,
        payload: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> Job:
        """Submit a job; `options` are the body's fields (priority, delay_seconds, run_at, cron, ...).
        Sent with `idempotency_key` or a new uuid4, the same on every retry of this call."""
        return self.send(routes.submit(handler, payload, idempotency_key=idempotency_key, **options))

    def submit_batch(self, jobs: Iterable[Mapping[str, Any]]) -> list[Job]:
        """Submit up to 100 jobs (dicts with `handler`, `payload`, options), all or nothing."""
        return self.send(routes.submit_batch(jobs))

    def get(self, job_id: str) -> Job:
        return self.send(routes.get_job(job_id))

    def list(self, **filters: Any) -> JobPage:
        """One page of jobs, newest first. Filters: status, type, handler, priority, parent_id,
        created_after, created_before, limit, cursor."""
        return self.send(routes.list_jobs(**filters))

    def iter_jobs(self, **filters: Any) -> Iterator[Job]:
        """Every job matching the filters, page after page (`limit` is the page size)."""
        cursor = filters.pop("cursor", None)
        while True:
            page = self.list(**filters, cursor=cursor)
            yield from page.jobs
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def cancel(self, job_id: str) -> Job:
        return self.send(routes.cancel(job_id))

    def retry(self, job_id: str) -> Job:
        return self.send(routes.retry(job_id))

    def pause(self, job_id: str) -> Job:
        """Pause a recurring job (`PATCH {"enabled": false}`)."""
        return self.send(routes.set_enabled(job_id, False))

    def resume(self, job_id: str) -> Job:
        """Resume a paused recurring job; its next run is counted from now."""
        return self.send(routes.set_enabled(job_id, True))

    def wait(
        self, job_id: str, timeout: float | None = DEFAULT_WAIT_TIMEOUT, poll_interval: float = 1.0
    ) -> Job:
        """The job once it is terminal; `WaitTimeout` after `timeout` seconds (None: no limit)."""
        return next(self.wait_all([job_id], timeout=timeout, poll_interval=poll_interval))

    def wait_all(
        self,
        job_ids: Iterable[str],
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = 1.0,
        on_update: Callable[[Job], Any] | None = None,
    ) -> Iterator[Job]:
        """Yield each job as it becomes terminal; `on_update` sees every read. `WaitTimeout`
        (with the unfinished jobs) when the deadline passes first."""
        watch = Watch(job_ids, timeout, self._clock)
        while watch.pending:
            for job_id in list(watch.pending):
                job = self.get(job_id)
                if on_update is not None:
                    on_update(job)
                if watch.seen(job):
                    yield job
            if not watch.pending:
                return
            if watch.deadline.passed:
                raise watch.timed_out()
            self._sleep(watch.deadline.pause(poll_interval))

    def maintenance_jobs(self, retention_days: int | None = None) -> list[Job]:
        """Create (or read back) the standard maintenance schedules."""
        return self.send(routes.maintenance_jobs(retention_days))

    # Catalogue, usage and observability

    def handlers(self) -> list[Handler]:
        return self.send(routes.handlers())

    def usage(self, start: Time = None, end: Time = None) -> Usage:
        """Counters, limits and warnings; with `start`/`end` also the window's statistics."""
        return self.send(routes.usage(start, end))

    def health(self) -> Health:
        return self.send(routes.health())

    def trends(self, period: str = "P7D", interval: str = "PT1H") -> Trends:
        return self.send(routes.trends(period, interval))

    def metrics(
        self, handler: str | None = None, type: str | None = None, start: Time = None, end: Time = None
    ) -> Performance:
        """`GET /v1/metrics/performance` of a window (default the last 24 h)."""
        return self.send(routes.metrics(handler, type, start, end))

    def queue(self, tenant_id: str | None = None) -> QueueStatus:
        """The queue; admin keys also get the SQS queues, and a tenant's fields with `tenant_id`."""
        return self.send(routes.queue(tenant_id))

    def events(
        self, after: str | None = None, job_id: str | None = None, limit: int | None = None
    ) -> EventPage:
        """One page of lifecycle events after the cursor `after` (or of one job)."""
        return self.send(routes.events(after, job_id, limit))

    def follow_events(
        self,
        after: str | None = None,
        job_id: str | None = None,
        limit: int | None = None,
        poll_interval: float = 2.0,
    ) -> Iterator[Event]:
        """Every event from `after` on, without end: polls with `next_cursor`, pausing
        `poll_interval` seconds whenever nothing is new."""
        while True:
            page = self.events(after, job_id, limit)
            yield from page.events
            after = page.next_cursor or after
            if not page.events:
                self._sleep(poll_interval)

    def alerts(self, status: str | None = None, limit: int | None = None) -> list[Alert]:
        return self.send(routes.alerts(status, limit))

    def ack_alert(self, alert_id: str) -> Alert:
        return self.send(routes.ack_alert(alert_id))

    def alert_rules(self) -> AlertRules:
        return self.send(routes.alert_rules())

    def put_alert_rules(self, rules: Iterable[Any], webhook_url: str | None = None) -> AlertRules:
        """Replace the whole rule set (dicts or `AlertRule`s) and the notification webhook."""
        return self.send(routes.put_alert_rules(rules, webhook_url))

    # Admin (admin keys)

    def admin_stats(self) -> AdminStats:
        return self.send(routes.admin_stats())

    def put_tenant(
        self,
        tenant_id: str,
        name: str,
        tier: int,
        limits: Mapping[str, Any] | None = None,
        bus_events: str | None = None,
        suspended: bool = False,
    ) -> Tenant:
        """Create or replace a tenant; `limits` overrides the tier's (a PUT replaces them all);
        `bus_events` ("terminal", "all" or "none": which of its jobs' status changes go to the
        event bus) overrides the deployment's choice, None leaves it to the deployment;
        `suspended` refuses its keys and holds its jobs (a PUT without it resumes the tenant)."""
        return self.send(routes.put_tenant(tenant_id, name, tier, limits, bus_events, suspended))

    def get_tenant(self, tenant_id: str) -> Tenant:
        return self.send(routes.get_tenant(tenant_id))

    def list_tenants(self, limit: int | None = None, cursor: str | None = None) -> TenantPage:
        return self.send(routes.list_tenants(limit, cursor))

    def iter_tenants(self, limit: int | None = None) -> Iterator[Tenant]:
        """Every tenant, by id, page after page."""
        cursor = None
        while True:
            page = self.list_tenants(limit, cursor)
            yield from page.tenants
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def create_key(self, tenant_id: str) -> ApiKey:
        """Issue a tenant key (shown once). Not resent after a 5xx: that could issue two."""
        return self.send(routes.create_key(tenant_id))
