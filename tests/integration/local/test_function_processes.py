"""Functions in their own processes (local/function_pool.py, local/execution_environment.py,
local/function_env.py + local/lambda_runtime.py): own environment, warm reuse, crash and timeout
handling, init errors, the context object."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from local.errors import FunctionError
from local.function_env import lambda_environment
from local.function_pool import FunctionPool
from local.function_specs import FunctionSpec

HANDLER = """
import os, signal, time
STARTED = time.time()
CALLS = []

def lambda_handler(event, context):
    CALLS.append(1)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("die"):
        os.kill(os.getpid(), signal.SIGKILL)
    if event.get("raise"):
        raise ValueError("bad input")
    return {
        "pid": os.getpid(),
        "calls": len(CALLS),
        "env": dict(os.environ),
        "remaining": context.get_remaining_time_in_millis(),
        "name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "log_group": context.log_group_name,
    }
"""


def _spec(code_dir: Path, handler: str = "probe_app.lambda_handler", timeout: int = 3) -> FunctionSpec:
    return FunctionSpec(
        logical_id="ProbeFunction",
        name="stack-probe",
        arn="arn:aws:lambda:us-east-1:123456789012:function:stack-probe",
        handler=handler,
        code_dir=code_dir,
        layer_dirs=[],
        runtime="python3.12",
        timeout=timeout,
        memory=256,
        environment={"TABLE": "jobs"},
        reserved_concurrency=None,
    )


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    (tmp_path / "probe_app.py").write_text(HANDLER)
    return tmp_path


@pytest.fixture
def pool(code_dir: Path):
    output: list[tuple[str, str, str]] = []
    spec = _spec(code_dir)
    pool = FunctionPool(
        spec,
        lambda_environment(spec, endpoint_url="http://127.0.0.1:1", region="us-east-1"),
        lambda *line: output.append(line),
        max_size=2,
    )
    pool.output_lines = output  # type: ignore[attr-defined]
    yield pool
    pool.stop()


def test_function_sees_exactly_its_own_environment(pool: FunctionPool, code_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARENT_SECRET", "leak")

    env = pool.invoke({})["env"]

    assert "PARENT_SECRET" not in env
    assert env["TABLE"] == "jobs"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "stack-probe"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(code_dir)
    assert env["WEBHOOK_ALLOW_PRIVATE"] == "1"


def test_environment_stays_warm_across_invocations(pool: FunctionPool) -> None:
    first, second = pool.invoke({}), pool.invoke({})

    assert first["pid"] == second["pid"]
    assert (first["calls"], second["calls"]) == (1, 2)  # module state survives, as in a warm Lambda


def test_context_counts_down_from_the_timeout(pool: FunctionPool) -> None:
    pool.warm()
    started = time.monotonic()
    answer = pool.invoke({"sleep": 0.3}, request_id="req-1")
    elapsed_ms = (time.monotonic() - started) * 1000

    # 3 s timeout, 0.3 s asleep: at most 2.7 s left; at least what is left after the whole
    # invocation took (a loaded machine makes that longer, never the countdown wrong).
    assert 3000 - elapsed_ms - 20 <= answer["remaining"] <= 2700
    assert (answer["name"], answer["memory"], answer["request_id"]) == ("stack-probe", "256", "req-1")
    assert answer["arn"].endswith(":function:stack-probe")
    assert answer["log_group"] == "/aws/lambda/stack-probe"


def test_handler_exception_is_a_function_error_and_keeps_the_environment(pool: FunctionPool) -> None:
    before = pool.invoke({})["pid"]

    with pytest.raises(FunctionError) as error:
        pool.invoke({"raise": True})

    assert (error.value.error_type, error.value.message) == ("ValueError", "bad input")
    assert pool.invoke({})["pid"] == before
    # The function's stderr is read by a background thread: wait for the line, with a deadline.
    deadline = time.monotonic() + 30
    while not any("bad input" in line for _, _, line in pool.output_lines):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the handler's traceback never reached the log"
        time.sleep(0.05)


def test_crashed_process_is_reported_and_replaced(pool: FunctionPool) -> None:
    before = pool.invoke({})["pid"]

    with pytest.raises(FunctionError) as error:
        pool.invoke({"die": True})

    assert error.value.error_type == "Runtime.ExitError"
    assert "signal: SIGKILL" in error.value.message
    assert pool.invoke({})["pid"] != before


def test_timeout_kills_the_environment_after_timeout_seconds(pool: FunctionPool) -> None:
    pool.warm()  # the clock below is the invocation's, not a cold start's
    started = time.monotonic()

    with pytest.raises(FunctionError) as error:
        pool.invoke({"sleep": 60})

    assert error.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 3.00 seconds" in error.value.message
    # Killed at the 3 s timeout, far from the 60 s the handler wanted (slack for a loaded machine).
    assert 2.9 < time.monotonic() - started < 15
    assert pool.invoke({})["calls"] == 1  # a fresh environment


def test_each_invocation_records_its_duration_route_and_records(pool: FunctionPool) -> None:
    pool.warm()  # init is not part of an invocation's duration
    before = time.monotonic()

    pool.invoke({"sleep": 0.3, "routeKey": "POST /v1/jobs"})
    pool.invoke({"Records": [{}, {}, {}]})
    with pytest.raises(FunctionError):
        pool.invoke({"raise": True})  # a function error has a duration too, as on Lambda
    with pytest.raises(FunctionError):
        pool.invoke({"die": True})  # a crash has none: the runtime never answered

    slept, batch, failed = pool.durations
    assert 300 <= slept.ms < 3000 and slept.route == "POST /v1/jobs" and slept.records is None
    assert batch.ms < slept.ms and (batch.route, batch.records) == (None, 3)
    assert failed.ms >= 0 and before < slept.ended <= batch.ended <= failed.ended <= time.monotonic()


def test_pool_grows_to_serve_concurrent_invocations(pool: FunctionPool) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as executor:
        pids = set(executor.map(lambda _: pool.invoke({"sleep": 1.0})["pid"], range(2)))

    assert len(pids) == 2
    assert pool.size == 2


def test_fault_injection_kills_matching_invocations_only(pool: FunctionPool) -> None:
    pool.faults.append(("poison", "crash"))

    with pytest.raises(FunctionError) as error:
        pool.invoke({"body": "poison"})

    assert error.value.error_type == "Runtime.ExitError"
    assert pool.invoke({"body": "fine"})["calls"] == 1


@pytest.mark.parametrize(
    ("handler", "error_type", "text"),
    [
        ("missing_app.lambda_handler", "Runtime.ImportModuleError", "missing_app"),
        ("probe_app.nope", "Runtime.HandlerNotFound", "nope"),
        ("broken_app.lambda_handler", "Runtime.ImportModuleError", "ZeroDivisionError"),
    ],
)
def test_a_wrong_handler_fails_at_init_like_on_aws(
    code_dir: Path, handler: str, error_type: str, text: str
) -> None:
    (code_dir / "broken_app.py").write_text("1 / 0\n")
    spec = _spec(code_dir, handler)
    pool = FunctionPool(
        spec, lambda_environment(spec, endpoint_url="http://x", region="us-east-1"), lambda *a: None
    )
    try:
        with pytest.raises(FunctionError) as error:
            pool.warm()
    finally:
        pool.stop()

    assert error.value.error_type == error_type
    assert text in error.value.message
