"""The activity log's contract, on memory and on DynamoDB: tallies by hour, handler and minute,
the event feed in order, the system shards, and exactly-once recording of a batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobqueue.adapters.dynamodb.activity import DynamoActivityLog
from jobqueue.models.activity import ActivityEntry
from jobqueue.testing import FrozenClock
from jobqueue.testing.activity import InMemoryActivityLog

T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def log(request):
    clock = FrozenClock(T0 + timedelta(minutes=1))
    if request.param == "memory":
        return InMemoryActivityLog(clock)
    request.getfixturevalue("aws_env")
    return DynamoActivityLog(clock=clock)


def run(
    job_id: str,
    position: int,
    *,
    at: datetime = T0,
    handler: str = "echo",
    ok: bool = True,
    execution_ms: int = 120,
    wait_ms: int = 40,
    error: str = "ValueError",
    job_type: str = "immediate",
):
    """A job's three entries (created, started, finished) at consecutive positions."""
    end = "completed" if ok else "failed"
    common = {"tenant_id": "acme", "job_id": job_id, "handler": handler, "type": job_type}
    return [
        ActivityEntry(position, index=0, status="queued", previous_status=None, at=at, **common),
        ActivityEntry(
            position + 1,
            index=1,
            status="processing",
            previous_status="queued",
            at=at,
            attempt=1,
            wait_ms=wait_ms,
            **common,
        ),
        ActivityEntry(
            position + 2,
            index=2,
            status=end,
            previous_status="processing",
            at=at,
            attempt=1,
            execution_ms=execution_ms,
            error_type=None if ok else error,
            **common,
        ),
    ]


def test_tallies_add_up_by_hour_type_handler_and_minute(log) -> None:
    entries = [
        *run("a", 10),
        *run("b", 20, ok=False),
        *run("c", 30, handler="sleep", job_type="delayed"),
        *run("d", 40, at=T0 + timedelta(hours=1)),
    ]
    assert log.record("acme", "100", entries) == 12

    hours = log.hours("acme", T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=2))
    first = hours[T0.replace(minute=0)]
    assert set(first.by_type) == {"immediate", "delayed"} and set(first.by_handler) == {"echo", "sleep"}
    assert set(first.by_type) == {"immediate", "delayed"}
    assert first.by_type["immediate"]["submitted"] == 2 and first.by_type["immediate"]["completed"] == 1
    assert first.by_type["immediate"]["failed"] == 1 and dict(first.by_type["immediate"].errors) == {
        "ValueError": 1
    }
    assert (
        first.by_type["immediate"].execution.count == 2 and first.by_type["immediate"].execution.total == 240
    )
    assert first.by_type["immediate"].queue_wait.count == 2
    assert first.by_type["delayed"]["completed"] == 1
    assert hours[T0.replace(minute=0) + timedelta(hours=1)].by_type["immediate"]["completed"] == 1

    sleep = log.hours(
        "acme", T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=1), handler="sleep"
    )
    assert (
        list(sleep) == [T0.replace(minute=0)]
        and sleep[T0.replace(minute=0)].by_type["delayed"]["submitted"] == 1
    )
    assert (
        log.hours("acme", T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=1), handler="x") == {}
    )
    assert log.hours("other", T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=2)) == {}

    minutes = log.minutes("acme", T0, T0 + timedelta(minutes=1))
    assert list(minutes) == [T0] and minutes[T0]["completed"] == 2 and minutes[T0]["failed"] == 1


def test_a_batch_recorded_again_counts_once_and_adds_only_what_is_new(log) -> None:
    first = run("a", 10)
    assert log.record("acme", "10", first) == 3
    assert log.record("acme", "10", first) == 0  # the same batch redelivered
    more = [*first, *run("b", 20)]  # a retry from the same first record that read further
    assert log.record("acme", "10", more) == 3

    tally = log.hours("acme", T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=1))
    assert tally[T0.replace(minute=0)].by_type["immediate"]["submitted"] == 2
    events = [event["id"] for _, event in log.feed("acme", None, T0 + timedelta(hours=1), 100)]
    assert events[:6] == ["a:0", "a:1", "a:2", "b:0", "b:1", "b:2"]


def test_the_feed_reads_in_order_from_a_position_and_only_settled_pages(log) -> None:
    log.record("acme", "1", run("a", 1))
    log.clock.advance(seconds=1)
    log.record("acme", "4", run("b", 4))
    settled = log.clock.now() + timedelta(seconds=1)

    everything = log.feed("acme", None, settled, 100)
    assert [e["id"] for _, e in everything] == ["a:0", "a:1", "a:2", "b:0", "b:1", "b:2"]
    assert everything[1][1] == {
        "id": "a:1",
        "job_id": "a",
        "handler": "echo",
        "status": "processing",
        "previous_status": "queued",
        "at": "2026-03-02T09:15:00.000Z",
        "attempt": 1,
    }
    first_two = log.feed("acme", None, settled, 2)
    rest = log.feed("acme", first_two[-1][0], settled, 100)
    assert [e["id"] for _, e in first_two + rest] == [e["id"] for _, e in everything]
    assert log.feed("acme", everything[-1][0], settled, 100) == []
    # a page written at the horizon or later is not settled yet
    assert [e["id"] for _, e in log.feed("acme", None, log.clock.now(), 100)] == ["a:0", "a:1", "a:2"]


def test_the_system_shards_count_every_tenant_once(log) -> None:
    log.record("acme", "1", run("a", 1))
    log.record("globex", "1", [*run("g1", 1), *run("g2", 4, ok=False)])
    hour = T0.replace(minute=0)
    shards = log.system_hours(hour, hour + timedelta(hours=1))
    submitted: dict[str, int] = {}
    completed = failed = 0
    for shard in shards:
        for tenant, n in shard.submitted_by_tenant.items():
            submitted[tenant] = submitted.get(tenant, 0) + n
        completed += shard.counts.get("completed", 0)
        failed += shard.counts.get("failed", 0)
    assert submitted == {"acme": 1, "globex": 2} and (completed, failed) == (2, 1)
    assert {t for s in shards for t in s.activity_by_tenant} == {"acme", "globex"}


def test_a_batch_touching_more_than_a_transaction_holds_is_recorded_whole_and_once(log) -> None:
    # 120 jobs, one a minute: 120 minute tallies and 3 hours, more than one transaction's 100 items
    entries = [e for i in range(120) for e in run(f"j{i:03}", 10 * i, at=T0 + timedelta(minutes=i))]
    assert log.record("acme", "b", entries) == 360
    assert log.record("acme", "b", entries) == 0
    hours = log.hours("acme", T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=4))
    assert sum(h.total()["completed"] for h in hours.values()) == 120
    assert len(log.minutes("acme", T0, T0 + timedelta(hours=3))) == 120
    events = log.feed("acme", None, T0 + timedelta(days=1), 1000)
    assert len(events) == 360 and len({e["id"] for _, e in events}) == 360


def test_an_hour_keeps_each_handlers_counts_and_error_types(log) -> None:
    log.record(
        "acme", "1", [*run("a", 1), *run("b", 4, ok=False, error="Timeout"), *run("c", 7, handler="sleep")]
    )
    hour = T0.replace(minute=0)
    (tally,) = log.hours("acme", hour, hour + timedelta(hours=1)).values()
    echo = tally.by_handler["echo"]
    assert (echo["ended"], echo["completed"], echo["failed"], dict(echo.errors)) == (2, 1, 1, {"Timeout": 1})
    assert echo.execution.count == 0  # the handler's histograms are in its own handler-hour items
    assert tally.by_handler["sleep"]["completed"] == 1
