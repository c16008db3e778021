"""Whole flows on the in-memory ports (no AWS, no moto): a submitted job through the worker, a
retry after its backoff, a lost worker recovered by the sweeper, a cron slot fired twice, a
dependent released, a dead letter. What the service does is the same code on AWS."""

from __future__ import annotations

import json
import random

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from jobqueue.deadletter.process import fail_dead_lettered
from jobqueue.dependencies import release_dependents
from jobqueue.dispatcher import handle_event
from jobqueue.messages import message_body
from jobqueue.models.job import JobStatus
from jobqueue.scheduling.schedules import schedule_name
from jobqueue.sweeper.tick import sweep
from jobqueue.worker import claim
from tests.support.fakes import api_ports, call, deliver

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


@pytest.fixture
def ports():
    return api_ports()


def counts(ports, tenant_id="acme"):
    snapshot = ports.counters.snapshot(tenant_id)
    return snapshot.waiting, snapshot.running


def submit(ports, body):
    answer = call(ports, "api_submit_job", body=body)
    assert answer.status == 201, answer.body
    return answer.body


def test_a_submitted_job_runs_to_completed_and_gives_its_places_back(ports):
    job = submit(ports, {"handler": "echo", "payload": {"n": 1}})
    assert counts(ports) == (1, 0)

    response = deliver(ports)

    done = ports.jobs.get("acme", job["id"])
    assert response["batchItemFailures"] == []
    assert done.status is JobStatus.COMPLETED and done.last_result.result == {"n": 1}
    assert counts(ports) == (0, 0) and ports.jobs.sweep_deadline("acme", job["id"]) is None


def test_a_flaky_job_is_sent_back_with_its_backoff_and_completes_on_the_next_attempt(ports):
    job = submit(
        ports,
        {
            "handler": "flaky",
            "payload": {"fail_times": 1},
            "retry": {"strategy": "fixed", "base_seconds": 30},
        },
    )

    deliver(ports)
    retried = ports.jobs.get("acme", job["id"])
    (message,) = ports.queue.sent
    ports.clock.advance(30)
    deliver(ports)

    assert retried.status is JobStatus.PENDING and message.delay_seconds == 30
    done = ports.jobs.get("acme", job["id"])
    assert done.status is JobStatus.COMPLETED and done.attempts == 2 and counts(ports) == (0, 0)


def test_the_sweeper_recovers_the_job_of_a_lost_worker_and_its_slot(ports):
    job = ports.jobs.get("acme", submit(ports, {"handler": "echo", "max_retries": 0})["id"])
    assert ports.counters.take_running("acme", 5)
    claim.claim(ports.jobs, job, ports.clock.now())  # ...and the worker dies

    ports.clock.advance(job.timeout_seconds + 31)
    report = sweep(ports, rng=random.Random(1))

    assert report.timed_out == [job.id]
    assert ports.jobs.get("acme", job.id).status is JobStatus.TIMED_OUT and counts(ports) == (0, 0)


def test_a_cron_slot_fired_twice_makes_one_run(ports):
    parent = submit(ports, {"handler": "echo", "cron": "*/15 * * * *"})
    schedule = ports.schedules.schedules[schedule_name("acme", parent["id"], "-a")]
    fire = json.loads(
        json.dumps(schedule.input).replace("<aws.scheduler.scheduled-time>", "2026-03-02T09:15:00Z")
    )

    first, second = handle_event(fire, ports), handle_event(fire, ports)

    assert (first.result, second.result) == ("run_created", "duplicate")
    assert ports.jobs.get("acme", parent["id"]).run_count == 1
    assert [m.message.job_id for m in ports.queue.sent] == [first.job_id]
    assert counts(ports) == (1, 0)  # the run waits; the schedule itself never does


def test_a_dependent_is_queued_once_its_parent_completes(ports):
    parent = submit(ports, {"handler": "echo"})
    child = submit(ports, {"handler": "echo", "depends_on": [parent["id"]]})
    assert child["status"] == "pending" and ports.jobs.dependents("acme", parent["id"]) == {child["id"]}

    deliver(ports)  # the parent runs
    released = release_dependents(ports, "acme", [child["id"]])

    assert released == {child["id"]: "queued"}
    assert ports.jobs.get("acme", child["id"]).status is JobStatus.QUEUED


def test_a_dead_lettered_message_fails_its_waiting_job_once(ports):
    job = ports.jobs.get("acme", submit(ports, {"handler": "echo"})["id"])
    record = SQSRecord(
        {
            "messageId": "dlq-1",
            "body": message_body(job),
            "attributes": {"DeadLetterQueueSourceArn": "arn:x:jobs-normal"},
        }
    )

    first, again = fail_dead_lettered(ports, record), fail_dead_lettered(ports, record)

    assert (first, again) == ("failed", "left alone: failed")
    assert ports.jobs.get("acme", job.id).status is JobStatus.FAILED and counts(ports) == (0, 0)
