"""Retries: 429 and 5xx answers and connection failures are sent again after a backoff (or the
Retry-After the API asked for), up to max_retries; 4xx answers are not; a submit keeps its
Idempotency-Key; calls that are not safe to resend are resent only when nothing was done."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime

import httpx
import pytest

import jobq
from jobq._retry import retry_after_seconds
from tests.client import samples
from tests.client.conftest import Answer, FakeApi, FakeClock

J = samples.JOB_ID
BUSY = Answer(503, samples.error("service_unavailable", "retry"))
LIMITED = Answer(429, samples.error("tenant_limit_exceeded", "queue full", limit_type="max_queued_jobs"))


def test_a_503_with_retry_after_is_retried_after_those_seconds(api: FakeApi, client, clock: FakeClock):
    slow_down = Answer(503, samples.error("service_unavailable", "retry"), {"Retry-After": "2"})
    api.on("GET", f"/v1/jobs/{J}", slow_down, slow_down, samples.job())

    job = client.get(J)

    assert job.id == J and len(api.requests) == 3
    assert clock.sleeps == [2.0, 2.0]


def test_a_429_without_retry_after_backs_off_exponentially_then_raises(
    api: FakeApi, client, clock: FakeClock
):
    api.on("POST", "/v1/jobs", LIMITED)

    with pytest.raises(jobq.RateLimited):
        client.submit("echo")

    assert len(api.requests) == 4  # the first try and max_retries=3 retries
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_the_backoff_is_capped_and_jittered_between_half_and_all_of_it(api: FakeApi, clock: FakeClock):
    draws = iter([0.0, 0.5, 0.99, 0.0, 0.0])
    backoff = jobq.Backoff(base=1.0, cap=3.0, jitter=lambda: next(draws))
    client = jobq.Client(
        "http://api.test",
        "k",
        max_retries=5,
        transport=httpx.MockTransport(api),
        backoff=backoff,
        sleep=clock.sleep,
    )
    api.on("GET", "/v1/health", BUSY, BUSY, BUSY, BUSY, BUSY, samples.HEALTH)

    client.health()

    # full waits 1, 2, 3 (capped), 3, 3, each times 0.5 + jitter / 2
    assert clock.sleeps == pytest.approx([0.5, 1.5, 2.985, 1.5, 1.5])


def test_a_retry_after_longer_than_the_cap_is_raised_at_once(api: FakeApi, client, clock: FakeClock):
    daily = Answer(
        429,
        samples.error("tenant_limit_exceeded", "daily", limit_type="max_daily_jobs"),
        {"Retry-After": "36000"},
    )
    api.on("POST", "/v1/jobs", daily)

    with pytest.raises(jobq.RateLimited) as raised:
        client.submit("echo")

    assert raised.value.retry_after == 36000
    assert len(api.requests) == 1 and clock.sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_a_4xx_is_not_retried(api: FakeApi, client, clock: FakeClock, status):
    api.on("POST", f"/v1/jobs/{J}/cancel", Answer(status, samples.error("x")))

    with pytest.raises(jobq.ApiError):
        client.cancel(J)

    assert len(api.requests) == 1 and clock.sleeps == []


def test_every_retry_of_one_submit_carries_the_same_idempotency_key(api: FakeApi, client):
    api.on("POST", "/v1/jobs", BUSY, Answer(error=httpx.ReadTimeout("slow")), Answer(201, samples.job()))

    client.submit("echo", {"n": 1})
    client.submit("echo", {"n": 1})

    keys = [request.headers["Idempotency-Key"] for request in api.requests]
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_a_resent_submit_waits_while_the_first_send_is_still_running(api: FakeApi, client, clock: FakeClock):
    running = Answer(
        409, samples.error("idempotency_conflict", "a request with this Idempotency-Key is still in progress")
    )
    api.on("POST", "/v1/jobs", Answer(error=httpx.ReadTimeout("slow")), running, Answer(201, samples.job()))

    job = client.submit("echo")

    assert job.id == J and len(api.requests) == 3 and clock.sleeps == [0.5, 1.0]


def test_an_idempotency_conflict_on_the_first_send_is_raised(api: FakeApi, client):
    api.on("POST", "/v1/jobs", Answer(409, samples.error("idempotency_conflict", "used with another body")))

    with pytest.raises(jobq.IdempotencyConflict):
        client.submit("echo", idempotency_key="reused")

    assert len(api.requests) == 1


def test_connection_failures_are_retried_then_raised_as_a_connection_error(api: FakeApi, client, clock):
    api.on("GET", f"/v1/jobs/{J}", Answer(error=httpx.ConnectError("refused")))

    with pytest.raises(jobq.ConnectionError) as raised:
        client.get(J)

    assert isinstance(raised.value, builtins.ConnectionError)
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert len(api.requests) == 4 and clock.sleeps == [0.5, 1.0, 2.0]


def test_a_connection_failure_then_an_answer_returns_the_answer(api: FakeApi, client):
    api.on("GET", f"/v1/jobs/{J}", Answer(error=httpx.ReadError("reset")), samples.job())

    assert client.get(J).id == J


def test_a_batch_is_not_resent_when_the_server_may_have_acted(api: FakeApi, client, clock: FakeClock):
    api.on("POST", "/v1/jobs/batch", BUSY)
    with pytest.raises(jobq.ServiceUnavailable):
        client.submit_batch([{"handler": "echo"}])

    api.answers.clear()
    api.on("POST", "/v1/jobs/batch", Answer(error=httpx.ReadError("connection lost after sending")))
    with pytest.raises(jobq.ConnectionError):
        client.submit_batch([{"handler": "echo"}])

    assert len(api.requests) == 2 and clock.sleeps == []


def test_a_batch_is_resent_after_a_429_or_a_connection_never_opened(api: FakeApi, client, clock: FakeClock):
    api.on(
        "POST",
        "/v1/jobs/batch",
        LIMITED,
        Answer(error=httpx.ConnectError("refused")),
        {"jobs": [samples.job()]},
    )

    jobs = client.submit_batch([{"handler": "echo"}])

    assert [job.id for job in jobs] == [J] and len(api.requests) == 3


def test_a_new_key_is_not_issued_twice_after_a_5xx(api: FakeApi, client):
    api.on("POST", "/v1/admin/tenants/acme/keys", Answer(500, samples.error("internal_error")))

    with pytest.raises(jobq.ServerError):
        client.create_key("acme")

    assert len(api.requests) == 1


def test_max_retries_zero_sends_once(api: FakeApi, client, clock: FakeClock):
    client.max_retries = 0
    api.on("GET", "/v1/queue", BUSY)

    with pytest.raises(jobq.ServiceUnavailable):
        client.queue()

    assert len(api.requests) == 1 and clock.sleeps == []


def test_retry_after_may_be_an_http_date():
    now = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
    response = httpx.Response(429, headers={"Retry-After": "Mon, 23 Nov 2026 08:00:30 GMT"})

    assert retry_after_seconds(response, now=lambda: now) == 30
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Response(429)) is None
