"""EMF lines -> put_metric_data datums, and the compact console lines (local/emf.py, local/console.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from local.console import Console, compact
from local.emf import is_emf, metric_data

EMF = {
    "_aws": {
        "Timestamp": 1735689600000,
        "CloudWatchMetrics": [
            {
                "Namespace": "JobQueue",
                "Dimensions": [["priority", "type"], ["priority"]],
                "Metrics": [
                    {"Name": "JobsCompleted", "Unit": "Count", "StorageResolution": 60},
                    {"Name": "ExecutionMs", "Unit": "Milliseconds"},
                ],
            }
        ],
    },
    "priority": "normal",
    "type": "immediate",
    "tenant_id": "t1",
    "JobsCompleted": [1.0, 1.0],
    "ExecutionMs": 12.5,
}


def test_one_datum_per_dimension_set_and_metric() -> None:
    datums = metric_data(EMF)["JobQueue"]

    assert len(datums) == 4
    first = datums[0]
    assert first["MetricName"] == "JobsCompleted"
    assert first["Dimensions"] == [
        {"Name": "priority", "Value": "normal"},
        {"Name": "type", "Value": "immediate"},
    ]
    assert first["Timestamp"] == datetime(2025, 1, 1, tzinfo=UTC)
    assert (first["Unit"], first["StorageResolution"]) == ("Count", 60)
    assert (first["Values"], first["Counts"]) == ([1.0], [2.0])  # repeated values become counts
    assert datums[1]["Values"] == [12.5] and datums[1]["Unit"] == "Milliseconds"
    assert datums[2]["Dimensions"] == [{"Name": "priority", "Value": "normal"}]


def test_tenant_stays_metadata_not_a_dimension() -> None:
    dimension_names = {
        d["Name"] for datum in metric_data(EMF)["JobQueue"] for d in datum.get("Dimensions", [])
    }

    assert "tenant_id" not in dimension_names


def test_dimension_set_with_a_missing_value_is_skipped() -> None:
    record = {
        **EMF,
        "_aws": {
            **EMF["_aws"],
            "CloudWatchMetrics": [{**EMF["_aws"]["CloudWatchMetrics"][0], "Dimensions": [["region"]]}],
        },
    }

    assert metric_data(record) == {}


def test_metric_without_dimensions_and_non_numeric_values() -> None:
    record = {
        "_aws": {"CloudWatchMetrics": [{"Namespace": "N", "Metrics": [{"Name": "A"}, {"Name": "B"}]}]},
        "A": 3,
        "B": "x",
    }

    datums = metric_data(record)["N"]

    assert len(datums) == 1
    assert "Dimensions" not in datums[0] and datums[0]["Values"] == [3.0]


def test_plain_json_log_lines_are_not_emf() -> None:
    assert not is_emf({"level": "INFO", "message": "hi"})
    assert not is_emf({"_aws": {}})
    assert metric_data({"level": "INFO"}) == {}


def test_powertools_line_is_shortened_to_level_message_and_useful_keys() -> None:
    line = compact(
        {
            "level": "INFO",
            "location": "handle:12",
            "message": "job attempt 1: succeeded -> completed",
            "timestamp": "2025-01-01 00:00:00,000+0000",
            "service": "jobqueue",
            "cold_start": False,
            "function_name": "f",
            "function_request_id": "r",
            "xray_trace_id": "x",
            "execution_ms": 3,
            "job_id": "J1",
            "tenant_id": "T1",
        }
    )

    assert line == "INFO  job attempt 1: succeeded -> completed job_id=J1 tenant_id=T1 execution_ms=3"


def test_console_sends_emf_to_the_metrics_sink_and_prints_other_lines() -> None:
    out, sunk = io.StringIO(), []
    console = Console(out)
    console.metrics_sink = sunk.append

    console.function_output("worker", "stdout", json.dumps(EMF))
    console.function_output(
        "worker", "stdout", json.dumps({"level": "ERROR", "message": "boom", "job_id": "J"})
    )
    console.function_output("worker", "stderr", "plain text")

    printed = out.getvalue().splitlines()
    assert sunk == [EMF]
    assert len(printed) == 2
    assert printed[0].endswith("worker     ERROR boom job_id=J")
    assert printed[1].endswith("worker     plain text")
