"""Cancel, retry and pause/resume: one conditional write decides every race."""

from __future__ import annotations

import json

import pytest

from jobqueue.models.job import JobResult, JobStatus, QueueBand
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import principal
from tests.support.factories import make_job
from tests.support.moto_env import raw_item


def _stored(**fields):
    job = make_job(**fields)
    default_ports().jobs.create(job)
    return job


def test_cancelling_a_queued_job_answers_200_with_the_cancelled_job(api):
    job_id = api.submit().body["id"]

    response = api.call("api_cancel_job", job_id=job_id)

    assert response.status == 200
    assert response.body["status"] == "cancelled" and response.body["status_reason"] == "cancelled by request"
    assert "GSI2PK" not in raw_item("acme", job_id)  # nothing left for the sweeper


def test_of_two_cancels_one_wins_and_the_other_answers_409(api):
    job_id = api.submit().body["id"]

    statuses = sorted(api.call("api_cancel_job", job_id=job_id).status for _ in range(2))

    assert statuses == [200, 409]


def test_cancelling_a_job_a_worker_claimed_answers_409(api):
    job = _stored(status=JobStatus.QUEUED)
    default_ports().jobs.transition(
        "acme", job.id, [JobStatus.QUEUED], {"status": JobStatus.PROCESSING, "attempts": 1}
    )

    response = api.call("api_cancel_job", job_id=job.id)

    assert response.status == 409 and response.error_code == "invalid_state"
    assert response.details["status"] == "processing"


def test_a_claim_after_a_cancel_finds_nothing_to_claim(api):
    job = _stored(status=JobStatus.QUEUED)
    api.call("api_cancel_job", job_id=job.id)

    claimed = default_ports().jobs.transition(
        "acme", job.id, [JobStatus.QUEUED], {"status": JobStatus.PROCESSING}
    )

    assert claimed is None


def test_cancelling_a_completed_job_answers_409(api):
    job = _stored(status=JobStatus.COMPLETED)

    response = api.call("api_cancel_job", job_id=job.id)

    assert response.status == 409 and response.details["status"] == "completed"


def test_retrying_a_failed_job_queues_it_with_a_fresh_budget_and_sends_it(api):
    last = JobResult(success=False, error_type="HandlerError", error_message="boom")
    job = _stored(status=JobStatus.FAILED, attempts=4, retries_used=3, last_result=last)

    response = api.call("api_retry_job", job_id=job.id)

    assert response.status == 200
    assert response.body["status"] == "queued" and response.body["attempts"] == 4
    assert response.body["last_result"]["error_message"] == "boom"
    assert default_ports().jobs.get("acme", job.id).retries_used == 0
    assert json.loads(api.messages(QueueBand.NORMAL)[0]["Body"])["job_id"] == job.id


@pytest.mark.parametrize("status", [JobStatus.TIMED_OUT, JobStatus.CANCELLED])
def test_timed_out_and_cancelled_jobs_can_be_retried(api, status):
    job = _stored(status=status)

    response = api.call("api_retry_job", job_id=job.id)

    assert response.status == 200 and response.body["status"] == "queued"


def test_retrying_a_queued_job_answers_409(api):
    job_id = api.submit().body["id"]

    response = api.call("api_retry_job", job_id=job_id)

    assert response.status == 409 and response.details["status"] == "queued"


def test_of_two_retries_one_wins_and_the_other_answers_409(api):
    job = _stored(status=JobStatus.FAILED)

    statuses = sorted(api.call("api_retry_job", job_id=job.id).status for _ in range(2))

    assert statuses == [200, 409]


def test_pausing_a_job_that_is_not_recurring_answers_409(api):
    job_id = api.submit().body["id"]

    response = api.call("api_patch_job", job_id=job_id, body={"enabled": False})

    assert response.status == 409 and response.error_code == "invalid_state"


def test_a_patch_body_without_a_boolean_enabled_answers_422(api):
    job_id = api.submit().body["id"]

    response = api.call("api_patch_job", job_id=job_id, body={"enabled": "no"})

    assert response.status == 422 and "enabled" in response.details


@pytest.mark.parametrize(
    ("event", "body"),
    [
        ("api_get_job", None),
        ("api_cancel_job", None),
        ("api_retry_job", None),
        ("api_patch_job", {"enabled": True}),
    ],
    ids=["get", "cancel", "retry", "patch"],
)
def test_every_job_route_answers_404_for_another_tenants_job(api, event, body):
    theirs = _stored(tenant_id="globex", status=JobStatus.FAILED)
    overrides = {"body": body} if body is not None else {}

    response = api.call(event, job_id=theirs.id, **overrides)

    assert response.status == 404 and response.error_code == "not_found"
    assert default_ports().jobs.get("globex", theirs.id).status is JobStatus.FAILED


@pytest.mark.parametrize("event", ["api_get_job", "api_cancel_job", "api_retry_job", "api_patch_job"])
def test_every_job_route_answers_404_for_a_missing_job(api, event):
    response = api.call(event, job_id="01JQ8Z6Y3K4M5N6P7Q8R9S0T1X", principal=principal("acme"))

    assert response.status == 404
