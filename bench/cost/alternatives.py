"""What users would pick instead, in dollars per million jobs from the same price table: Google
Cloud Tasks, SQS + Lambda done by hand, Step Functions Standard and Express (a minimal 3-state
job). Marginal prices (free tiers not applied, the first million Cloud Tasks operations aside),
without the job's own work, which costs the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.cost.compute import MILLION, gb_seconds


@dataclass(frozen=True)
class Alternative:
    name: str
    usd_per_million_jobs: float
    includes: str


def _lambda_usd_per_job(prices: dict[str, Any], model: dict[str, Any]) -> float:
    run = model["alternatives"]["lambda_per_job"]
    lam = prices["lambda"]
    per_invocation = lam["usd_per_million_requests"] / MILLION + lam["arm64_usd_per_gb_second"] * gb_seconds(
        run["memory_mb"], run["ms"]
    )
    return run["invocations"] * per_invocation


def alternatives(prices: dict[str, Any], model: dict[str, Any]) -> list[Alternative]:
    alt, inputs = prices["alternatives"], model["alternatives"]
    run = inputs["lambda_per_job"]
    runner = f"a {run['memory_mb']} MB Lambda of {run['ms']} ms per job"
    lam = _lambda_usd_per_job(prices, model) * MILLION

    tasks = inputs["google_cloud_tasks"]["operations_per_job"]
    cloud_tasks = tasks * alt["google_cloud_tasks"]["usd_per_million_operations_after_first_million"]

    by_hand = inputs["sqs_lambda_by_hand"]["sqs_requests_per_job"]
    sqs = by_hand * prices["sqs"]["standard_usd_per_million_requests"]

    transitions = inputs["step_functions_standard"]["state_transitions_per_job"]
    standard = transitions * alt["step_functions_standard"]["usd_per_thousand_state_transitions"] * 1000

    express_in, express_price = inputs["step_functions_express"], alt["step_functions_express"]
    express = express_in["requests_per_job"] * (
        express_price["usd_per_million_requests"]
        + express_price["usd_per_gb_second_first_1000_gb_hours"]
        * gb_seconds(express_in["memory_mb"], express_in["ms"])
        * MILLION
    )
    return [
        Alternative(
            "Google Cloud Tasks", cloud_tasks, f"{tasks} operations a job; the HTTP target not included"
        ),
        Alternative("SQS + Lambda by hand", sqs + lam, f"{by_hand} SQS requests and {runner}"),
        Alternative(
            "Step Functions Standard", standard + lam, f"{transitions} state transitions and {runner}"
        ),
        Alternative(
            "Step Functions Express",
            express + lam,
            f"1 request of {express_in['memory_mb']} MB x {express_in['ms']} ms and {runner}",
        ),
    ]
