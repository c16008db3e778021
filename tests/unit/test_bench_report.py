"""The pure parts of `make bench` (bench/stack/report.py, the recording's parsing, the polling
filter): percentiles and summaries, ratios and rates, per-job division, function durations,
DynamoDB item sizes and write units, the targets, how a recorded moto request becomes (service,
operation), and which recorded calls are the bench's own polling."""

from __future__ import annotations

import base64
import json

import pytest

from bench.stack.recording import Call, parse_entry, write_unit_totals, writes
from bench.stack.report import (
    duration_figures,
    duration_lines,
    function_durations,
    human_summary,
    item_size,
    per_job,
    percentile,
    rate,
    ratio,
    summary,
    verdicts,
    write_units,
)
from bench.stack.throughput import BenchPolls


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 21))  # 1..20
    assert percentile(values, 0.95) == 19
    assert percentile(values, 0.5) == 10
    assert percentile(values, 1.0) == 20
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([3, 1, 2], 0.0) == 1
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_summary_of_a_few_values() -> None:
    assert summary([30.0, 10.0, 20.0, 40.0]) == {"n": 4, "min": 10.0, "p50": 25.0, "p95": 40.0, "max": 40.0}
    assert summary([1.234, 5.678], digits=2) == {"n": 2, "min": 1.23, "p50": 3.46, "p95": 5.68, "max": 5.68}
    assert summary([]) == {}
    assert summary(iter([2.0])) == {"n": 1, "min": 2.0, "p50": 2.0, "p95": 2.0, "max": 2.0}


def test_ratio_and_rate() -> None:
    assert ratio(6.0, 12.0) == 0.5
    assert ratio(10.0, 3.0) == 3.33
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 2.0) is None
    assert ratio(2.0, None) is None
    assert rate(300, 12.0) == 25.0
    assert rate(1, 0.0) is None


def test_per_job_divides_each_count_and_sorts_the_keys() -> None:
    counts = {"sqs.SendMessageBatch": 3, "dynamodb.UpdateItem": 1203}
    assert per_job(counts, 300) == {"dynamodb.UpdateItem": 4.01, "sqs.SendMessageBatch": 0.01}
    assert list(per_job(counts, 300)) == ["dynamodb.UpdateItem", "sqs.SendMessageBatch"]
    assert per_job(counts, 0) == {}


def test_item_size_follows_dynamodbs_rules() -> None:
    assert item_size({"PK": {"S": "T#a"}}) == 2 + 3
    assert item_size({"n": {"N": "12345"}}) == 1 + 3 + 1  # 5 significant digits: 3 bytes + 1
    assert item_size({"n": {"N": "100"}}) == 1 + 1 + 1  # trailing zeros do not count
    assert item_size({"ok": {"BOOL": True}, "x": {"NULL": True}}) == 2 + 1 + 1 + 1
    assert item_size({"b": {"B": base64.b64encode(b"abcd").decode()}}) == 1 + 4
    # a list: 3 + per element 1 + its size; a map: 3 + per entry 1 + name + value
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"s": {"SS": ["a", "bc"]}}) == 1 + 3
    assert item_size({"é": {"S": "é"}}) == 2 + 2  # UTF-8 bytes


def test_write_units_per_started_kb_twice_in_a_transaction() -> None:
    assert write_units(0) == 1
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(570, transactional=True) == 2
    assert write_units(2500, transactional=True) == 6


def _signed(service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/{service}/aws4_request, SignedHeaders=host"
    )


