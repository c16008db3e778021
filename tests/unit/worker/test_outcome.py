"""The outcome rule: what an attempt's result makes of a claimed job (pure)."""

import random
from datetime import timedelta

from jobqueue.models.job import JobStatus, RetryPolicy, RetryStrategy
from jobqueue.times import utc_now
from jobqueue.worker.results import decide, json_safe
from jobqueue.worker.runner import RunKind, RunResult
from tests.support.factories import make_job

NOW = utc_now()


def claimed(**fields):
    return make_job(status=JobStatus.PROCESSING, attempts=1, **fields)


def error(retryable=True, kind=RunKind.FAILED):
    return RunResult(
        kind, error_type="HandlerError", error_message="boom", retryable=retryable, execution_ms=12
    )


def test_success_completes_with_the_result():
    decision = decide(
        claimed(), RunResult(RunKind.SUCCEEDED, value={"ok": 1}, execution_ms=5), NOW, random.Random(0)
    )

    assert decision.status is JobStatus.COMPLETED
    assert decision.changes["last_result"].result == {"ok": 1}
    assert decision.changes["last_result"].execution_ms == 5
    assert decision.changes["completed_at"] == NOW
    assert decision.sweep_at is None and decision.delay_seconds is None


def test_a_retryable_error_with_retries_left_waits_pending_for_the_backoff():
    job = claimed(max_retries=3, retry=RetryPolicy(strategy=RetryStrategy.FIXED, base_seconds=30))

    decision = decide(job, error(), NOW, random.Random(0))

    assert decision.status is JobStatus.PENDING and decision.changes["waiting_on"] == "time"
    assert decision.changes["retries_used"] == 1
    assert decision.changes["scheduled_for"] == NOW + timedelta(seconds=30)
    assert decision.delay_seconds == 30
    assert decision.sweep_at == NOW + timedelta(seconds=30 + 300)


def test_a_backoff_beyond_fifteen_minutes_is_sent_with_the_sqs_maximum():
    job = claimed(retry=RetryPolicy(strategy=RetryStrategy.FIXED, base_seconds=3600, max_seconds=3600))

    decision = decide(job, error(), NOW, random.Random(0))

    assert decision.delay_seconds == 900
    assert decision.changes["scheduled_for"] == NOW + timedelta(hours=1)
    assert decision.notes


def test_a_non_retryable_error_fails_at_once():
    decision = decide(claimed(max_retries=3), error(retryable=False), NOW, random.Random(0))

    assert decision.status is JobStatus.FAILED
    assert "not retryable" in decision.changes["status_reason"]


def test_a_retryable_error_without_retries_left_fails():
    decision = decide(claimed(max_retries=2, retries_used=2), error(), NOW, random.Random(0))

    assert decision.status is JobStatus.FAILED
    assert "no retries left" in decision.changes["status_reason"]


def test_a_timeout_with_retries_left_waits_again_and_without_backoff_is_queued_at_once():
    result = RunResult(RunKind.TIMED_OUT, error_type="Timeout", retryable=True, time_limit_seconds=1)
    no_backoff = claimed(max_retries=1, retry=RetryPolicy(strategy=RetryStrategy.FIXED, base_seconds=0))

    assert decide(claimed(max_retries=1), result, NOW, random.Random(0)).status is JobStatus.PENDING
    assert decide(no_backoff, result, NOW, random.Random(0)).status is JobStatus.QUEUED


def test_a_timeout_without_retries_left_times_out():
    result = RunResult(RunKind.TIMED_OUT, error_type="Timeout", retryable=True, time_limit_seconds=1)

    decision = decide(claimed(max_retries=0), result, NOW, random.Random(0))

    assert decision.status is JobStatus.TIMED_OUT
    assert decision.changes["last_result"].error_type == "Timeout"


def test_an_invalid_payload_fails_even_with_retries_left():
    result = RunResult(RunKind.INVALID, error_type="ValidationError", error_message="invalid payload: x")

    decision = decide(claimed(max_retries=5), result, NOW, random.Random(0))

    assert decision.status is JobStatus.FAILED
    assert decision.changes["status_reason"] == "invalid payload: x"


def test_a_result_that_is_not_json_is_stored_as_text():
    assert json_safe({"when": NOW}) == {"when": str(NOW)}


def test_a_huge_result_is_stored_as_a_preview():
    stored = json_safe({"blob": "x" * 100_000})

    assert stored["truncated"] is True and len(stored["preview"]) == 1024
