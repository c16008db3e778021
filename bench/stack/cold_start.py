"""Cold start of each Lambda entry point (functions/<name>/<name>_app.py): in a fresh
`python -P` process with the function's own environment as the local stack builds it (its
template variables, PYTHONPATH = its code folder + layer folders, every AWS endpoint at the
stack's moto), the time of `import <name>_app` (the handler module) and of its first invocation
on the sample event of events/ (against the stack's moto: real tables, real queues), measured
with time.perf_counter inside the process (interpreter start-up not included). Compared with
`import boto3` alone, timed the same way in a fresh process. Best of 3 runs, of 5 when all
three took under a second; the runs go in rounds over the functions."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.stack.report import ratio
from local.function_env import lambda_environment
from local.stack import ROOT, LocalStack

EVENTS = {
    "api": "api_get_job.json",  # GET /v1/jobs/{id} of the demo tenant: a DynamoDB read, a 404
    "authorizer": "authorizer_request.json",  # with the demo tenant's real key: an Allow
    "worker": "sqs_job_batch.json",
    "stream": "dynamodb_stream_batch.json",
    "sweeper": "sweeper_tick.json",
    "dispatcher": "scheduler_dispatch.json",
    "deadletter": "sqs_deadletter_batch.json",
}

SAMPLE_KEY = "jq_example-key-not-a-real-one"  # the bearer key of the samples in events/

FLOOR = "libraries floor"
FLOOR_WHAT = (
    "import boto3, its first DynamoDB client, import pydantic and a Powertools Logger: what every"
    " function loads before any code of its own (the resource layer, other clients and the"
    " function's own modules come on top)"
)

_CHILD = r"""
import json, sys, time
out, handler_spec, event_path, arn = sys.argv[1:5]
result = {}
if handler_spec == "boto3":
    t0 = time.perf_counter()
    import boto3
    result["import_ms"] = (time.perf_counter() - t0) * 1000
elif handler_spec == "floor":
    t0 = time.perf_counter()
    import boto3
    boto3.client("dynamodb")
    import pydantic
    from aws_lambda_powertools import Logger
    Logger(service="floor")
    result["import_ms"] = (time.perf_counter() - t0) * 1000
else:
    module_name, _, function_name = handler_spec.rpartition(".")
    t0 = time.perf_counter()
    import importlib
    handler = getattr(importlib.import_module(module_name), function_name)
    t1 = time.perf_counter()
    import os

    class Context:
        aws_request_id = "bench-cold-start"
        invoked_function_arn = arn
        function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        function_version = "$LATEST"
        memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        log_stream_name = "local"
        identity = client_context = None
        _deadline = time.time() + 60

        def get_remaining_time_in_millis(self):
            return int((self._deadline - time.time()) * 1000)

    with open(event_path) as f:
        event = json.load(f)
    t2 = time.perf_counter()
    try:
        handler(event, Context())
        result["error"] = None
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:200]
    t3 = time.perf_counter()
    result["import_ms"] = (t1 - t0) * 1000
    result["first_invoke_ms"] = (t3 - t2) * 1000
with open(out, "w") as f:
    json.dump(result, f)