def test_a_recorded_request_becomes_service_and_operation() -> None:
    put = {"TableName": "t", "Item": {"PK": {"S": "a"}}}
    json_entry = {
        "headers": {"Authorization": _signed("dynamodb"), "X-Amz-Target": "DynamoDB_20120810.PutItem"},
        "method": "POST",
        "url": "http://127.0.0.1:5000/",
        "body": json.dumps(put),
        "body_encoded": False,
    }
    assert parse_entry(json_entry) == Call("dynamodb", "PutItem", put)
    streams = {
        **json_entry,
        "headers": {**json_entry["headers"], "X-Amz-Target": "DynamoDBStreams_20120810.GetRecords"},
    }
    assert parse_entry(streams).key == "dynamodbstreams.GetRecords"
    encoded = {
        **json_entry,
        "body": base64.b64encode(json.dumps(put).encode()).decode(),
        "body_encoded": True,
    }
    assert parse_entry(encoded).body == put
    cbor = {
        "headers": {"Authorization": _signed("monitoring")},
        "method": "POST",
        "url": "http://127.0.0.1:5000/service/GraniteServiceVersion20100801/operation/PutMetricData",
        "body": "",
    }
    assert parse_entry(cbor).key == "cloudwatch.PutMetricData"
    query = {
        "headers": {"Authorization": _signed("sqs")},
        "method": "POST",
        "url": "/",
        "body": "Action=SendMessage&X=1",
    }
    assert parse_entry(query).key == "sqs.SendMessage"
    rest = {
        "headers": {"Authorization": _signed("scheduler")},
        "method": "GET",
        "url": "http://h:1/schedules?x=1",
    }
    assert parse_entry(rest) == Call("scheduler", "GET /schedules", None)


def test_write_units_of_recorded_writes() -> None:
    big = {"PK": {"S": "T#a"}, "SK": {"S": "JOB#1"}, "pad": {"S": "x" * 1500}}
    calls = [
        Call("dynamodb", "PutItem", {"TableName": "t", "Item": big}),  # 2 units
        Call("dynamodb", "UpdateItem", {"TableName": "t", "Key": {"PK": {"S": "T#a"}, "SK": {"S": "C"}}}),
        Call(
            "dynamodb",
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "t", "Item": {"PK": {"S": "m"}, "SK": {"S": "1"}}}}]},
        ),
        Call("dynamodb", "GetItem", {"TableName": "t", "Key": {}}),  # a read: not a write
    ]
    found = writes(calls, {"t": ["PK", "SK"]})
    assert [(w.key, w.transactional) for w in found] == [
        ('{"PK": {"S": "T#a"}, "SK": {"S": "JOB#1"}}', False),
        ('{"PK": {"S": "T#a"}, "SK": {"S": "C"}}', False),
        ('{"PK": {"S": "m"}, "SK": {"S": "1"}}', True),
    ]
    # the counter item read back at the end is 2.5 KB: its update costs 3 units
    final = {("t", found[1].key): {"PK": {"S": "T#a"}, "SK": {"S": "C"}, "pad": {"S": "y" * 2500}}}
    assert write_unit_totals(found, final) == {"plain": 2 + 3, "transactional": 2, "total": 7}


def test_verdicts_and_the_summary() -> None:
    report = {
        "throughput": {"jobs": 300, "wall_s": 20.0, "jobs_per_s": 15.0},
        "substrate": {"jobs_per_s": 20.0, "stack_to_substrate": 0.75},
        "cold_start": {
            "import_boto3_ms": 100.0,
            "functions": {
                "api": {
                    "cold_ms": 250.0,
                    "cold_to_boto3": 2.5,
                    "import_ms": 200.0,
                    "import_to_boto3": 2.0,
                    "ok": True,
                },
                "worker": {
                    "cold_ms": 150.0,
                    "cold_to_boto3": 1.5,
                    "import_ms": 120.0,
                    "import_to_boto3": 1.2,
                    "ok": True,
                },
            },
            "libraries_floor": {"ms": 210.0, "to_boto3": 2.1, "what": "boto3, a client"},
        },
    }
    assert verdicts(report) == {
        "stack_to_substrate_at_least_0.5": True,
        "cold_start_under_2x_boto3": False,
        "cold_start_over_target": ["api"],
        "cold_start_ms_left_under_2x_by_the_libraries": -10.0,  # 2 x 100 ms - 210 ms
    }
    text = human_summary(report)
    assert "15.0 jobs/s" in text and "stack/substrate = 0.75" in text and "2.5x boto3" in text
    assert "floor       210.0 ms = 2.1x boto3: boto3, a client" in text
    assert verdicts({}) == {}


def test_the_summary_names_what_failed() -> None:
    report = {
        "cold_start": {
            "import_boto3_ms": 100.0,
            "functions": {"api": {"init_errors": ["exit 1: ImportError"], "ok": False}},
        },
        "failed_sections": {"flood": "TimeoutError: job x still queued"},
    }
    text = human_summary(report)
    assert "api         not measured: ['exit 1: ImportError']" in text
    assert "FAILED flood: TimeoutError: job x still queued" in text
    assert verdicts(report) == {}  # nothing measured, nothing judged


