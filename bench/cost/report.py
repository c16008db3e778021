"""The model's answer as text (a table per scenario, its inputs, the alternatives) or as JSON."""

from __future__ import annotations

import math
from typing import Any

from bench.cost.alternatives import alternatives
from bench.cost.compute import Bill, bill, index_write_units, memory_of, units_per_job
from bench.cost.floors import floor_steps
from bench.cost.inputs import Inputs

LABEL_WIDTH = 46
COLUMN_WIDTH = 18


def bills(inputs: Inputs) -> dict[str, list[Bill]]:
    model = inputs.model
    return {
        name: [
            bill(inputs.prices, model, inputs.template, name, jobs)
            for jobs in model["volumes_jobs_per_month"]
        ]
        for name in model["scenarios"]
    }


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _volume(jobs: int) -> str:
    return f"{jobs / 1_000_000:g}M jobs/month"


def _row(label: str, cells: list[str]) -> str:
    return label.ljust(LABEL_WIDTH) + "".join(cell.rjust(COLUMN_WIDTH) for cell in cells)


def _ops(calls: dict[str, float]) -> str:
    return ", ".join(f"{op.split(':', 1)[1]} x{n:g}" for op, n in calls.items()) or "no call"


def _write_lines(inputs: Inputs, name: str) -> list[str]:
    """The write units per job, item by item, as the model adds them up."""
    prices, model = inputs.prices, inputs.model
    out = []
    for write in model["scenarios"][name]["dynamodb_writes_per_job"]:
        per_item = math.ceil(model["item_kb"][write["item"]] / prices["dynamodb"]["write_unit_kb"])
        factor = 2 if write.get("transactional") else 1
        gsi = write.get("gsi_writes", 0)
        per_entry = index_write_units(prices, model, write)
        wru = write["items"] * per_item * factor + gsi * per_entry
        text = f"{write['items']:g} {write['item']} item(s) x {per_item * factor} WRU"
        if gsi:
            text += f" + {gsi:g} index writes x {per_entry} WRU"
        out.append(f"    {write['function']:<7} {write['op'].split(':')[1]:<19} {wru:6.2f} WRU  {text}")
    return out


def _inputs_lines(inputs: Inputs, name: str) -> list[str]:
    model = inputs.model
    scenario = model["scenarios"][name]
    units = units_per_job(inputs.prices, model, inputs.template, name)
    out = ["  inputs per job:"]
    for fn, f in scenario["functions"].items():
        mark = "*" if f.get("placeholder") else ""
        memory = memory_of(model, inputs.template, fn)
        out.append(
            f"    {fn:<10} {f['invocations_per_job']:g} invocation(s), {memory} MB x {f['measured_ms']:g} ms{mark}:"
            f" {_ops(f['calls_per_job'])}"
        )
    out.append(
        f"    {'SQS poller':<10} {_ops(scenario['sqs_poller_requests_per_job'])} (billed to the queue's owner)"
    )
    out.append(
        f"    events {scenario['eventbridge_events_per_job']:g}, stream transaction items"
        f" {scenario['stream_transaction_items_per_job']:g}, HTTP requests {units['http_requests']:g},"
        f" SQS requests {units['sqs_requests']:g}, log bytes {units['log_bytes']:,.0f}"
    )
    out.append(f"  write units per job: {units['write_units']:g} WRU; read units {units['read_units']:g} RRU")
    return out + _write_lines(inputs, name)


