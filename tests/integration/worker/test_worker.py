"""The worker function end to end on moto: the real entry point, real SQS event shapes."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
import worker_app

from jobqueue.messages import message_body
from jobqueue.models.job import JobStatus, RetryPolicy, RetryStrategy
from jobqueue.models.tenant import Tenant
from jobqueue.registry import Registry
from jobqueue.tenancy.admission import admit
from jobqueue.tenancy.profiles import effective_limits
from jobqueue.testing import FrozenClock
from jobqueue.tiers import TIER_LIMITS
from jobqueue.times import utc_now
from jobqueue.wiring import aws_ports, default_ports, default_registry
from jobqueue.worker.process import process_batch
from tests.integration.worker.kit import (
    ScriptedContext,
    captured_sends,
    count_aws_calls,
    drain,
    message_event,
    queue_url_of,
    queued_bodies,
    receive_event,
    sqs_record,
    submit,
)
from tests.support.events import FakeLambdaContext, load_event
from tests.support.factories import make_job
from tests.support.faults import Faulty, raising, replace_ports
from tests.support.moto_env import raw_item

# The functions' own Metrics object carries only the cold-start metric.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


def run_worker(event, context=None):
    return worker_app.lambda_handler(event, context or FakeLambdaContext(remaining_ms=60_000))


def run_with(event, ports=None, registry=None):
    """The worker's batch with other ports (a clock moved on, a fault) or another registry."""
    context = FakeLambdaContext(remaining_ms=60_000)
    return process_batch(event, context, ports or default_ports(), registry or default_registry())


def later_ports(seconds: float):
    """The AWS ports on a clock `seconds` ahead of now (a backoff has passed)."""
    return aws_ports(FrozenClock(utc_now() + timedelta(seconds=seconds)))


def stored(job):
    return default_ports().jobs.get(job.tenant_id, job.id)


def failures(response):
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def test_a_submitted_job_runs_to_completed(worker_env):
    job = submit(handler="echo", payload={"greeting": "hi"})
    event = receive_event(queue_url_of(job))

    response = run_worker(event)

    done = stored(job)
    assert failures(response) == []
    assert done.status is JobStatus.COMPLETED
    assert done.attempts == 1
    assert done.last_result.success is True
    assert done.last_result.result == {"greeting": "hi"}
    assert done.last_result.execution_ms is not None
    assert done.completed_at is not None and done.started_at is not None
    assert "GSI2PK" not in raw_item(job.tenant_id, job.id)


def test_a_duplicate_delivery_runs_the_handler_once(worker_env):
    calls = []
    spec = default_registry().get("echo")

    def counting(payload, ctx):
        calls.append(ctx.job.id)
        return spec.func(payload, ctx)

    counted = dataclasses.replace(spec, func=counting)
    registry = Registry([counted if s.name == "echo" else s for s in default_registry().all()])
    job = submit(handler="echo")
    event = message_event(job)

    first = run_with(event, registry=registry)
    second = run_with(message_event(job), registry=registry)

    assert failures(first) == failures(second) == []
    assert calls == [job.id]
    assert stored(job).attempts == 1


def test_the_same_message_twice_in_one_batch_runs_once(worker_env):
    job = submit(handler="echo")
    event = message_event(job, job)

    response = run_worker(event)

    assert failures(response) == []
    assert stored(job).attempts == 1
    assert stored(job).status is JobStatus.COMPLETED


def test_a_flaky_job_is_retried_after_its_backoff_then_completes(worker_env):
    policy = RetryPolicy(strategy=RetryStrategy.EXPONENTIAL, base_seconds=20, max_seconds=60)
    job = submit(handler="flaky", payload={"fail_times": 1}, retry=policy, max_retries=2)

    with captured_sends() as sent:
        first = run_worker(message_event(job))
    retried = stored(job)
    event = {"Records": [sqs_record(sent[0]["MessageBody"], sent[0]["QueueUrl"])]}
    second = run_with(event, later_ports(21))

    assert failures(first) == failures(second) == []
    assert retried.status is JobStatus.PENDING
    assert retried.retries_used == 1 and retried.attempts == 1
    assert retried.last_result.success is False and retried.last_result.error_type == "HandlerError"
    wait = (retried.scheduled_for - retried.started_at).total_seconds()
    assert 10 <= wait <= 21  # the first retry of base 20 s with equal jitter: 10-20 s
    assert len(sent) == 1 and 10 <= sent[0]["DelaySeconds"] <= 20
    assert json.loads(sent[0]["MessageBody"])["attempt"] == 1
    done = stored(job)
    assert done.status is JobStatus.COMPLETED
    assert done.attempts == 2
    assert done.last_result.result == {"succeeded_on_attempt": 2}