"""


def _run(env: dict[str, str], cwd: Path, handler: str, event: Path | None, arn: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        done = subprocess.run(
            [sys.executable, "-P", "-c", _CHILD, out.name, handler, str(event or ""), arn],
            env=env,
            cwd=cwd,
            capture_output=True,
            timeout=120,
        )
        text = Path(out.name).read_text()
    if done.returncode != 0 or not text:  # the import failed: its error's last lines
        return {"init_error": f"exit {done.returncode}: {done.stderr.decode(errors='replace')[-400:]}"}
    return json.loads(text)


def _total(run: dict[str, Any]) -> float:
    return run["import_ms"] + run.get("first_invoke_ms", 0.0)


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    good = [r for r in runs if "init_error" not in r]
    failed = {"init_errors": sorted({r["init_error"] for r in runs if "init_error" in r})}
    if not good:
        return {"runs": len(runs), **failed}
    best = min(good, key=_total)
    return {
        "import_ms": round(best["import_ms"], 1),
        **({"first_invoke_ms": round(best["first_invoke_ms"], 1)} if "first_invoke_ms" in best else {}),
        "runs": len(runs),
        "errors": sorted({r["error"] for r in good if r.get("error")}),
        **(failed if failed["init_errors"] else {}),
    }


def _measure_all(jobs: dict[str, tuple[Any, ...]], runs: int) -> dict[str, dict[str, Any]]:
    """Runs in rounds (each function once per round), so that a burst of load elsewhere on the
    machine spoils one run of several functions rather than every run of one; runs <= 0: 3
    rounds, then 2 more for the functions whose runs all took under a second."""
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in jobs}
    for _ in range(3 if runs <= 0 else runs):
        for name, job in jobs.items():
            results[name].append(_run(*job))
    if runs <= 0:
        quick = [
            n for n, rs in results.items() if all("init_error" not in r and _total(r) < 1000 for r in rs)
        ]
        for _ in range(2):
            for name in quick:
                results[name].append(_run(*jobs[name]))
    return {name: _best(rs) for name, rs in results.items()}


def _for_demo(stack: LocalStack, event: str) -> str:
    """The sample event as the demo tenant's: its key (the authorizer allows), its tenant id."""
    assert stack.demo is not None and stack.demo.api_key
    event = event.replace(SAMPLE_KEY, stack.demo.api_key)
    return event.replace('"tenant_id": "acme"', f'"tenant_id": "{stack.demo.tenant_id}"')


def cold_starts(stack: LocalStack, workdir: Path, runs: int = 0) -> dict[str, Any]:
    """runs <= 0: best of 3, or of 5 when each run is under a second."""
    specs = {spec.label: spec for spec in stack.specs.values()}
    base_env = lambda_environment(specs["api"], endpoint_url=stack.moto_url, region=stack.region)
    base_env = {k: v for k, v in base_env.items() if k != "PYTHONPATH"}
    empty = workdir / "empty"
    empty.mkdir(exist_ok=True)
    jobs: dict[str, tuple[Any, ...]] = {
        "boto3": (base_env, empty, "boto3", None, ""),
        FLOOR: (base_env, empty, "floor", None, ""),
    }
    functions: dict[str, Any] = {}
    for label, spec in sorted(specs.items()):
        if label not in EVENTS:
            functions[label] = {"skipped": "no sample event in events/"}
            continue
        event = workdir / EVENTS[label]
        event.write_text(_for_demo(stack, (ROOT / "events" / EVENTS[label]).read_text()))
        env = lambda_environment(spec, endpoint_url=stack.moto_url, region=stack.region)
        jobs[label] = (env, spec.code_dir, spec.handler, event, spec.arn)
    measured = _measure_all(jobs, runs)
    boto3_ms = measured.pop("boto3").get("import_ms")
    floor_ms = measured.pop(FLOOR).get("import_ms")
    for label, figures in measured.items():
        if "import_ms" not in figures:
            functions[label] = {"handler": jobs[label][2], **figures, "ok": False}
            continue
        cold = figures["import_ms"] + figures["first_invoke_ms"]
        functions[label] = {
            "handler": jobs[label][2],
            "event": f"events/{EVENTS[label]}",
            **figures,
            "cold_ms": round(cold, 1),
            "cold_to_boto3": ratio(cold, boto3_ms),
            "import_to_boto3": ratio(figures["import_ms"], boto3_ms),
            "ok": not figures["errors"] and "init_errors" not in figures,
        }
    return {
        "import_boto3_ms": boto3_ms,
        "libraries_floor": {
            "ms": floor_ms,
            "to_boto3": ratio(floor_ms, boto3_ms) if floor_ms is not None else None,
            "what": FLOOR_WHAT,
        },
        "events": "the samples of events/, with the demo tenant's key and tenant id",
        "method": "time.perf_counter in a fresh `python -P` per run (interpreter start not included); best run",
        "functions": dict(sorted(functions.items())),
    }
