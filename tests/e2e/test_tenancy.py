"""Tenancy over the local stack (HTTP -> api -> DynamoDB/SQS -> worker): the 429 answers,
isolation between tenants, the concurrency limit at execution, and a flood by one tenant while
another tenant's jobs still start promptly (the measured numbers are in docs/performance.md:
run with `-s` to see them)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import Api, wait_for

pytestmark = pytest.mark.e2e

FLOOD_JOBS = 150
FLOOD_SLOTS = 5
OTHER_JOBS = 5
START_LATENCY_LIMIT_SECONDS = 15  # measured 5.9-11.3 s max; see docs/performance.md


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_queued_limit_answers_429_with_its_details(new_tenant: Callable[..., Api]) -> None:
    tenant = new_tenant(max_queued_jobs=2)
    for _ in range(2):
        tenant.submit({"handler": "echo", "delay_seconds": 600})  # stays queued

    refused = tenant.call("POST", "/v1/jobs", json={"handler": "echo"})

    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "tenant_limit_exceeded"
    assert error["details"] == {"limit_type": "max_queued_jobs", "current": 2, "limit": 2}
    usage = tenant.call("GET", "/v1/usage").json()
    assert usage["queued"] == 2 and "max_queued_jobs: 2 of 2 used (100%)" in usage["warnings"]


def test_the_daily_limit_answers_429_with_retry_after(new_tenant: Callable[..., Api]) -> None:
    tenant = new_tenant(max_daily_jobs=2)
    batch = tenant.call("POST", "/v1/jobs/batch", json={"jobs": [{"handler": "echo"}, {"handler": "echo"}]})
    assert batch.status_code == 201, batch.text

    refused = tenant.call("POST", "/v1/jobs", json={"handler": "echo"})

    assert refused.status_code == 429
    assert refused.json()["error"]["details"] == {"limit_type": "max_daily_jobs", "current": 2, "limit": 2}
    now = datetime.now(UTC)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    assert abs(int(refused.headers["Retry-After"]) - (midnight - now).total_seconds()) <= 10


def test_another_tenants_job_is_a_404_on_every_route(new_tenant: Callable[..., Api]) -> None:
    owner, stranger = new_tenant(), new_tenant()
    job = owner.submit({"handler": "echo", "delay_seconds": 600})

    answers = {
        "GET": stranger.call("GET", f"/v1/jobs/{job['id']}"),
        "cancel": stranger.call("POST", f"/v1/jobs/{job['id']}/cancel"),
        "retry": stranger.call("POST", f"/v1/jobs/{job['id']}/retry"),
        "PATCH": stranger.call("PATCH", f"/v1/jobs/{job['id']}", json={"enabled": False}),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    assert all(r.json()["error"]["code"] == "not_found" for r in answers.values())
    assert owner.job(job["id"])["status"] == "pending"  # untouched (due in 10 minutes)
    assert stranger.call("GET", "/v1/jobs").json()["jobs"] == []


def test_the_concurrency_peak_never_passes_the_limit(new_tenant: Callable[..., Api]) -> None:
    tenant = new_tenant(max_concurrent_jobs=2)
    jobs = []
    for _ in range(8):
        # One by one: a worker runs the records of one SQS batch one after the other, so only
        # jobs received in different batches (concurrent invocations) can run at the same time.
        # Each job is submitted once the worker has taken the one before (running, or deferred
        # for a slot).
        job = tenant.submit({"handler": "sleep", "payload": {"seconds": 2}})
        wait_for(
            lambda job=job: tenant.job(job["id"]),
            lambda j: j["status"] != "queued" or j.get("status_reason") == "waiting for a concurrency slot",
            timeout=30,
            what="the worker to take the job",
        )
        jobs.append(job)
    samples = []

    def all_done() -> list[dict]:
        samples.append(tenant.call("GET", "/v1/usage").json()["running"])
        return [tenant.job(j["id"]) for j in jobs]

    done = wait_for(
        all_done, lambda js: all(j["status"] == "completed" for j in js), timeout=180, what="8 sleep jobs"
    )

    events = sorted(
        [(_t(j["started_at"]), 1) for j in done] + [(_t(j["completed_at"]), -1) for j in done],
        key=lambda e: (e[0], e[1]),  # an end before a start at the same instant
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    print(f"\nconcurrency: peak {peak} (limit 2) from job intervals, max sampled running {max(samples)}")
    assert peak <= 2 and max(samples) <= 2
    assert peak == 2  # the limit is used, not just respected
    assert all(j["attempts"] == 1 for j in done)  # waiting for a slot used no retries


@pytest.mark.timing
def test_a_flood_by_one_tenant_does_not_hold_up_another(new_tenant: Callable[..., Api]) -> None:
    flooder = new_tenant(max_concurrent_jobs=FLOOD_SLOTS, max_queued_jobs=FLOOD_JOBS + 10)
    other = new_tenant()
    sleep = {"handler": "sleep", "payload": {"seconds": 1}}
    flood_ids = []
    for size in (100, FLOOD_JOBS - 100):
        response = flooder.call("POST", "/v1/jobs/batch", json={"jobs": [sleep] * size})
        assert response.status_code == 201, response.text
        flood_ids += [j["id"] for j in response.json()["jobs"]]
    # The flood is being received: its slots are taken (the rest is deferred).
    wait_for(
        lambda: flooder.call("GET", "/v1/usage").json()["running"],
        lambda running: running >= FLOOD_SLOTS,
        timeout=60,
        what="the flood to take its slots",
    )

    try:
        mine = [other.submit({"handler": "echo", "payload": {"i": i}}) for i in range(OTHER_JOBS)]
        done = [other.wait_status(j["id"], "completed", timeout=60) for j in mine]
        latencies = [(_t(j["started_at"]) - _t(j["created_at"])).total_seconds() for j in done]
        flood_usage = flooder.call("GET", "/v1/usage").json()
        print(
            f"\nflood of {FLOOD_JOBS} jobs ({FLOOD_SLOTS} slots, {flood_usage['queued']} still waiting): "
            f"another tenant's {OTHER_JOBS} jobs started after median {statistics.median(latencies):.2f} s, "
            f"max {max(latencies):.2f} s"
        )
        assert flood_usage["running"] <= FLOOD_SLOTS
        assert max(latencies) < START_LATENCY_LIMIT_SECONDS
    finally:
        for job_id in flood_ids:  # leave no backlog behind for the other tests
            flooder.call("POST", f"/v1/jobs/{job_id}/cancel")