def text(inputs: Inputs) -> str:
    prices, model = inputs.prices, inputs.model
    out = [
        f"jobqueue cost model: {prices['region']} list prices as of {prices['as_of']} (bench/cost/prices.json),"
        " inputs bench/cost/model.json and template.yaml",
    ]
    by_scenario = bills(inputs)
    for name, scenario_bills in by_scenario.items():
        out += [
            "",
            f"== {name}: {model['scenarios'][name]['label']} ==",
            _row("", [_volume(b.jobs) for b in scenario_bills]),
        ]
        for index, line in enumerate(scenario_bills[0].lines):
            label = ("(fixed) " if line.fixed else "") + line.name
            out.append(_row(label, [_usd(b.lines[index].usd) for b in scenario_bills]))
        out.append(_row("total per month", [_usd(b.total_usd) for b in scenario_bills]))
        out.append(_row("dollars per million jobs", [_usd(b.usd_per_million_jobs) for b in scenario_bills]))
        for b in scenario_bills:
            share = b.dominant.usd / b.total_usd
            out.append(f"  dominant line at {_volume(b.jobs)}: {b.dominant.name} ({share:.0%} of the total)")
        kept = ", ".join(f"{_usd(b.storage_usd_per_month_kept)} ({_volume(b.jobs)})" for b in scenario_bills)
        out.append(
            f"  not in the total: DynamoDB storage, a month of finished jobs kept costs {kept} a month"
        )
        out += _inputs_lines(inputs, name)
    out += ["", "== what users would pick instead: dollars per million jobs (free tiers not applied) =="]
    for name, scenario_bills in by_scenario.items():
        largest = scenario_bills[-1]
        out.append(
            _row(f"jobqueue, {name}", [_usd(largest.usd_per_million_jobs)])
            + f"   every line, at {_volume(largest.jobs)}"
        )
    for alt in alternatives(prices, model):
        out.append(_row(alt.name, [_usd(alt.usd_per_million_jobs)]) + f"   marginal: {alt.includes}")
    out += _floor_lines(inputs, by_scenario)
    out += ["", "* placeholder duration: measure it as model.json's measured_by says"]
    return "\n".join(out)


def _floor_lines(inputs: Inputs, by_scenario: dict[str, list[Bill]]) -> list[str]:
    """The floors (bench/cost/floors.py) at the largest volume, beside the measured bill."""
    jobs = inputs.model["volumes_jobs_per_month"][-1]
    out = [
        "",
        f"== what the targets leave room for: dollars per million jobs at {_volume(jobs)} ==",
        "  (model.json floors: a lower bound from the prices, not a measured design; steps add up)",
    ]
    for name in inputs.model["scenarios"]:
        if name not in inputs.model["floors"]:  # a scenario without a floor design
            continue
        out.append(f"  {name}:")
        for step in floor_steps(inputs, name, jobs):
            out.append(_row(f"    {step.label}", [_usd(step.bill.usd_per_million_jobs)]) + f"   {step.what}")
        out.append(_row("    this product today (above)", [_usd(by_scenario[name][-1].usd_per_million_jobs)]))
    return out


def as_json(inputs: Inputs) -> dict[str, Any]:
    prices, model = inputs.prices, inputs.model
    scenarios = {}
    for name, scenario_bills in bills(inputs).items():
        scenarios[name] = {
            "label": model["scenarios"][name]["label"],
            "units_per_job": units_per_job(prices, model, inputs.template, name),
            "functions": {
                fn: {**f, "memory_mb": memory_of(model, inputs.template, fn)}
                for fn, f in model["scenarios"][name]["functions"].items()
            },
            "volumes": [
                {
                    "jobs_per_month": b.jobs,
                    "lines": [vars(line) for line in b.lines],
                    "total_usd": b.total_usd,
                    "usd_per_million_jobs": b.usd_per_million_jobs,
                    "dominant": b.dominant.name,
                    "storage_usd_per_month_kept": b.storage_usd_per_month_kept,
                }
                for b in scenario_bills
            ],
        }
    return {
        "as_of": prices["as_of"],
        "region": prices["region"],
        "scenarios": scenarios,
        "alternatives": [vars(alt) for alt in alternatives(prices, model)],
        "floors": {
            name: [
                {
                    "label": step.label,
                    "what": step.what,
                    "writes": step.writes,
                    "calls": step.calls,
                    "usd_per_million_jobs": step.bill.usd_per_million_jobs,
                }
                for step in floor_steps(inputs, name, model["volumes_jobs_per_month"][-1])
            ]
            for name in model["scenarios"]
            if name in model["floors"]
        },
    }
