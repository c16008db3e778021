"""The cost model's per-job AWS calls (bench/cost/model.json) are the measured ones.

A job submitted alone and 100 jobs in one batch go through the real api, worker and stream
handlers on moto (caches warm, the stream fed only job records as its FilterCriteria does,
in batches of 100 as its BatchSize), and an idle sweeper tick runs: their calls by function and
operation, invocations, items written, index writes, events and item sizes must be the model's.
A change that adds or removes one fails here: update bench/cost/model.json, then `make cost`
and docs/cost.md.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer

from bench.cost.inputs import MODEL, load_json
from jobqueue.adapters import aws
from jobqueue.bands import band_for
from jobqueue.settings import get_settings
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import ALL_CATEGORIES, principal, put_tenant
from tests.integration.worker.kit import ScriptedContext, count_aws_calls, receive_event
from tests.support.events import FakeLambdaContext
from tests.support.stream import TableStream

UPDATE = "update bench/cost/model.json to the measured numbers (then `make cost`, docs/cost.md)"
SERVICES = ("sqs", "events", "scheduler")
STREAM_BATCH_SIZE = 100  # the stream function's BatchSize (template.yaml)
_IMAGE = TypeDeserializer()


@pytest.fixture
def model() -> dict[str, Any]:
    return load_json(MODEL)


@pytest.fixture
def stack(api):
    """The api fixture plus an event bus (the stream publishes for real, on moto), and the
    worker's records one after the other (moto in one process: counts that do not race)."""
    boto3.client("events").create_event_bus(Name="jobqueue-test-bus")
    os.environ.update(EVENT_BUS_NAME="jobqueue-test-bus", WORKER_RECORD_CONCURRENCY="1")
    get_settings.cache_clear()
    return api


class Measure:
    """Calls by function and operation, invocations, items written and events published."""

    def __init__(self) -> None:
        self.calls: dict[str, Counter] = {}
        self.invocations: Counter = Counter()
        self.items: dict[str, Counter] = {}
        self.events = 0

    @contextmanager
    def run(self, function: str, tenant: str) -> Iterator[None]:
        tenants = default_ports().tenants  # the profile cached afresh, as in a busy container
        tenants.forget(tenant)
        tenants.get(tenant)
        client = aws.table(get_settings().table_name).meta.client
        items = self.items.setdefault(function, Counter())

        def count_items(params: dict[str, Any], model: Any, **_: Any) -> None:
            name = f"dynamodb:{model.name}"
            if model.name == "TransactWriteItems":
                items[name] += len(params["TransactItems"])
            elif model.name == "BatchWriteItem":
                items[name] += sum(len(requests) for requests in params["RequestItems"].values())
            elif model.name == "BatchGetItem":
                items[name] += sum(len(request["Keys"]) for request in params["RequestItems"].values())
            elif model.name in ("PutItem", "UpdateItem", "DeleteItem", "GetItem"):
                items[name] += 1

        def count_events(params: dict[str, Any], **_: Any) -> None:
            self.events += len(params["Entries"])

        events = aws.client("events")
        client.meta.events.register("provide-client-params.dynamodb.*", count_items)
        events.meta.events.register("provide-client-params.events.PutEvents", count_events)
        try:
            with count_aws_calls(*SERVICES) as log:
                yield
        finally:
            client.meta.events.unregister("provide-client-params.dynamodb.*", count_items)
            events.meta.events.unregister("provide-client-params.events.PutEvents", count_events)
        self.invocations[function] += 1
        calls = self.calls.setdefault(function, Counter())
        calls.update({f"{service}:{op}": n for (service, op), n in log.calls.items()})


def _job_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["dynamodb"]["Keys"]["SK"]["S"].startswith("JOB#")]


def _run_jobs(api, measure: Measure, tenant: str, jobs: int) -> None:
    """Submit `jobs` echo jobs (one request, or one batch) and run them through the worker."""
    import worker_app

    with measure.run("api", tenant):
        if jobs == 1:
            response = api.submit(principal=principal(tenant, 4))
            ids = [response.body["id"]]
        else:
            body = {"jobs": [{"handler": "echo", "payload": {"n": i}} for i in range(jobs)]}
            response = api.call("api_submit_batch", body=body, principal=principal(tenant, 4))
            ids = [job["id"] for job in response.body["jobs"]]
    assert response.status == 201, response.body
    job = default_ports().jobs.get(tenant, ids[0])
    url = api.aws.queue_urls[band_for(job.priority, job.tier)]
    while (event := receive_event(url))["Records"]:
        with measure.run("worker", tenant):
            assert worker_app.lambda_handler(event, ScriptedContext()) == {"batchItemFailures": []}


def _run_stream(measure: Measure, tenant: str, records: list[dict[str, Any]]) -> None:
    import stream_app

    for start in range(0, len(records), STREAM_BATCH_SIZE):
        batch = {"Records": records[start : start + STREAM_BATCH_SIZE]}
        with measure.run("stream", tenant):
            assert stream_app.lambda_handler(batch, FakeLambdaContext()) == {"batchItemFailures": []}


