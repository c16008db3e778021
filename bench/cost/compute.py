"""The arithmetic: billable units per job from the model, then dollars a month per service line.

Everything takes plain dicts (the price table and the model as loaded from JSON) and a
`Template`, so a test can hand it a tiny input and check the dollars by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bench.cost.inputs import Template

MILLION = 1_000_000
GB = 1024**3


@dataclass(frozen=True)
class Line:
    """One service line of a month's bill."""

    name: str
    quantity: float  # billable units a month
    unit: str
    usd: float
    fixed: bool = False  # True: does not grow with the number of jobs


@dataclass(frozen=True)
class Bill:
    scenario: str
    jobs: int
    lines: list[Line]
    storage_usd_per_month_kept: float  # not in the total: one month of jobs, kept one more month
    total_usd: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_usd", sum(line.usd for line in self.lines))

    @property
    def usd_per_million_jobs(self) -> float:
        return self.total_usd / self.jobs * MILLION

    @property
    def dominant(self) -> Line:
        return max(self.lines, key=lambda line: line.usd)


def _per_million(usd_per_million: float, quantity: float) -> float:
    return quantity * usd_per_million / MILLION


def gb_seconds(memory_mb: float, ms: float) -> float:
    return memory_mb / 1024 * ms / 1000


def write_units_per_job(prices: dict[str, Any], model: dict[str, Any], scenario: dict[str, Any]) -> float:
    """WRU per job: per item written, 1 per KB (2 in a transaction), plus its index writes at the
    size of the index entry (`index_item`: the projected attributes; the item's size without it,
    as for an index projecting ALL)."""
    unit_kb = prices["dynamodb"]["write_unit_kb"]
    total = 0.0
    for write in scenario["dynamodb_writes_per_job"]:
        per_item = math.ceil(model["item_kb"][write["item"]] / unit_kb)
        total += write["items"] * per_item * (2 if write.get("transactional") else 1)
        total += write.get("gsi_writes", 0) * index_write_units(prices, model, write)
    return total


def index_write_units(prices: dict[str, Any], model: dict[str, Any], write: dict[str, Any]) -> int:
    """WRU of one index write of `write`: its index entry's size, 1 per KB."""
    kind = write.get("index_item", write["item"])
    return math.ceil(model["item_kb"][kind] / prices["dynamodb"]["write_unit_kb"])


def read_units_per_job(prices: dict[str, Any], model: dict[str, Any], scenario: dict[str, Any]) -> float:
    """RRU per job: 1 per 4 KB read strongly consistent, half of that eventually consistent."""
    unit_kb = prices["dynamodb"]["read_unit_kb"]
    total = 0.0
    for read in scenario["dynamodb_reads_per_job"]:
        per_item = math.ceil(model["item_kb"][read["item"]] / unit_kb)
        total += read["items"] * per_item * (1 if read.get("consistent") else 0.5)
    return total


def memory_of(model: dict[str, Any], template: Template, function: str) -> int:
    return template.memory_mb[model["functions"][function]["resource"]]


def units_per_job(
    prices: dict[str, Any], model: dict[str, Any], template: Template, name: str
) -> dict[str, float]:
    """Billable units of one job in scenario `name`."""
    scenario = model["scenarios"][name]
    functions = scenario["functions"]
    invocations = sum(f["invocations_per_job"] for f in functions.values())
    compute = sum(
        f["invocations_per_job"] * gb_seconds(memory_of(model, template, fn), f["measured_ms"])
        for fn, f in functions.items()
    )
    sqs = sum(n for f in functions.values() for op, n in f["calls_per_job"].items() if op.startswith("sqs:"))
    sqs += sum(scenario["sqs_poller_requests_per_job"].values())
    http = 1 / scenario["jobs_per_http_request"]
    logs = model["logs"]
    log_bytes = http * logs["api_gateway_access_log_bytes_per_request"]
    for fn, f in functions.items():
        own = model["functions"][fn]
        per_invocation = logs["platform_log_bytes_per_invocation"] + own["app_log_bytes_per_invocation"]
        log_bytes += f["invocations_per_job"] * per_invocation + own["app_log_bytes_per_job"]
    return {
        "lambda_requests": invocations,
        "lambda_gb_seconds": compute,
        "http_requests": http,
        "sqs_requests": sqs,
        "write_units": write_units_per_job(prices, model, scenario),
        "read_units": read_units_per_job(prices, model, scenario),
        "events": scenario["eventbridge_events_per_job"],
        "log_bytes": log_bytes,
    }


def sampled_traces(invocations: float, model: dict[str, Any]) -> float:
    """Traces X-Ray records of one function's invocations a month: the reservoir (1 a second),
    then the fixed rate (5 %) of the rest."""
    xray = model["xray"]
    reservoir = xray["reservoir_requests_per_second"] * model["month_hours"] * 3600
    return min(invocations, reservoir) + xray["fixed_rate"] * max(0.0, invocations - reservoir)


def _api_gateway_usd(prices: dict[str, Any], requests: float) -> float:
    api = prices["api_gateway_http"]
    tier = 300 * MILLION
    return _per_million(api["usd_per_million_requests_first_300m"], min(requests, tier)) + _per_million(
        api["usd_per_million_requests_over_300m"], max(0.0, requests - tier)
    )


