"""The dead-letter function on moto: dead-lettered messages settle their jobs as failed."""

from __future__ import annotations

import copy
import json

import deadletter_app
import pytest

from jobqueue.messages import message_body
from jobqueue.models.job import JobStatus
from jobqueue.wiring import default_ports
from tests.support.events import FakeLambdaContext, load_event
from tests.support.factories import make_job

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


def dead_letter_event(*bodies: str) -> dict:
    """events/sqs_deadletter_batch.json with its first record repeated for each body."""
    template = load_event("sqs_deadletter_batch")["Records"][0]
    records = []
    for i, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record.update(messageId=f"dlq-{i}", body=body)
        records.append(record)
    return {"Records": records}


def run(event):
    return deadletter_app.lambda_handler(event, FakeLambdaContext())


def create(**fields):
    job = make_job(**fields)
    default_ports().jobs.create(job)
    return job


def stored(job):
    return default_ports().jobs.get(job.tenant_id, job.id)


def test_a_dead_lettered_message_fails_its_queued_job(worker_env):
    job = create(status=JobStatus.QUEUED)

    response = run(dead_letter_event(message_body(job)))

    failed = stored(job)
    assert response["batchItemFailures"] == []
    assert failed.status is JobStatus.FAILED
    assert failed.status_reason.startswith("message dead-lettered: jobqueue-NormalQueue")
    assert failed.last_result.error_type == "DeadLetter"
    assert failed.completed_at is not None


def test_a_dead_lettered_message_leaves_a_finished_job_alone(worker_env):
    job = create(status=JobStatus.COMPLETED)

    run(dead_letter_event(message_body(job)))

    assert stored(job).status is JobStatus.COMPLETED
    assert stored(job).last_result is None


def test_a_dead_lettered_message_older_than_the_job_is_left_alone(worker_env):
    job = create(status=JobStatus.QUEUED, attempts=2)
    stale = json.dumps({"job_id": job.id, "tenant_id": job.tenant_id, "attempt": 1})

    run(dead_letter_event(stale))

    assert stored(job).status is JobStatus.QUEUED


def test_an_unparseable_dead_letter_is_dropped(worker_env):
    job = create(status=JobStatus.QUEUED)

    response = run(dead_letter_event("not a job message", message_body(job)))

    assert response["batchItemFailures"] == []
    assert stored(job).status is JobStatus.FAILED


def test_the_sample_event_settles_its_job(worker_env):
    event = load_event("sqs_deadletter_batch")
    body = json.loads(event["Records"][0]["body"])
    job = create(id=body["job_id"], tenant_id=body["tenant_id"], status=JobStatus.QUEUED)

    response = run(event)

    assert response["batchItemFailures"] == []
    assert stored(job).status is JobStatus.FAILED