def _measure(api, tenant: str, jobs: int) -> tuple[Measure, list[dict[str, Any]]]:
    """One warm-up job, then `jobs` jobs end to end; the measure and their job records."""
    put_tenant(tenant, 4, ALL_CATEGORIES)
    stream = TableStream(aws.table(get_settings().table_name))
    _run_jobs(api, Measure(), tenant, 1)  # warms the functions' caches and clients
    stream.batch()  # the warm-up job's records are not measured
    measure = Measure()
    _run_jobs(api, measure, tenant, jobs)
    records = _job_records(stream.batch()["Records"])
    _run_stream(measure, tenant, records)
    return measure, records


def _per(model_counts: dict[str, float], jobs: int) -> dict[str, float]:
    return {op: round(n * jobs, 6) for op, n in model_counts.items() if n}


def _value_bytes(value: Any) -> int:
    """DynamoDB's size of an attribute value (docs: item sizes and formats)."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | Decimal):
        digits = str(abs(value)).replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, list):
        return 3 + sum(1 + _value_bytes(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in value.items())
    if isinstance(value, set):
        return sum(_value_bytes(v) for v in value)
    raise TypeError(type(value))


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _image(record: dict[str, Any], which: str) -> dict[str, Any]:
    return {k: _IMAGE.deserialize(v) for k, v in record["dynamodb"].get(which, {}).items()}


@dataclass(frozen=True)
class Index:
    """A global secondary index as the table describes it: its keys and what it projects."""

    keys: tuple[str, ...]
    projected: frozenset[str] | None  # None: ALL

    def entry(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """The item's entry in the index (None: not in it, a key attribute missing)."""
        if not all(k in item for k in self.keys):
            return None
        if self.projected is None:
            return dict(item)
        return {k: v for k, v in item.items() if k in self.projected or k in TABLE_KEYS or k in self.keys}


TABLE_KEYS = ("PK", "SK")
# A job's attributes as large as its submitter and handler make them.
SIZED_BY_THE_JOB = frozenset({"payload", "last_result", "metadata", "history", "depends_on", "callback"})


def table_indexes() -> list[Index]:
    described = aws.table(get_settings().table_name).meta.client.describe_table(
        TableName=get_settings().table_name
    )["Table"]
    found = []
    for index in described["GlobalSecondaryIndexes"]:
        projection = index["Projection"]
        kind = projection["ProjectionType"]
        projected = None if kind == "ALL" else frozenset(projection.get("NonKeyAttributes", []))
        found.append(Index(tuple(k["AttributeName"] for k in index["KeySchema"]), projected))
    return found


def index_writes(old: dict[str, Any], new: dict[str, Any], indexes: list[Index]) -> tuple[int, int]:
    """Writes to the table's global secondary indexes of one item write, and the largest entry
    written (bytes): a put into an index, a delete from it, both when its key changes, one
    update when only projected attributes change, none when nothing projected changes."""
    writes = largest = 0
    for index in indexes:
        before, after = index.entry(old), index.entry(new)
        if before is not None and after is not None:
            if any(before.get(k) != after.get(k) for k in index.keys):
                writes += 2
            elif before != after:
                writes += 1
            else:
                continue
        elif before is not None or after is not None:
            writes += 1
        else:
            continue
        largest = max(largest, *(item_bytes(e) for e in (before, after) if e is not None))
    return writes, largest


def _sizes(tenant: str, records: list[dict[str, Any]], page_kind: str) -> dict[str, int]:
    """The largest item of each kind: job items (from their records), counters, activity items
    and feed pages (from the table)."""
    sizes: Counter = Counter()
    for record in records:
        sizes["job"] = max(
            sizes["job"], item_bytes(_image(record, "OldImage")), item_bytes(_image(record, "NewImage"))
        )
    table = aws.table(get_settings().table_name)
    for item in table.query(KeyConditionExpression=Key("PK").eq(f"T#{tenant}"))["Items"]:
        sk = item["SK"]
        kind = "job" if sk.startswith("JOB#") else "counter" if sk.startswith(("COUNTER", "DAILY#")) else None
        kind = kind or (page_kind if sk.startswith("EVT#") else "activity")
        sizes[kind] = max(sizes[kind], item_bytes(item))
    return dict(sizes)


TRANSACTION = "dynamodb:TransactWriteItems"


def _check_calls(scenario: dict[str, Any], measure: Measure, jobs: int) -> None:
    """Calls by operation and invocations of every function that ran (the authorizer's answers
    are cached by API Gateway: it does not run)."""
    assert set(scenario["functions"]) - set(measure.calls) == {"authorizer"}
    for fn, calls in measure.calls.items():
        f = scenario["functions"][fn]
        assert dict(calls) == _per(f["calls_per_job"], jobs), f"{fn} calls: {UPDATE}"
        assert measure.invocations[fn] == round(f["invocations_per_job"] * jobs, 6), (
            f"{fn} invocations: {UPDATE}"
        )