def test_a_non_retryable_failure_fails_after_one_attempt(worker_env):
    job = submit(handler="fail", payload={"message": "bad input", "retryable": False}, max_retries=3)

    with captured_sends() as sent:
        response = run_worker(message_event(job))

    failed = stored(job)
    assert failures(response) == []
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 1 and failed.retries_used == 0
    assert failed.last_result.error_message == "bad input"
    assert "not retryable" in failed.status_reason
    assert sent == []


def test_a_job_out_of_retries_fails(worker_env):
    fixed = RetryPolicy(strategy=RetryStrategy.FIXED, base_seconds=1, max_seconds=1)
    job = submit(handler="fail", payload={"message": "still broken"}, max_retries=1, retry=fixed)

    with captured_sends() as sent:
        run_worker(message_event(job))
    run_with({"Records": [sqs_record(sent[0]["MessageBody"], sent[0]["QueueUrl"])]}, later_ports(5))

    failed = stored(job)
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 2 and failed.retries_used == 1
    assert "no retries left" in failed.status_reason
    assert failed.completed_at is not None


def test_a_timed_out_job_does_not_hold_up_the_rest_of_the_batch(worker_env):
    slow = submit(handler="sleep", payload={"seconds": 30}, timeout_seconds=1, max_retries=0)
    quick = submit(handler="echo", payload={"n": 1})

    response = run_worker(message_event(slow, quick))

    timed_out = stored(slow)
    assert failures(response) == []
    assert timed_out.status is JobStatus.TIMED_OUT
    assert timed_out.last_result.error_type == "Timeout"
    assert 900 <= timed_out.last_result.execution_ms < 5_000
    assert stored(quick).status is JobStatus.COMPLETED


def test_a_timed_out_job_with_retries_left_waits_for_its_next_attempt(worker_env):
    slow = submit(handler="sleep", payload={"seconds": 30}, timeout_seconds=1, max_retries=1)

    run_worker(message_event(slow))

    again = stored(slow)
    assert again.status is JobStatus.PENDING
    assert again.retries_used == 1
    assert again.last_result.error_type == "Timeout"


def test_an_invalid_payload_fails_at_once_without_retries(worker_env):
    job = submit(handler="sleep", payload={"seconds": "forever"}, max_retries=3)

    run_worker(message_event(job))

    failed = stored(job)
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 1 and failed.retries_used == 0
    assert failed.last_result.error_type == "ValidationError"
    assert "seconds" in failed.last_result.error_message


def test_a_cancelled_jobs_message_is_a_no_op(worker_env):
    job = submit(handler="echo", status=JobStatus.CANCELLED)

    response = run_worker(message_event(job))

    assert failures(response) == []
    assert stored(job).status is JobStatus.CANCELLED
    assert stored(job).attempts == 0


def test_a_message_older_than_the_jobs_attempt_is_a_no_op(worker_env):
    job = submit(handler="echo", attempts=2)
    stale = {"job_id": job.id, "tenant_id": job.tenant_id, "attempt": 1}

    response = run_worker({"Records": [sqs_record(json.dumps(stale), queue_url_of(job))]})

    assert failures(response) == []
    assert stored(job).status is JobStatus.QUEUED
    assert stored(job).attempts == 2


def test_a_message_of_a_missing_job_is_acknowledged(worker_env):
    job = submit(handler="echo")
    ghost = {"job_id": "01NOSUCHJOB0000000000000000", "tenant_id": job.tenant_id, "attempt": 0}

    response = run_worker({"Records": [sqs_record(json.dumps(ghost), queue_url_of(job))]})

    assert failures(response) == []


def test_a_message_early_for_its_job_is_re_sent_for_the_rest_of_the_wait(worker_env):
    job = submit(handler="echo", scheduled_for=utc_now() + timedelta(minutes=40))

    with captured_sends() as sent:
        response = run_worker(message_event(job))

    assert failures(response) == []
    assert stored(job).status is JobStatus.QUEUED and stored(job).attempts == 0
    assert [s["DelaySeconds"] for s in sent] == [900]


