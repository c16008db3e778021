"""What issue 12's limits leave room for: the bill of a design at those limits and nothing else
(model.json `floors`: at most 5 writes of 1 KB and 7 calls a job, 1 ms invocations, full
batches, no index, event, log line or trace), then what each part of this product adds to it,
cumulatively (`floors.steps`). Billed by `compute.bill`, the arithmetic of the model itself, so
the floor moves with the price table. A lower bound worked out from the prices, not a measured
design: the measured bill is `compute.bill` on the model's scenarios."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from bench.cost.compute import Bill, bill
from bench.cost.inputs import Inputs

FLOOR = "floor"


@dataclasses.dataclass(frozen=True)
class Step:
    label: str
    what: str
    bill: Bill
    writes: float  # DynamoDB write requests a job (items written, index writes not counted)
    calls: float  # AWS calls a job made by the functions (Lambda's own SQS polling not counted)


def floor_steps(inputs: Inputs, scenario: str, jobs: int) -> list[Step]:
    """The base design of `scenario` (`single`, `batch100`), then each step added to it."""
    floors = inputs.model["floors"]
    design = copy.deepcopy(floors[scenario]["base"])
    item_kb = dict(inputs.model["item_kb"], **design.pop("item_kb", {}))
    observed = False
    steps = [_step(inputs, design, design, item_kb, observed, jobs)]
    for change in floors["steps"]:
        design["dynamodb_writes_per_job"] += copy.deepcopy(change.get("writes", []))
        design["eventbridge_events_per_job"] += change.get("events", 0)
        design["functions"].update(copy.deepcopy(change.get("functions", {})))
        item_kb.update(change.get("item_kb", {}))
        observed = observed or bool(change.get("observability"))
        steps.append(_step(inputs, change, design, item_kb, observed, jobs))
    return steps


def _step(
    inputs: Inputs,
    named: dict[str, Any],
    design: dict[str, Any],
    item_kb: dict[str, float],
    observed: bool,
    jobs: int,
) -> Step:
    """The bill of `design` as it stands, under the name of the base or step `named`."""
    model = {**inputs.model, "item_kb": item_kb, "scenarios": {FLOOR: design}}
    template = inputs.template
    if not observed:  # no log line, no trace
        model["logs"] = {key: 0 for key in model["logs"] if key != "note"}
        model["functions"] = {
            name: {**f, "app_log_bytes_per_invocation": 0, "app_log_bytes_per_job": 0}
            for name, f in model["functions"].items()
        }
        template = dataclasses.replace(template, traced=dict.fromkeys(template.traced, False))
    writes = sum(w["items"] for w in design["dynamodb_writes_per_job"])
    calls = sum(n for f in design["functions"].values() for n in f["calls_per_job"].values())
    billed = bill(inputs.prices, model, template, FLOOR, jobs)
    return Step(named["label"], named.get("what", ""), billed, writes, calls)