def _check_items(scenario: dict[str, Any], measure: Measure, jobs: int) -> None:
    """Items written or read by function and operation; a stream batch's transaction may have
    one more item per minute or hour boundary its jobs cross."""
    expected: dict[str, Counter] = {}
    for entry in scenario["dynamodb_writes_per_job"] + scenario["dynamodb_reads_per_job"]:
        expected.setdefault(entry["function"], Counter())[entry["op"]] += entry["items"] * jobs
    for fn, ops in expected.items():
        measured = {op: n for op, n in measure.items[fn].items() if op != TRANSACTION}
        assert measured == {op: round(n, 6) for op, n in ops.items() if op != TRANSACTION}, (
            f"{fn} items: {UPDATE}"
        )
    items, model_items = measure.items["stream"][TRANSACTION], round(expected["stream"][TRANSACTION])
    boundaries = 2 * measure.calls["stream"][TRANSACTION]
    assert model_items <= items <= model_items + boundaries, f"{items} transaction items: {UPDATE}"


def _check_index_writes(
    model: dict[str, Any], scenario: dict[str, Any], records: list[dict[str, Any]], jobs: int
) -> None:
    """Index writes of the job items: the api's puts (INSERT records), the worker's updates;
    each is billed by the size of the index entry (its projected attributes), which the model's
    `index_item` of the write bounds."""
    indexes = table_indexes()
    measured: Counter = Counter()
    largest = 0
    for record in records:
        writer = "api" if record["eventName"] == "INSERT" else "worker"
        writes, size = index_writes(_image(record, "OldImage"), _image(record, "NewImage"), indexes)
        measured[writer] += writes
        largest = max(largest, size)
    expected: Counter = Counter()
    for write in scenario["dynamodb_writes_per_job"]:
        expected[write["function"]] += write.get("gsi_writes", 0) * jobs
        if write.get("gsi_writes"):
            bound = model["item_kb"][write.get("index_item", write["item"])] * 1024
            assert largest <= bound, f"an index entry of {largest} bytes: {UPDATE} (item_kb)"
        if write.get("index_item", write["item"]) != write["item"]:
            # An entry smaller than the item whatever the job's payload and result: no index
            # projects them (else the model's index writes are at the item's size).
            for index in indexes:
                assert index.projected is not None and not index.projected & SIZED_BY_THE_JOB, (
                    f"an index projects the job's free-form attributes: {UPDATE} (index_item)"
                )
    print(f"index writes {dict(measured)}, largest index entry {largest} bytes")
    assert measured == +expected, f"index writes {dict(measured)}: {UPDATE}"


def _check(
    model: dict[str, Any], name: str, measure: Measure, records: list[dict[str, Any]], jobs: int
) -> None:
    scenario = model["scenarios"][name]
    print(f"\n{name}, {jobs} job(s): calls {measure.calls}, items {measure.items}, events {measure.events}")
    _check_calls(scenario, measure, jobs)
    _check_items(scenario, measure, jobs)
    _check_index_writes(model, scenario, records, jobs)
    assert measure.events == round(scenario["eventbridge_events_per_job"] * jobs), f"events: {UPDATE}"


def _check_sizes(model: dict[str, Any], name: str, tenant: str, records: list[dict[str, Any]]) -> None:
    kinds = {w["item"] for w in model["scenarios"][name]["dynamodb_writes_per_job"]}
    page_kind = "feed_page_100_records" if "feed_page_100_records" in kinds else "activity"
    sizes = _sizes(tenant, records, page_kind)
    print(f"largest items (bytes): {sizes}")
    for kind, size in sizes.items():
        assert size <= model["item_kb"][kind] * 1024, f"a {kind} item of {size} bytes: {UPDATE} (item_kb)"


def test_a_job_submitted_alone_makes_the_calls_writes_and_events_of_the_model(stack, model):
    measure, records = _measure(stack, "solo", 1)

    _check(model, "single", measure, records, 1)
    _check_sizes(model, "single", "solo", records)


def test_a_batch_of_100_makes_the_calls_writes_and_events_of_the_model(stack, model):
    measure, records = _measure(stack, "bulk", 100)

    _check(model, "batch100", measure, records, 100)
    _check_sizes(model, "batch100", "bulk", records)


def test_an_idle_sweeper_tick_makes_the_calls_of_the_model(stack, model):
    import sweeper_app

    sweeper_app.lambda_handler({}, FakeLambdaContext())  # the first tick reconciles the tenants
    with count_aws_calls(*SERVICES) as log:
        sweeper_app.lambda_handler({}, FakeLambdaContext())

    calls = {f"{service}:{op}": n for (service, op), n in log.calls.items()}
    assert calls == model["fixed"]["sweeper"]["calls_per_tick"], f"sweeper calls: {UPDATE}"
