"""API fuzzing with Schemathesis against the local stack, from the OpenAPI document it serves:
every phase (examples, coverage, fuzzing, stateful along the links from a submitted job to its
get, cancel, retry, pause and events), as a tenant and as an admin. Zero server errors, zero
undocumented status codes, every response conforming to its schema and content type.

`make test` runs a short pass (at least 1,000 requests); `make fuzz` a long one
(`JOBQ_FUZZ_EXAMPLES`, examples per operation and phase). Figures: docs/reliability.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from local.stack import LocalStack
from tests.e2e.conftest import Api

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("JOBQ_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("JOBQ_FUZZ_SEED", "7")
MIN_REQUESTS = 1000
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def fuzz(stack: LocalStack, key: str, selection: list[str], report: Path) -> tuple[int, str, Counter[int]]:
    """One Schemathesis run; returns its exit status, its output and the statuses it received."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{stack.api_url}/v1/openapi.json",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--checks={CHECKS}",
        f"--max-examples={EXAMPLES}",
        f"--seed={SEED}",
        "--header",
        f"Authorization: Bearer {key}",
        "--report=har",
        f"--report-har-path={report}",
        "--no-color",
        *selection,
    ]
    # In the report's folder: Schemathesis keeps its example database in the working directory.
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=report.parent)
    entries = json.loads(report.read_text())["log"]["entries"] if report.exists() else []
    return done.returncode, done.stdout + done.stderr, Counter(e["response"]["status"] for e in entries)


def test_fuzzing_as_a_tenant_and_as_an_admin_finds_nothing(
    stack: LocalStack, new_tenant: Callable[..., Api], tmp_path: Path
) -> None:
    tenant = new_tenant(max_queued_jobs=5000, max_daily_jobs=100000)
    runs = {
        "tenant": fuzz(stack, tenant.key or "", ["--exclude-path-regex=^/v1/admin"], tmp_path / "tenant.har"),
        "admin": fuzz(
            stack,
            stack.admin_key,
            ["--include-path-regex=^/v1/(admin|queue|handlers)"],
            tmp_path / "admin.har",
        ),
    }

    total = sum(sum(statuses.values()) for _, _, statuses in runs.values())
    for who, (_, _, statuses) in runs.items():
        print(
            f"\nfuzz as {who}: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}"
        )
    for who, (code, output, statuses) in runs.items():
        assert code == 0, f"{who}:\n{output[-6000:]}"
        assert not [s for s in statuses if s >= 500], f"{who}: server errors {statuses}"
    assert total >= MIN_REQUESTS
