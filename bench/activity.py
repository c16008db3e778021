"""Reads of the activity tallies are O(buckets): a 7-day trend of a tenant with 100,000 jobs of
synthetic history, on DynamoDB (moto, in process); and the stream's writes per job for batches
of different sizes.

    .venv/bin/python -m bench.activity [--jobs 100000] [--days 7]

Prints one JSON document: items read and milliseconds of each read, and the transaction items
per job for batches of 1, 10 and 33 jobs (a full 100-record batch) of one tenant.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

TABLE = "bench-jobs"
TENANT = "bench"
HANDLERS = ("echo", "resize", "report")


def create_table() -> Any:
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)


def synthetic_entries(jobs: int, start: datetime, days: int, rng: random.Random) -> list[Any]:
    """Each job: created, started after a queue wait, completed (90 %) or failed, in time order."""
    from jobqueue.models.activity import ActivityEntry

    span = days * 86400
    entries = []
    for n in range(jobs):
        created = start + timedelta(seconds=span * n / jobs)
        wait = int(rng.lognormvariate(4, 1))  # ms
        run = int(rng.lognormvariate(5, 1.2))
        ok = rng.random() < 0.9
        common = {"tenant_id": TENANT, "job_id": f"j{n:07d}", "handler": HANDLERS[n % 3], "type": "immediate"}
        started = created + timedelta(milliseconds=wait)
        entries += [
            ActivityEntry(0, index=0, status="queued", previous_status=None, at=created, **common),
            ActivityEntry(
                0,
                index=1,
                status="processing",
                previous_status="queued",
                at=started,
                attempt=1,
                wait_ms=wait,
                **common,
            ),
            ActivityEntry(
                0,
                index=2,
                status="completed" if ok else "failed",
                previous_status="processing",
                at=started + timedelta(milliseconds=run),
                attempt=1,
                execution_ms=run,
                error_type=None if ok else "ValueError",
                **common,
            ),
        ]
    entries.sort(key=lambda e: e.at)
    return [e.__class__(**{**e.__dict__, "position": i + 1}) for i, e in enumerate(entries)]


class QueryCounter:
    """Items and pages returned by Query through the table's client."""

    def __init__(self, client: Any):
        self.items = self.pages = 0
        client.meta.events.register("after-call.dynamodb.Query", self._count)

    def _count(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += int(parsed.get("Count", 0))
        self.pages += 1

    def reset(self) -> None:
        self.items = self.pages = 0


def timed_read(counter: QueryCounter, read: Any, repeats: int = 5) -> dict[str, Any]:
    times = []
    for _ in range(repeats):
        counter.reset()
        began = time.perf_counter()
        read()
        times.append((time.perf_counter() - began) * 1000)
    return {
        "items_read": counter.items,
        "queries": counter.pages,
        "ms_median": round(statistics.median(times), 1),
        "ms_max": round(max(times), 1),
    }


def main() -> None:
    from local.moto_patches import install

    install()  # moto transactions without a deep copy of the table
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        JOBS_TABLE_NAME=TABLE,
    )
    from moto import mock_aws

    from jobqueue.activity import reports
    from jobqueue.activity.windows import trend_buckets, window
    from jobqueue.adapters.dynamodb.activity import DynamoActivityLog
    from jobqueue.testing import FrozenClock

    with mock_aws():
        table = create_table()
        end = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
        start = end - timedelta(days=args.days)
        clock = FrozenClock(end - timedelta(minutes=1))
        log = DynamoActivityLog(table=table, clock=clock)
        entries = synthetic_entries(args.jobs, start, args.days, random.Random(7))
        began = time.perf_counter()
        written = materialize(table, entries)
        write_seconds = time.perf_counter() - began

        counter = QueryCounter(table.meta.client)
        buckets = trend_buckets(f"P{args.days}D", "PT1H", clock.now())
        trend_answer: dict[str, Any] = {}

        def trend() -> None:
            hours = log.hours(TENANT, buckets[0].start, buckets[-1].end)
            trend_answer["buckets"] = reports.trend(hours, buckets)

        month = window(clock.now() - timedelta(days=30), None, clock.now())
        result = {
            "jobs": args.jobs,
            "entries": len(entries),
            "items_in_the_partition": written,
            "history_written_s": round(write_seconds, 1),
            "trend_P7D_PT1H": timed_read(counter, trend),
            "trend_P7D_P1D": timed_read(
                counter,
                lambda: reports.trend(
                    log.hours(TENANT, *_span(trend_buckets("P7D", "P1D", clock.now()))),
                    trend_buckets("P7D", "P1D", clock.now()),
                ),
            ),
            "performance_7d_one_handler": timed_read(
                counter, lambda: log.hours(TENANT, buckets[0].start, buckets[-1].end, handler="resize")
            ),
            "performance_31d": timed_read(counter, lambda: log.hours(TENANT, month.start, month.end)),
            "trend_total_jobs": sum(b["total"] for b in trend_answer["buckets"]),
            "trend_P7D_PT1H_our_code_ms": our_code_ms(log, buckets),
            "stream_items_per_job": batch_costs(),
            "stream_batch_on_moto": stream_batches(log, clock),
        }
    print(json.dumps(result, indent=2))