def test_the_bench_polling_is_left_out_of_the_stacks_calls() -> None:
    usage_read = Call(
        "dynamodb", "GetItem", {"TableName": "t", "Key": {"PK": {"S": "T#a"}, "SK": {"S": "COUNTER"}}}
    )
    listing = Call(
        "dynamodb",
        "Query",
        {
            "TableName": "t",
            "IndexName": "GSI1",
            "ExpressionAttributeValues": {":v0": {"S": "T#a#S#completed"}},
        },
    )
    job_read = Call(
        "dynamodb", "GetItem", {"TableName": "t", "Key": {"PK": {"S": "T#a"}, "SK": {"S": "JOB#1"}}}
    )
    polls = BenchPolls("a", [usage_read, Call("sqs", "ReceiveMessage", {})])  # background: ignored
    calls = [usage_read, job_read, usage_read, listing, usage_read, Call("sqs", "ReceiveMessage", {})]

    kept, left_out = polls.split(calls, usage_polls=2)

    # two polls: two identical reads left out, the third is the stack's own
    assert kept == [job_read, usage_read, Call("sqs", "ReceiveMessage", {})]
    assert left_out == {"dynamodb.GetItem": 2, "dynamodb.Query": 1}


def test_duration_figures_mean_median_nearest_rank_p95_records_and_per_job() -> None:
    ms = [float(v) for v in range(1, 21)]  # 1..20 ms
    assert duration_figures(ms, [], jobs=10) == {
        "invocations": 20,
        "mean_ms": 10.5,
        "p50_ms": 10.5,
        "p95_ms": 19.0,
        "max_ms": 20.0,
        "invocations_per_job": 2.0,
    }
    figures = duration_figures([12.34, 15.0, 30.0], [10, 10, 4])
    assert (figures["mean_ms"], figures["p50_ms"], figures["p95_ms"]) == (19.1, 15.0, 30.0)
    assert (figures["records_mean"], figures["records_max"]) == (8.0, 10)
    assert "invocations_per_job" not in figures


def test_function_durations_by_function_and_by_api_route() -> None:
    invocations = [
        ("worker", 60.0, None, 1),
        ("api", 30.0, "POST /v1/jobs", None),
        ("api", 10.0, "GET /v1/jobs/{id}", None),
        ("worker", 80.0, None, 3),
        ("api", 50.0, "POST /v1/jobs", None),
        ("api", 12.0, "GET /v1/jobs/{id}", None),
    ]

    found = function_durations(invocations, jobs=2)

    assert list(found) == ["api", "worker"]
    api = found["api"]
    assert (api["invocations"], api["mean_ms"], api["invocations_per_job"]) == (4, 25.5, 2.0)
    assert list(api["by_route"]) == ["GET /v1/jobs/{id}", "POST /v1/jobs"]
    assert api["by_route"]["POST /v1/jobs"] == {
        "invocations": 2,
        "mean_ms": 40.0,
        "p50_ms": 40.0,
        "p95_ms": 50.0,
        "max_ms": 50.0,
        "invocations_per_job": 1.0,
    }
    worker = found["worker"]
    assert (worker["mean_ms"], worker["records_mean"], worker["records_max"]) == (70.0, 2.0, 3)
    assert "by_route" not in worker
    assert function_durations([]) == {}

    lines = duration_lines({"api_route": "POST /v1/jobs", "functions": found})
    assert lines == [
        "    api         POST /v1/jobs 40.0 / 40.0 / 50.0 ms (2); 2 on other routes",
        "    worker      70.0 / 70.0 / 80.0 ms (2), 2 records a batch (max 3)",
    ]


def test_the_summary_prints_a_line_per_function_and_part() -> None:
    worker = {"invocations": 3, "mean_ms": 61.0, "p50_ms": 60.0, "p95_ms": 70.0, "max_ms": 70.0}
    report = {
        "function_durations_ms": {
            "one_at_a_time": {"jobs": 3, "scenario": "single", "functions": {"worker": worker}},
            "sweeper_ticks": {"jobs": None, "functions": {}},
        }
    }

    text = human_summary(report)

    assert "  one_at_a_time, 3 jobs, cost model: single:\n    worker      61.0 / 60.0 / 70.0 ms (3)" in text
    assert "  sweeper_ticks:" in text
