"""AsyncClient: the same requests, models, retries, iterators and waits, awaited."""

from __future__ import annotations

import asyncio

import pytest

import jobq
from tests.client import samples
from tests.client.conftest import KEY, Answer, FakeApi, FakeClock

J = samples.JOB_ID


def run(coroutine):
    return asyncio.run(coroutine)


def test_submit_sends_the_same_request_as_the_sync_client(api: FakeApi, async_client, client):
    api.on("POST", "/v1/jobs", Answer(201, samples.job()))

    async def go():
        async with async_client as c:
            return await c.submit("echo", {"n": 1}, priority="high", idempotency_key="k1")

    job = run(go())
    client.submit("echo", {"n": 1}, priority="high", idempotency_key="k1")

    sent_async, sent_sync = api.requests
    assert isinstance(job, jobq.Job) and job.id == J
    assert (sent_async.method, sent_async.url, sent_async.content) == (
        sent_sync.method,
        sent_sync.url,
        sent_sync.content,
    )
    assert sent_async.headers["Idempotency-Key"] == "k1"
    assert sent_async.headers["Authorization"] == f"Bearer {KEY}"


def test_every_route_reads_its_model(api: FakeApi, async_client):
    api.on("GET", "/v1/handlers", samples.HANDLERS)
    api.on("GET", "/v1/usage", samples.USAGE)
    api.on("GET", "/v1/trends", samples.TRENDS)
    api.on("GET", "/v1/admin/stats", samples.STATS)
    api.on("PATCH", f"/v1/jobs/{J}", samples.job("pending", enabled=False))

    async def go():
        return (
            await async_client.handlers(),
            await async_client.usage(),
            await async_client.trends("P1D", "PT6H"),
            await async_client.admin_stats(),
            await async_client.pause(J),
        )

    handlers, usage, trends, stats, paused = run(go())

    assert handlers[0].name == "echo" and usage.daily_count == 230 and len(trends.buckets) == 3
    assert stats.dead_letter_depth == 1 and paused.enabled is False
    assert api.requests[2].url.params["interval"] == "PT6H"
    assert api.body() == {"enabled": False}


def test_retries_sleep_asynchronously_with_the_same_delays(api: FakeApi, async_client, clock: FakeClock):
    api.on("GET", f"/v1/jobs/{J}", Answer(503, None, {"Retry-After": "1"}), Answer(429, None), samples.job())

    job = run(async_client.get(J))

    assert job.id == J and clock.sleeps == [1.0, 1.0]  # Retry-After, then the second backoff step


def test_errors_are_the_same_classes(api: FakeApi, async_client):
    api.on(
        "POST",
        f"/v1/jobs/{J}/retry",
        Answer(409, samples.error("invalid_state", "not allowed", status="queued")),
    )

    with pytest.raises(jobq.InvalidState) as raised:
        run(async_client.retry(J))

    assert raised.value.details == {"status": "queued"}


def test_iterators_page_through_and_follow(api: FakeApi, async_client, clock: FakeClock):
    api.on(
        "GET",
        "/v1/jobs",
        {"jobs": [samples.job(job_id="A")], "next_cursor": "c"},
        {"jobs": [samples.job(job_id="B")]},
    )
    api.on("GET", "/v1/admin/tenants", {"tenants": [samples.tenant("a")], "next_cursor": None})
    api.on(
        "GET",
        "/v1/events",
        {"events": [], "next_cursor": "e0"},
        {"events": [samples.event(1)], "next_cursor": "e1"},
    )

    async def go():
        jobs = [job.id async for job in async_client.iter_jobs(handler="echo")]
        tenants = [t.tenant_id async for t in async_client.iter_tenants()]
        async for event in async_client.follow_events(poll_interval=3):
            return jobs, tenants, event

    jobs, tenants, event = run(go())

    assert jobs == ["A", "B"] and tenants == ["a"] and event.id == f"{J}:1"
    assert clock.sleeps == [3]


def test_wait_returns_the_terminal_job_and_times_out(api: FakeApi, async_client, clock: FakeClock):
    api.on("GET", "/v1/jobs/A", samples.job("processing", "A"), samples.job("completed", "A"))
    api.on("GET", "/v1/jobs/B", samples.job("processing", "B"))

    done = run(async_client.wait("A", timeout=10, poll_interval=2))
    with pytest.raises(jobq.WaitTimeout):
        run(async_client.wait("B", timeout=3, poll_interval=2))

    assert done.status == "completed"
    assert clock.sleeps == [2, 2, 1]