def _variable_lines(prices: dict[str, Any], units: dict[str, float], jobs: int) -> list[Line]:
    n = {key: value * jobs for key, value in units.items()}

    def line(name: str, key: str, unit: str, usd_per_million: float) -> Line:
        return Line(name, n[key], unit, _per_million(usd_per_million, n[key]))

    lam, ddb = prices["lambda"], prices["dynamodb"]
    compute_usd = n["lambda_gb_seconds"] * lam["arm64_usd_per_gb_second"]
    log_gb = n["log_bytes"] / GB
    return [
        line("Lambda requests", "lambda_requests", "requests", lam["usd_per_million_requests"]),
        Line("Lambda compute (arm64)", n["lambda_gb_seconds"], "GB-s", compute_usd),
        Line(
            "API Gateway HTTP API",
            n["http_requests"],
            "requests",
            _api_gateway_usd(prices, n["http_requests"]),
        ),
        line("SQS requests", "sqs_requests", "requests", prices["sqs"]["standard_usd_per_million_requests"]),
        line("DynamoDB writes", "write_units", "WRU", ddb["usd_per_million_write_request_units"]),
        line("DynamoDB reads", "read_units", "RRU", ddb["usd_per_million_read_request_units"]),
        Line("DynamoDB Streams (Lambda reads free)", 0.0, "stream RRU", 0.0),
        line(
            "EventBridge events", "events", "events", prices["eventbridge"]["usd_per_million_custom_events"]
        ),
        Line(
            "CloudWatch Logs ingestion",
            log_gb,
            "GB",
            log_gb * prices["cloudwatch"]["logs_ingestion_usd_per_gb"],
        ),
    ]


def _fixed_lines(prices: dict[str, Any], model: dict[str, Any], template: Template) -> list[Line]:
    fixed, hours, cw = model["fixed"], model["month_hours"], prices["cloudwatch"]
    sweeper = fixed["sweeper"]
    ticks = sweeper["ticks_per_hour"] * hours
    reads = ticks * sum(sweeper["calls_per_tick"].values()) * sweeper["rru_per_read_call"]
    compute = ticks * gb_seconds(memory_of(model, template, "sweeper"), sweeper["measured_ms"])
    log_bytes = ticks * (
        model["logs"]["platform_log_bytes_per_invocation"]
        + model["functions"]["sweeper"]["app_log_bytes_per_invocation"]
    )
    sweeper_usd = (
        _per_million(prices["lambda"]["usd_per_million_requests"], ticks)
        + compute * prices["lambda"]["arm64_usd_per_gb_second"]
        + _per_million(prices["dynamodb"]["usd_per_million_read_request_units"], reads)
        + log_bytes / GB * cw["logs_ingestion_usd_per_gb"]
    )
    idle = (
        template.sqs_event_sources
        * fixed["sqs_idle_polling"]["receives_per_event_source_per_minute"]
        * 60
        * hours
    )
    metrics = fixed["custom_metrics"]
    metric_count = (
        metrics["emf_metric_names"] * metrics["dimension_sets_in_use"] + metrics["cold_start_metrics"]
    )
    metrics_usd = metric_count * cw["custom_metrics_usd_per_metric_month_first_10k"]
    alarms = template.alarms * cw["standard_alarm_usd_per_alarm_month"]
    dashboards = template.dashboards * cw["dashboard_usd_per_dashboard_month"]
    idle_usd = _per_million(prices["sqs"]["standard_usd_per_million_requests"], idle)
    return [
        Line("Sweeper ticks (Lambda, reads, logs)", ticks, "ticks", sweeper_usd, fixed=True),
        Line("SQS idle polling", idle, "requests", idle_usd, fixed=True),
        Line("CloudWatch custom metrics (EMF)", metric_count, "metrics", metrics_usd, fixed=True),
        Line(
            "CloudWatch alarms and dashboard",
            template.alarms + template.dashboards,
            "items",
            alarms + dashboards,
            fixed=True,
        ),
    ]


def _xray_line(
    prices: dict[str, Any], model: dict[str, Any], template: Template, name: str, jobs: int
) -> Line:
    monthly = {fn: f["invocations_per_job"] * jobs for fn, f in model["scenarios"][name]["functions"].items()}
    monthly["sweeper"] = model["fixed"]["sweeper"]["ticks_per_hour"] * model["month_hours"]
    traces = sum(
        sampled_traces(n, model)
        for fn, n in monthly.items()
        if template.traced.get(model["functions"][fn]["resource"])
    )
    return Line(
        "X-Ray traces (Tracing: Active)",
        traces,
        "traces",
        _per_million(prices["xray"]["usd_per_million_traces_recorded"], traces),
    )


def storage_usd_per_month(prices: dict[str, Any], model: dict[str, Any], jobs: int) -> float:
    """What one month of finished jobs costs to keep, per month (job items have no TTL): the item
    and its entry in each index that holds it (`index_item`, else the whole item)."""
    item = model["item_kb"]["job"] * 1024
    storage = model["storage"]
    entry = model["item_kb"][storage.get("index_item", "job")] * 1024
    kept = item + storage["indexes_holding_a_finished_job"] * (entry + storage["index_overhead_bytes"])
    return jobs * kept / GB * prices["dynamodb"]["storage_usd_per_gb_month"]


def bill(prices: dict[str, Any], model: dict[str, Any], template: Template, name: str, jobs: int) -> Bill:
    """A month with `jobs` jobs submitted as in scenario `name` (`single`, `batch100`)."""
    units = units_per_job(prices, model, template, name)
    lines = _variable_lines(prices, units, jobs)
    lines.append(_xray_line(prices, model, template, name, jobs))
    lines += _fixed_lines(prices, model, template)
    return Bill(name, jobs, lines, storage_usd_per_month(prices, model, jobs))