def materialize(table: Any, entries: list[Any]) -> int:
    """The tally items the stream function would have written for `entries` (folded in memory,
    flattened by the adapter's own code), and one item per job beside them in the partition:
    a range query must read the tallies only. Returns the number of items written."""
    from jobqueue.activity.fold import fold
    from jobqueue.adapters.dynamodb import keys
    from jobqueue.adapters.dynamodb.activity_items import TOTAL_GROUP, flatten, flatten_hour

    activity = fold(entries)
    pk = keys.tenant_pk(TENANT)
    items = [{"PK": pk, "SK": keys.hour_sk(h), **flatten_hour(t)} for h, t in activity.hours.items()]
    items += [
        {"PK": pk, "SK": keys.handler_hour_sk(name, h), **flatten_hour(t)}
        for (name, h), t in activity.handler_hours.items()
    ]
    items += [
        {"PK": pk, "SK": keys.minute_sk(m), **flatten(TOTAL_GROUP, t)} for m, t in activity.minutes.items()
    ]
    items += [
        {"PK": pk, "SK": keys.job_sk(job_id), "status": "completed"} for job_id in {e.job_id for e in entries}
    ]
    with table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    return len(items)


def stream_batches(log: Any, clock: Any) -> dict[str, Any]:
    """The real write path on the populated table: batches of 33 jobs (100 records) recorded."""
    times = []
    for n in range(5):
        at = clock.now() - timedelta(seconds=30 - n)
        entries = synthetic_entries(33, at, 0, random.Random(n))
        began = time.perf_counter()
        log.record(TENANT, f"s{n}", entries)
        times.append((time.perf_counter() - began) * 1000)
    return {
        "batches": len(times),
        "ms_median": round(statistics.median(times), 1),
        "ms_max": round(max(times), 1),
    }


def our_code_ms(log: Any, buckets: list[Any]) -> float:
    """The trend's time outside the database: the 168 items turned into tallies and buckets."""
    from boto3.dynamodb.conditions import Key

    from jobqueue.activity import reports
    from jobqueue.adapters.dynamodb import keys
    from jobqueue.adapters.dynamodb.activity_items import unflatten_hour

    low, high = keys.hour_sk(buckets[0].start), keys.hour_sk(buckets[-1].end - timedelta(hours=1))
    condition = Key("PK").eq(keys.tenant_pk(TENANT)) & Key("SK").between(low, high)
    items = log.table.query(KeyConditionExpression=condition)["Items"]
    times = []
    for _ in range(5):
        began = time.perf_counter()
        hours = {keys.hour_sk(b.start): unflatten_hour(i) for b, i in zip(buckets, items, strict=False)}
        reports.trend(
            {b.start: hours[keys.hour_sk(b.start)] for b in buckets if keys.hour_sk(b.start) in hours},
            buckets,
        )
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


def _span(buckets: list[Any]) -> tuple[datetime, datetime]:
    return buckets[0].start, buckets[-1].end


def batch_costs() -> dict[str, float]:
    """Transaction items per job when a batch holds k jobs of one tenant (3 records each)."""
    from jobqueue.adapters.dynamodb.activity import _chunks, _items_needed

    out = {}
    at = datetime(2026, 3, 9, 12, 0, 30, tzinfo=UTC)
    for k in (1, 10, 33):
        entries = [e for e in synthetic_entries(k, at, 0, random.Random(1)) if True]
        # spread over the same minute, as a busy tenant's batch is
        items = sum(_items_needed(chunk) for chunk in _chunks(entries))
        out[f"{k}_jobs"] = round(items / k, 2)
    return out


if __name__ == "__main__":
    main()
