"""The short fault soak in the suite: `python -m bench.soak --short` (docs/reliability.md,
"Fault soak"), a few hundred jobs through a local stack of its own with DynamoDB throttling and
5xx, killed workers and api invocations, duplicate SQS deliveries, a failing stream function;
then every check of the soak must hold: nothing accepted lost, no attempt run twice, counters
and aggregates equal to the recount from the records, no tenant over its concurrency limit, and
everything settled within the drain deadline after the faults stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak.config import SoakConfig
from bench.soak.report import summary
from bench.soak.run import run

pytestmark = pytest.mark.e2e


def test_the_short_fault_soak_loses_nothing_runs_nothing_twice_and_drifts_nowhere(tmp_path: Path) -> None:
    report = run(SoakConfig.short_run(seed=7), tmp_path)
    print(summary(report))
    failed = [f"{name}: {figure}" for name, ok, figure in report["verdicts"] if not ok]
    assert not failed, summary(report)
    assert report["lost"]["accepted"] >= 200
    # The faults did happen: the checks held under them, not in their absence.
    kinds = {name.split(" @ ")[0] for name in report["faults"]}
    assert {"dynamodb_throttle", "sqs_duplicate"} <= kinds, report["faults"]
    assert any(kind.startswith("kill_before_") for kind in kinds), report["faults"]
