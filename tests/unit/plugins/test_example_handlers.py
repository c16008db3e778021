"""The example handlers (layers/handlers/app_handlers/examples.py) and the handler author's kit
(`jobqueue.testing.handlers.run_handler`, `jobqueue.testing.memory.MemoryQueue`): no AWS, no
moto, no waiting for backoffs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from jobqueue import JobContext, handler, on_job_failure, on_job_start, on_job_success
from jobqueue.errors import ValidationFailed
from jobqueue.registry import Hooks
from jobqueue.testing.handlers import run_handler
from jobqueue.testing.memory import MemoryQueue

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "layers" / "handlers"))
from app_handlers import examples

ROWS = [{"status": "ok"}, {"status": "ok"}, {"status": "late"}]


def test_the_report_generator_counts_rows_by_a_column():
    run = run_handler(examples.generate_report, {"report_type": "usage", "rows": ROWS})

    assert run.succeeded and len(run.attempts) == 1
    assert run.result["counts"] == {"ok": 2, "late": 1} and run.result["rows"] == 3


def test_a_bad_payload_is_refused_as_the_api_would_with_the_field_named():
    with pytest.raises(ValidationFailed) as refused:
        run_handler(examples.generate_report, {"report_type": "weekly"})

    assert "payload.report_type" in refused.value.details


def test_the_data_processor_fails_at_once_on_a_non_retryable_error():
    run = run_handler(examples.process_data, {"data_id": "b1", "items": [1, float("nan")]}, max_retries=3)

    assert run.status == "failed" and len(run.attempts) == 1
    assert run.error == "NonRetryableError: batch b1 holds NaN values"


def test_the_data_processors_estimate_sets_the_default_time_limit():
    quick = run_handler(examples.process_data, {"data_id": "q", "processing_type": "quick"})
    deep = run_handler(examples.process_data, {"data_id": "d", "processing_type": "deep"})
    given = run_handler(examples.process_data, {"data_id": "g"}, timeout_seconds=7)

    assert (quick.job.timeout_seconds, deep.job.timeout_seconds, given.job.timeout_seconds) == (5, 120, 7)
    assert quick.result == {"data_id": "q", "processed": 0, "total": 0.0}


class Flaky(BaseModel):
    fail_times: int


CALLS: list[str] = []


@handler(
    "kit_flaky",
    category="custom_processing",
    payload=Flaky,
    timeout_seconds=1,
    on_start=lambda p, ctx: CALLS.append(f"start {ctx.attempt}"),
    on_success=lambda p, ctx, result: CALLS.append(f"success {result}"),
    on_failure=lambda p, ctx, error: CALLS.append(f"failure {type(error).__name__}"),
)
def flaky(payload: Flaky, ctx: JobContext) -> str:
    if ctx.attempt <= payload.fail_times:
        raise RuntimeError(f"attempt {ctx.attempt} fails")
    return "ok"


@handler("kit_stuck", category="custom_processing", payload=Flaky, timeout_seconds=1)
def stuck(payload: Flaky, ctx: JobContext) -> None:
    ctx.cancelled.wait(5)  # stops when told: the time limit passed


def test_retries_follow_the_backoff_policy_and_hooks_see_every_attempt():
    CALLS.clear()
    run = run_handler(
        flaky, {"fail_times": 2}, max_retries=3, retry={"strategy": "fixed", "base_seconds": 30}
    )

    assert run.succeeded and [a.outcome for a in run.attempts] == ["failed", "failed", "succeeded"]
    assert [a.retry_in_seconds for a in run.attempts] == [30.0, 30.0, None]
    assert CALLS == [
        "start 1",
        "failure RuntimeError",
        "start 2",
        "failure RuntimeError",
        "start 3",
        "success ok",
    ]


def test_out_of_retries_the_job_fails_with_the_last_error():
    run = run_handler(flaky, {"fail_times": 5}, max_retries=1, retry={"strategy": "fixed", "base_seconds": 1})

    assert run.status == "failed" and len(run.attempts) == 2 and run.error == "RuntimeError: attempt 2 fails"


def test_a_handler_past_its_time_limit_times_out_and_is_told_to_stop():
    seen: list[str] = []
    hooks = Hooks(on_failure=(lambda p, ctx, error: seen.append(type(error).__name__),))

    run = run_handler(stuck, {"fail_times": 0}, worker_hooks=hooks)

    assert run.status == "timed_out" and run.attempts[0].error_type == "Timeout"
    assert seen == ["TimeoutError"]


def test_a_hook_that_raises_changes_nothing():
    def broken(payload, ctx):
        raise ValueError("hook bug")

    run = run_handler(
        examples.generate_report, {"report_type": "usage"}, worker_hooks=Hooks(on_start=(broken,))
    )

    assert run.succeeded


AUDIT: list[str] = []


@on_job_start
def audit_start(payload, ctx):
    AUDIT.append(f"start {ctx.job.handler}")


@on_job_success
def audit_success(payload, ctx, result):
    AUDIT.append(f"done {ctx.job.handler}")


@on_job_failure
def audit_failure(payload, ctx, error):
    AUDIT.append(f"failed {ctx.job.handler}")


def test_the_memory_queue_runs_delays_dependencies_and_retries_to_the_end():
    AUDIT.clear()
    queue = MemoryQueue(modules=[examples, sys.modules[__name__]])
    data = queue.submit("data_processor", {"data_id": "x", "items": [1, 2, 3]}, delay_seconds=120)
    report = queue.submit("report_generator", {"report_type": "summary"}, depends_on=[data.id])
    retried = queue.submit("kit_flaky", {"fail_times": 1}, retry={"strategy": "fixed", "base_seconds": 10})
    started = queue.clock.now()

    queue.run_until_idle()

    jobs = {job.id: job for job in queue.jobs()}
    assert {job.status.value for job in jobs.values()} == {"completed"}
    assert jobs[data.id].last_result.result == {"data_id": "x", "processed": 3, "total": 6.0}
    assert jobs[report.id].started_at >= jobs[data.id].completed_at  # it waited for its parent
    assert jobs[retried.id].attempts == 2
    assert (queue.clock.now() - started).total_seconds() >= 120  # the delay passed, on the fake clock
    assert sorted(AUDIT) == sorted(
        [
            "start data_processor",
            "done data_processor",
            "start report_generator",
            "done report_generator",
            "start kit_flaky",
            "failed kit_flaky",
            "start kit_flaky",
            "done kit_flaky",
        ]
    )


def test_the_memory_queue_refuses_what_the_api_refuses():
    queue = MemoryQueue(modules=[examples])

    with pytest.raises(ValidationFailed):
        queue.submit("data_processor", {"processing_type": "quick"})  # no data_id
    with pytest.raises(Exception, match="no handler named"):
        queue.submit("nope")
