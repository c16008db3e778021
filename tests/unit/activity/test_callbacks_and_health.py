"""A finished job's callback goes through the queue, signed, and its outcome shows on the job;
the health score and its recommendations follow the named signals."""

from __future__ import annotations

import json

import pytest

from jobqueue.handlers.webhook import sign
from jobqueue.models.job import JobStatus
from jobqueue.models.tenant import Tenant
from jobqueue.testing.stream import FakeStream
from jobqueue.tiers import LimitOverrides
from tests.support.fakes import api_ports, call, deliver
from tests.unit.activity.kit import get, run, submit

HOOK = "https://hooks.example.com/done"


@pytest.fixture
def ports():
    return api_ports()


def test_a_finished_job_is_posted_to_its_callback_url_and_the_outcome_shows_on_it(ports):
    job = submit(ports, callback_url=HOOK)
    deliver(ports)  # the job runs
    FakeStream(ports).drain()  # the stream queues the callback job
    assert len(ports.queue.sent) == 1  # the callback's delivery job
    deliver(ports)  # the callback job runs
    FakeStream(ports).drain()  # the stream writes the outcome on the job

    (request,) = ports.web.requests
    posted = json.loads(request["body"])
    assert request["url"] == HOOK and posted["id"] == job["id"] and posted["status"] == "completed"
    secret = ports.tenants.get("acme").signing_secret
    assert request["headers"]["X-Jobqueue-Signature"] == sign(request["body"], secret)
    shown = call(ports, "api_get_job", job_id=job["id"]).body
    assert shown["callback"]["status"] == "delivered" and shown["callback"]["attempts"] == 1
    assert shown["callback"]["status_code"] == 200
    delivery = call(ports, "api_get_job", job_id=f"{job['id']}-cb2").body
    assert delivery["handler"] == "callback" and delivery["status"] == "completed"


def test_a_callback_is_queued_once_however_often_the_stream_delivers(ports):
    submit(ports, callback_url=HOOK)
    deliver(ports)
    stream = FakeStream(ports)
    stream.deliver()
    stream.delivered = 0
    stream.deliver()  # the same records again

    assert len(ports.queue.sent) == 1
    assert ports.counters.usage("acme", ports.clock.now()).waiting == 1  # its one waiting place


def test_a_callback_that_keeps_failing_is_retried_then_shown_failed(ports):
    ports.web.answer = lambda url, body, headers: (503, b"down")
    job = submit(ports, callback_url=HOOK)
    deliver(ports)
    FakeStream(ports).drain()
    for _ in range(12):  # every retry of the delivery, its backoff waited out
        if not ports.queue.sent:
            break
        ports.clock.advance(minutes=15)
        deliver(ports)
    FakeStream(ports).drain()

    shown = call(ports, "api_get_job", job_id=job["id"]).body
    assert shown["callback"]["status"] == "failed" and shown["callback"]["attempts"] == 9
    assert "503" in shown["callback"]["error"]
    assert len(ports.web.requests) == 9


def test_a_healthy_tenant_scores_100_without_recommendations(ports):
    for _ in range(5):
        run(ports, submit(ports)["id"], JobStatus.COMPLETED, 10)
    FakeStream(ports).drain()

    body = get(ports, "api_get_health").body

    assert (body["health_score"], body["health_status"], body["recommendations"]) == (100, "healthy", [])
    assert body["success_rate"] == 1.0 and body["queue_length"] == 0
    assert set(body["signals"]) == {
        "failure_rate",
        "timeout_rate",
        "backlog",
        "oldest_queued_age_ms",
        "slot_saturation",
        "daily_quota",
    }


def test_failing_timeouts_and_a_full_backlog_lower_the_score_with_named_advice(ports):
    ports.tenants.put(
        Tenant(
            tenant_id="acme",
            name="Acme",
            tier=4,
            overrides=LimitOverrides(max_queued_jobs=4, allowed_job_types=["custom_processing"]),
        )
    )
    for i in range(10):
        run(
            ports,
            submit(ports)["id"],
            JobStatus.TIMED_OUT if i < 6 else JobStatus.COMPLETED,
            900,
            error="Timeout",
        )
    for _ in range(4):
        submit(ports)
    FakeStream(ports).drain()
    ports.clock.advance(minutes=20)  # the waiting jobs are now 20 minutes old

    body = get(ports, "api_get_health").body

    signals = body["signals"]
    assert signals["failure_rate"]["value"] == 0.6 and signals["failure_rate"]["penalty"] == 35
    assert signals["backlog"]["value"] == 1.0 and signals["oldest_queued_age_ms"]["value"] == 1_200_000
    assert body["health_score"] == 100 - 35 - 10 - 20 - 15 and body["health_status"] == "critical"
    assert body["queue_length"] == 4 and body["oldest_queued_age_ms"] == 1_200_000
    advice = {r["signal"]: r["message"] for r in body["recommendations"]}
    assert advice["timeout_rate"].startswith("check handler echo: 60% of its runs fail with Timeout")
    assert (
        "raise max_queued_jobs" in advice["backlog"]
        and "raise max_concurrent_jobs" in advice["oldest_queued_age_ms"]
    )