def test_near_the_deadline_the_remaining_records_go_back_untouched(worker_env):
    first = submit(handler="echo")
    rest = [submit(handler="echo") for _ in range(2)]
    event = receive_event(queue_url_of(first))
    first_id = json.loads(event["Records"][0]["body"])["job_id"]
    context = ScriptedContext(script=[60_000, 1_000])

    # one record at a time, so the script's readings follow the batch's order
    response = process_batch(event, context, default_ports(), default_registry(), threads=1)

    all_jobs = [first, *rest]
    ran = [j for j in all_jobs if j.id == first_id]
    waiting = [j for j in all_jobs if j.id != first_id]
    assert stored(ran[0]).status is JobStatus.COMPLETED
    assert sorted(failures(response)) == sorted(r["messageId"] for r in event["Records"][1:])
    for job in waiting:
        untouched = stored(job)
        assert untouched.status is JobStatus.QUEUED
        assert untouched.attempts == 0 and untouched.retries_used == 0
    # made visible again at once, not after the visibility timeout
    assert sorted(b["job_id"] for b in queued_bodies(queue_url_of(first))) == sorted(j.id for j in waiting)


def test_a_record_deferred_again_and_again_is_re_sent_fresh_instead_of_failing(worker_env):
    job = submit(handler="echo")
    drain(queue_url_of(job))
    record = sqs_record(message_body(job), queue_url_of(job), receives=3)
    context = ScriptedContext(script=[1_000])

    with captured_sends() as sent:
        response = run_worker({"Records": [record]}, context)

    assert failures(response) == []
    assert [json.loads(s["MessageBody"])["job_id"] for s in sent] == [job.id]
    assert stored(job).status is JobStatus.QUEUED and stored(job).attempts == 0


def test_a_poison_body_is_a_batch_item_failure_and_the_rest_completes(worker_env):
    job = submit(handler="echo")
    poison = sqs_record("definitely not json", queue_url_of(job))
    good = sqs_record(message_body(job), queue_url_of(job))

    response = run_worker({"Records": [poison, good]})

    assert failures(response) == [poison["messageId"]]
    assert stored(job).status is JobStatus.COMPLETED


def test_a_crash_before_the_claim_leaves_the_message_to_sqs(worker_env):
    job = submit(handler="echo")
    ports = default_ports()
    broken = Faulty(ports.jobs, get=raising(RuntimeError("DynamoDB is having a bad day")))
    event = message_event(job)

    response = run_with(event, replace_ports(ports, jobs=broken))

    assert failures(response) == [event["Records"][0]["messageId"]]


def test_job_metrics_have_priority_and_type_dimensions_and_the_tenant_as_metadata(worker_env, capsys):
    job = submit(handler="echo", tenant_id="globex")

    run_worker(message_event(job))

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    job_lines = [line for line in lines if "JobsCompleted" in line]
    assert len(job_lines) == 1
    emf = job_lines[0]
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "JobQueue"
    assert directive["Dimensions"] == [["priority", "type"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"JobsCompleted", "ExecutionMs", "QueueWaitMs"}
    assert emf["tenant_id"] == "globex" and emf["job_id"] == job.id
    assert emf["priority"] == "normal" and emf["type"] == "immediate"


def test_one_job_from_claim_to_completed_costs_five_calls_and_four_writes(worker_env):
    default_ports().tenants.put(Tenant(tenant_id="acme", name="Acme", tier=2))
    job = submit(handler="echo")
    admit(default_ports().counters, "acme", TIER_LIMITS[2], 1, job.created_at)  # as the api did
    default_ports().tenants.forget()
    effective_limits(default_ports().tenants, "acme")  # a warm profile cache (read once per 5 s)
    event = message_event(job)

    with count_aws_calls("sqs") as log:
        run_worker(event)

    assert stored(job).status is JobStatus.COMPLETED
    # The job read; the slot (waiting -> running), the claim, the outcome, the slot back.
    assert dict(log.calls) == {("dynamodb", "GetItem"): 1, ("dynamodb", "UpdateItem"): 4}
    assert log.total == 5 and log.dynamodb_writes == 4
    snapshot = default_ports().counters.snapshot("acme")
    assert (snapshot.waiting, snapshot.running) == (0, 0)


def test_the_sample_batch_runs_its_three_jobs(worker_env):
    event = load_event("sqs_job_batch")
    jobs = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        job = make_job(id=body["job_id"], tenant_id=body["tenant_id"], attempts=body["attempt"])
        default_ports().jobs.create(job)
        jobs.append(job)

    response = run_worker(event)

    assert failures(response) == []
    assert [stored(j).status for j in jobs] == [JobStatus.COMPLETED] * 3
    assert [stored(j).attempts for j in jobs] == [1, 1, 2]
