"""`jobq.AsyncClient`: the same methods as `jobq.Client`, awaitable (httpx.AsyncClient).

The requests are the same `Call`s (`jobq._routes`), with the same retries; only the sending,
the sleeping and the iterators are asynchronous. See `jobq.Client` for each method.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import aclosing
from typing import Any, TypeVar

import httpx

from jobq import _routes as routes
from jobq._config import DEFAULT_TIMEOUT, headers, resolve
from jobq._polling import Watch
from jobq._request import Call, decode
from jobq._retry import Attempts, Backoff, retry_after_seconds
from jobq.client import DEFAULT_WAIT_TIMEOUT
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


class AsyncClient:
    """An asyncio client of the jobqueue API; the arguments are `jobq.Client`'s (`sleep` is a
    coroutine function, default `asyncio.sleep`; `transport` an async httpx transport)."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url, key = resolve(url, api_key)
        self.max_retries = max_retries
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.AsyncClient(
            base_url=self.url, headers=headers(key), timeout=timeout, transport=transport
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def send(self, call: Call[T]) -> T:
        """Send one request, resending it as `jobq._retry` allows; its answer, read."""
        attempts = Attempts(call, self.max_retries, self.backoff)
        while True:
            try:
                response = await self._http.request(call.method, call.path, **call.request_kwargs())
            except httpx.TransportError as error:
                await self._sleep(attempts.after_transport_error(error))
                continue
            retry_after = retry_after_seconds(response)
            delay = attempts.after_answer(response, retry_after)
            if delay is None:
                return decode(call, response, retry_after=retry_after)
            await self._sleep(delay)

    # Jobs

    async def submit(
        self,
        handler: str,
        payload: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> Job:
        return await self.send(routes.submit(handler, payload, idempotency_key=idempotency_key, **options))

    async def submit_batch(self, jobs: Iterable[Mapping[str, Any]]) -> list[Job]:
        return await self.send(routes.submit_batch(jobs))

    async def get(self, job_id: str) -> Job:
        return await self.send(routes.get_job(job_id))

    async def list(self, **filters: Any) -> JobPage:
        return await self.send(routes.list_jobs(**filters))

    async def iter_jobs(self, **filters: Any) -> AsyncIterator[Job]:
        cursor = filters.pop("cursor", None)
        while True:
            page = await self.list(**filters, cursor=cursor)
            for job in page.jobs:
                yield job
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def cancel(self, job_id: str) -> Job:
        return await self.send(routes.cancel(job_id))

    async def retry(self, job_id: str) -> Job:
        return await self.send(routes.retry(job_id))

    async def pause(self, job_id: str) -> Job:
        return await self.send(routes.set_enabled(job_id, False))

    async def resume(self, job_id: str) -> Job:
        return await self.send(routes.set_enabled(job_id, True))

    async def wait(
        self, job_id: str, timeout: float | None = DEFAULT_WAIT_TIMEOUT, poll_interval: float = 1.0
    ) -> Job:
        async with aclosing(self.wait_all([job_id], timeout=timeout, poll_interval=poll_interval)) as jobs:
            return await anext(jobs)

    async def wait_all(
        self,
        job_ids: Iterable[str],
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = 1.0,
        on_update: Callable[[Job], Any] | None = None,
    ) -> AsyncIterator[Job]:
        watch = Watch(job_ids, timeout, self._clock)
        while watch.pending:
            for job_id in list(watch.pending):
                job = await self.get(job_id)
                if on_update is not None:
                    on_update(job)
                if watch.seen(job):
                    yield job
            if not watch.pending:
                return
            if watch.deadline.passed:
                raise watch.timed_out()
            await self._sleep(watch.deadline.pause(poll_interval))

    async def maintenance_jobs(self, retention_days: int | None = None) -> list[Job]:
        return await self.send(routes.maintenance_jobs(retention_days))

    # Catalogue, usage and observability

    async def handlers(self) -> list[Handler]:
        return await self.send(routes.handlers())

    async def usage(self, start: Time = None, end: Time = None) -> Usage:
        return await self.send(routes.usage(start, end))

    async def health(self) -> Health:
        return await self.send(routes.health())

    async def trends(self, period: str = "P7D", interval: str = "PT1H") -> Trends:
        return await self.send(routes.trends(period, interval))

    async def metrics(
        self, handler: str | None = None, type: str | None = None, start: Time = None, end: Time = None
    ) -> Performance:
        return await self.send(routes.metrics(handler, type, start, end))

    async def queue(self, tenant_id: str | None = None) -> QueueStatus:
        return await self.send(routes.queue(tenant_id))

    async def events(
        self, after: str | None = None, job_id: str | None = None, limit: int | None = None
    ) -> EventPage:
        return await self.send(routes.events(after, job_id, limit))

    async def follow_events(
        self,
        after: str | None = None,
        job_id: str | None = None,
        limit: int | None = None,
        poll_interval: float = 2.0,
    ) -> AsyncIterator[Event]:
        while True:
            page = await self.events(after, job_id, limit)
            for event in page.events:
                yield event
            after = page.next_cursor or after
            if not page.events:
                await self._sleep(poll_interval)

    async def alerts(self, status: str | None = None, limit: int | None = None) -> list[Alert]:
        return await self.send(routes.alerts(status, limit))

    async def ack_alert(self, alert_id: str) -> Alert:
        return await self.send(routes.ack_alert(alert_id))

    async def alert_rules(self) -> AlertRules:
        return await self.send(routes.alert_rules())

    async def put_alert_rules(self, rules: Iterable[Any], webhook_url: str | None = None) -> AlertRules:
        return await self.send(routes.put_alert_rules(rules, webhook_url))

    # Admin (admin keys)

    async def admin_stats(self) -> AdminStats:
        return await self.send(routes.admin_stats())

    async def put_tenant(
        self,
        tenant_id: str,
        name: str,
        tier: int,
        limits: Mapping[str, Any] | None = None,
        bus_events: str | None = None,
        suspended: bool = False,
    ) -> Tenant:
        return await self.send(routes.put_tenant(tenant_id, name, tier, limits, bus_events, suspended))

    async def get_tenant(self, tenant_id: str) -> Tenant:
        return await self.send(routes.get_tenant(tenant_id))

    async def list_tenants(self, limit: int | None = None, cursor: str | None = None) -> TenantPage:
        return await self.send(routes.list_tenants(limit, cursor))

    async def iter_tenants(self, limit: int | None = None) -> AsyncIterator[Tenant]:
        cursor = None
        while True:
            page = await self.list_tenants(limit, cursor)
            for tenant in page.tenants:
                yield tenant
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def create_key(self, tenant_id: str) -> ApiKey:
        return await self.send(routes.create_key(tenant_id))
