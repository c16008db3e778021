"""Performance, trends, usage, queue, health and the event feed, on in-memory ports: known jobs
give exact counts and p95s within the histogram's error."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from jobqueue.models.job import JobStatus
from jobqueue.testing.stream import FakeStream
from tests.support.fakes import ADMIN, api_ports, call
from tests.unit.activity.kit import get, run, submit

EXEC_MS = [100, 200, 300, 400, 500, 600, 700, 800, 900, 5000]


@pytest.fixture
def ports():
    return api_ports()


def workload(ports) -> None:
    """10 echo runs (known ms; the last two fail), 2 sleep runs, one cancelled job."""
    for i, ms in enumerate(EXEC_MS):
        job = submit(ports)
        if i < 8:
            run(ports, job["id"], JobStatus.COMPLETED, ms, wait_ms=10 * (i + 1))
        else:
            run(ports, job["id"], JobStatus.FAILED, ms, error="ValueError" if i == 8 else "Timeout")
    for _ in range(2):
        run(ports, submit(ports, handler="sleep", payload={"seconds": 0})["id"], JobStatus.COMPLETED, 50)
    cancelled = submit(ports)
    assert call(ports, "api_cancel_job", job_id=cancelled["id"]).status == 200
    assert FakeStream(ports).deliver() == []


def exact_p95(values: list[int]) -> int:
    return sorted(values)[math.ceil(0.95 * len(values)) - 1]


def test_performance_counts_rates_and_p95_of_a_handler(ports):
    workload(ports)

    body = get(ports, "api_get_performance", {"handler": "echo"}).body

    assert (body["handler"], body["type"], body["executions"]) == ("echo", None, 10)
    assert (body["completed"], body["failed"], body["timed_out"], body["cancelled"]) == (8, 2, 0, 1)
    assert body["success_rate"] == 0.8 and body["failure_rate"] == 0.2
    assert body["avg_execution_ms"] == sum(EXEC_MS) / 10
    assert abs(body["p95_execution_ms"] - exact_p95(EXEC_MS)) <= 0.05 * exact_p95(EXEC_MS)
    assert abs(body["p95_queue_wait_ms"] - 80) <= 0.05 * 80
    assert body["errors_by_type"] == {"ValueError": 1, "Timeout": 1}
    assert body["start"].endswith(":00:00.000Z") and body["end"].endswith(":00:00.000Z")


def test_performance_of_every_handler_and_of_one_type(ports):
    workload(ports)

    everything = get(ports, "api_get_performance").body
    immediate = get(ports, "api_get_performance", {"type": "immediate"}).body
    delayed = get(ports, "api_get_performance", {"type": "delayed"}).body

    assert everything["handler"] is None and everything["executions"] == 12 and everything["completed"] == 10
    assert everything["submitted"] == 13
    assert immediate["completed"] == 10 and delayed["executions"] == 0 and delayed["success_rate"] is None


def test_a_redelivered_stream_batch_counts_nothing_twice(ports):
    workload(ports)
    before = get(ports, "api_get_performance").body

    stream = FakeStream(ports)
    stream.delivered = 0  # the whole stream once more, as one batch that was delivered before
    assert stream.deliver() == []

    assert get(ports, "api_get_performance").body == before


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T09:00:00Z"},
        {"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"},
        {"start": "yesterday"},
        {"type": "weekly"},
    ],
)
def test_a_bad_performance_window_or_type_answers_422(ports, query):
    answer = get(ports, "api_get_performance", query)
    assert answer.status == 422 and answer.body["error"]["code"] == "validation_error"


def test_a_trend_has_every_bucket_of_its_period_with_zeros_where_nothing_ran(ports):
    workload(ports)

    hourly = get(ports, "api_get_trends", {"period": "P7D", "interval": "PT1H"}).body
    daily = get(ports, "api_get_trends", {"period": "P2D", "interval": "P1D"}).body

    assert (hourly["period"], hourly["interval"], len(hourly["buckets"])) == ("P7D", "PT1H", 168)
    last, empty = hourly["buckets"][-1], hourly["buckets"][0]
    assert (last["total"], last["completed"], last["failed"]) == (13, 10, 2)
    assert last["success_rate"] == pytest.approx(10 / 12, abs=1e-4)
    assert (empty["total"], empty["completed"], empty["success_rate"], empty["p95_execution_ms"]) == (
        0,
        0,
        None,
        None,
    )
    assert [b["end"] for b in hourly["buckets"][:-1]] == [b["start"] for b in hourly["buckets"][1:]]
    assert len(daily["buckets"]) == 2 and daily["buckets"][-1]["total"] == 13
    assert daily["buckets"][-1]["start"].endswith("T00:00:00.000Z")


@pytest.mark.parametrize(
    "query",
    [
        {"interval": "PT5M"},
        {"period": "P32D"},
        {"period": "PT5H", "interval": "PT6H"},
        {"period": "P1DT1H", "interval": "PT6H"},
        {"period": "7 days"},
    ],
)
def test_a_bad_trend_answers_422(ports, query):
    assert get(ports, "api_get_trends", query).status == 422


def test_the_usage_window_is_exact_from_the_tallies(ports):
    workload(ports)
    now = ports.clock.now()

    since = {"start": (now - timedelta(hours=2)).isoformat(), "end": (now + timedelta(minutes=1)).isoformat()}
    window = get(ports, "api_list_jobs", since, path="/v1/usage")

    body = window.body["window"]
    assert (body["total"], body["finished"]) == (13, 12)
    assert body["by_status"] == {"completed": 10, "failed": 2, "cancelled": 1}
    assert body["by_type"] == {"immediate": 13} and body["retried"] == 0
    assert (body["start"], body["end"]) == ("2026-03-02T07:00:00.000Z", "2026-03-02T10:00:00.000Z")


def test_the_queue_counts_due_jobs_by_priority_and_what_waits_for_its_time(ports):
    submit(ports, priority="critical")
    submit(ports, priority="low")
    later = submit(ports, delay_seconds=120)
    running = submit(ports)
    ports.jobs.transition("acme", running["id"], [JobStatus.QUEUED], {"status": JobStatus.PROCESSING})
    ports.clock.advance(seconds=30)

    before = get(ports, "api_get_queue").body
    ports.clock.advance(seconds=100)
    after = get(ports, "api_get_queue").body

    assert before["queued_by_priority"] == {"critical": 1, "urgent": 0, "high": 0, "normal": 0, "low": 1}
    assert (before["scheduled"], before["processing"], before["oldest_queued_age_ms"]) == (1, 1, 30_000)
    assert after["queued_by_priority"]["normal"] == 1 and after["scheduled"] == 0  # its time came
    assert "queues" not in before and later["status"] == "pending"


def test_an_admin_sees_the_sqs_queues_and_any_tenants_queue(ports):
    ports.queues.set("normal", visible=4, in_flight=1)
    ports.queues.set("dead_letter", visible=2)
    submit(ports)

    bare = get(ports, "api_get_queue", principal=ADMIN).body
    one = get(ports, "api_get_queue", {"tenant_id": "acme"}, principal=ADMIN).body

    assert [q["name"] for q in bare["queues"]] == ["critical", "high", "normal", "low", "dead_letter"]
    assert bare["queues"][2] == {
        "name": "normal",
        "visible": 4,
        "in_flight": 1,
        "delayed": 0,
        "oldest_message_age_seconds": None,
    }
    assert "queued" not in bare and one["queued"] == 1


def test_events_come_in_order_after_they_settle_and_a_cursor_reads_on(ports):
    first = submit(ports)
    run(ports, first["id"], JobStatus.COMPLETED, 5)
    FakeStream(ports).deliver()

    unsettled = get(ports, "api_list_events").body
    ports.clock.advance(seconds=5)
    page = get(ports, "api_list_events", {"limit": "2"}).body
    rest = get(ports, "api_list_events", {"after": page["next_cursor"]}).body
    idle = get(ports, "api_list_events", {"after": rest["next_cursor"]}).body

    assert unsettled["events"] == []
    assert [(e["status"], e["previous_status"]) for e in page["events"] + rest["events"]] == [
        ("queued", None),
        ("processing", "queued"),
        ("completed", "processing"),
    ]
    assert [e["id"] for e in page["events"]] == [f"{first['id']}:0", f"{first['id']}:1"]
    assert rest["events"][0]["attempt"] == 1 and idle == {"events": [], "next_cursor": rest["next_cursor"]}


def test_one_jobs_events_come_from_its_history(ports):
    job = submit(ports)
    run(ports, job["id"], JobStatus.FAILED, 5, error="ValueError")
    assert call(ports, "api_retry_job", job_id=job["id"]).status == 200

    body = get(ports, "api_list_events", {"job_id": job["id"]}).body
    more = get(ports, "api_list_events", {"job_id": job["id"], "after": body["next_cursor"]}).body

    assert [e["status"] for e in body["events"]] == ["queued", "processing", "failed", "queued"]
    assert [e["attempt"] for e in body["events"]] == [0, 1, 1, 1]
    assert more["events"] == []
    assert get(ports, "api_list_events", {"job_id": "01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"}).status == 404


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJrIjoiam9iIiwiaiI6IngiLCJpIjowfQ"])
def test_a_bad_events_cursor_answers_400(ports, cursor):
    answer = get(ports, "api_list_events", {"after": cursor})
    assert answer.status == 400 and answer.body["error"]["details"]["cursor"] in ("malformed", "mismatch")


def test_admin_stats_sum_the_tenants_and_name_the_busiest(ports):
    workload(ports)
    ports.queues.set("dead_letter", visible=3)

    body = get(ports, "api_admin_stats", principal=ADMIN).body

    assert (body["total_jobs_24h"], body["completed_24h"], body["failed_24h"]) == (13, 10, 2)
    assert body["active_tenants_24h"] == 1 and body["top_tenants"] == [{"tenant_id": "acme", "jobs_24h": 13}]
    assert body["dead_letter_depth"] == 3 and any("dead-letter" in w for w in body["warnings"])
    assert (
        get(
            ports,
            "api_admin_stats",
            principal={"role": "tenant", "tenant_id": "acme", "key_id": "k", "tier": 2},
        ).status
        == 403
    )
