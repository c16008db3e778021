"""Tenant concurrency at execution through the real worker, sweeper and dead-letter handlers:
a slot per running job, deferral in a NEW message (no retry budget spent, never the DLQ), slots
back on every exit, the lease path through the sweeper, counter reconciliation by the sweeper."""

from __future__ import annotations

import json
from datetime import timedelta

import deadletter_app
import pytest
import sweeper_app
import worker_app

from jobqueue.deadlines import dispatch_check_at
from jobqueue.ids import ulid
from jobqueue.messages import message_body
from jobqueue.models.job import JobStatus
from jobqueue.models.tenant import Tenant
from jobqueue.tenancy.reconcile import true_counts
from jobqueue.tenancy.slots import take_slot
from jobqueue.tiers import LimitOverrides
from jobqueue.times import iso, utc_now
from jobqueue.wiring import default_ports, default_registry
from jobqueue.worker import claim
from jobqueue.worker.process import process_batch
from tests.integration.worker.kit import captured_sends, message_event, queue_url_of, sqs_record, submit
from tests.support.events import FakeLambdaContext, load_event
from tests.support.faults import Faulty, replace_ports
from tests.support.moto_env import raw_item

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


@pytest.fixture
def acme(worker_env):
    default_ports().tenants.put(
        Tenant(tenant_id="acme", name="Acme", tier=2, overrides=LimitOverrides(max_concurrent_jobs=1))
    )
    default_ports().tenants.forget()
    yield
    default_ports().tenants.forget()


def admitted(**fields):
    """A queued job as the api leaves it: record, message, and its waiting place counted."""
    job = submit(**fields)
    default_ports().counters.reserve_waiting(job.tenant_id, 1, 1000)
    return job


def counts(tenant_id="acme"):
    snapshot = default_ports().counters.snapshot(tenant_id)
    return snapshot.waiting, snapshot.running


def stored(job):
    return default_ports().jobs.get(job.tenant_id, job.id)


def test_a_job_over_the_limit_waits_in_a_new_message_without_using_its_retries(acme):
    running = admitted(handler="echo")
    take_slot(
        default_ports().counters, default_ports().tenants, running
    )  # another job holds the tenant's only slot
    job = admitted(handler="echo", max_retries=0)
    event = message_event(job)
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "4"

    with captured_sends() as sent:
        response = worker_app.lambda_handler(event, FakeLambdaContext())

    assert response["batchItemFailures"] == []  # acknowledged: the old message is deleted
    assert len(sent) == 1
    assert json.loads(sent[0]["MessageBody"]) == {
        "job_id": job.id,
        "tenant_id": "acme",
        "attempt": 0,
        "deferrals": 1,
    }
    assert 1 <= sent[0]["DelaySeconds"] <= 2 and sent[0]["MessageGroupId"] == "acme"
    after = stored(job)
    assert after.status is JobStatus.QUEUED and after.attempts == 0 and after.retries_used == 0
    assert after.status_reason == "waiting for a concurrency slot"
    due = raw_item("acme", job.id)["GSI2SK"]
    assert due > iso(utc_now() + timedelta(seconds=300))  # the sweeper will not re-send it
    assert counts() == (1, 1)


def test_the_deferral_delay_grows_with_the_deferrals_in_the_body(acme):
    take_slot(default_ports().counters, default_ports().tenants, admitted(handler="echo"))
    job = admitted(handler="echo")
    body = json.dumps({"job_id": job.id, "tenant_id": "acme", "attempt": 0, "deferrals": 5})

    with captured_sends() as sent:
        worker_app.lambda_handler({"Records": [sqs_record(body, queue_url_of(job))]}, FakeLambdaContext())

    assert json.loads(sent[0]["MessageBody"])["deferrals"] == 6
    assert 30 <= sent[0]["DelaySeconds"] <= 60


def test_a_finished_job_gives_its_slot_back_and_the_next_one_starts(acme):
    first, second = admitted(handler="echo"), admitted(handler="echo")

    # side by side, one of the two takes the one slot; the other is deferred
    worker_app.lambda_handler(message_event(first, second), FakeLambdaContext())
    done = [job for job in (first, second) if stored(job).status is JobStatus.COMPLETED]
    waiting = [job for job in (first, second) if stored(job).status is JobStatus.QUEUED]
    assert len(done) == 1 and len(waiting) == 1
    assert counts() == (1, 0)

    worker_app.lambda_handler(message_event(*waiting), FakeLambdaContext())
    assert stored(waiting[0]).status is JobStatus.COMPLETED and counts() == (0, 0)


def test_a_retry_goes_back_to_waiting(acme):
    job = admitted(handler="fail", payload={"message": "no", "retryable": True}, max_retries=2)

    worker_app.lambda_handler(message_event(job), FakeLambdaContext())

    assert stored(job).status is JobStatus.PENDING and counts() == (1, 0)


def test_a_lost_claim_gives_the_slot_back_as_waiting(acme):
    job = admitted(handler="echo")
    ports = default_ports()
    rival_won = Faulty(ports.jobs, transition=lambda *args, **kwargs: None)  # another delivery claimed it

    process_batch(
        message_event(job), FakeLambdaContext(), replace_ports(ports, jobs=rival_won), default_registry()
    )

    assert rival_won.calls["transition"] == 1
    assert counts() == (1, 0)


def test_a_crashed_workers_slot_comes_back_through_the_sweeper(acme):
    job = admitted(handler="echo", max_retries=0)
    assert take_slot(default_ports().counters, default_ports().tenants, job)
    now = utc_now()
    claimed = claim.claim(default_ports().jobs, job, now)  # ...and the worker dies here
    assert claimed is not None and counts() == (0, 1)
    default_ports().jobs.transition(
        "acme", job.id, [JobStatus.PROCESSING], {}, sweep_at=now - timedelta(seconds=1)
    )  # its lease expired

    sweeper_app.lambda_handler(load_event("sweeper_tick"), FakeLambdaContext(remaining_ms=55_000))
    sweeper_app.lambda_handler(load_event("sweeper_tick"), FakeLambdaContext(remaining_ms=55_000))

    assert stored(job).status is JobStatus.TIMED_OUT
    assert counts() == (0, 0)  # released once, not twice


def test_a_dead_lettered_queued_job_gives_its_waiting_place_back_once(acme):
    job = admitted(handler="echo")
    record = load_event("sqs_deadletter_batch")["Records"][0]
    record["body"] = message_body(job)
    event = {"Records": [record, dict(record, messageId="another")]}

    deadletter_app.lambda_handler(event, FakeLambdaContext())

    assert stored(job).status is JobStatus.FAILED
    assert counts() == (0, 0)


def test_the_sweeper_reconciles_a_drifted_counter(acme, worker_env):
    job = admitted(handler="echo")
    default_ports().counters.reserve_waiting(
        "acme", 3, 1000
    )  # three admissions whose job writes never happened
    worker_env.table().update_item(  # two slots taken by workers that crashed before the claim
        Key={"PK": "T#acme", "SK": "COUNTER"},
        UpdateExpression="ADD running :n",
        ExpressionAttributeValues={":n": 2},
    )
    default_ports().jobs.create(
        job.model_copy(update={"id": ulid(utc_now())}), sweep_at=dispatch_check_at(job, utc_now())
    )  # a job written by a process that died before its admission counted (never: admit is first)

    summary = sweeper_app.lambda_handler(load_event("sweeper_tick"), FakeLambdaContext(remaining_ms=55_000))

    assert summary["counters_corrected"] == 1
    assert counts() == true_counts(default_ports().jobs, "acme") == (2, 0)
