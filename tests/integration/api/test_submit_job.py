"""POST /v1/jobs through the real api function: accepted jobs, their messages, and refusals."""

from __future__ import annotations

import json
from datetime import timedelta

from jobqueue.models.job import Category, QueueBand
from jobqueue.times import parse_iso, utc_now
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import ADMIN, principal, put_tenant
from tests.support.faults import Faulty, raising, replace_ports
from tests.support.moto_env import raw_item


def test_a_submitted_job_answers_201_with_its_public_json(api):
    response = api.submit({"handler": "echo", "payload": {"hello": "world"}})

    assert response.status == 201
    job = response.body
    assert job["tenant_id"] == "acme" and job["status"] == "queued" and job["type"] == "immediate"
    assert job["payload"] == {"hello": "world"} and job["max_retries"] == 3 and job["attempts"] == 0
    assert not {"tier", "idempotency_key", "retries_used"} & set(job)


def test_a_notification_handler_makes_a_notification_job(api):
    put_tenant("tiny", 1)  # tier 1: notification only

    response = api.submit(
        {"handler": "webhook", "payload": {"url": "https://example.com/hook"}}, principal=principal("tiny", 1)
    )

    assert response.status == 201 and response.body["type"] == "notification"


def test_a_submitted_job_can_be_read_back(api):
    job_id = api.submit().body["id"]

    response = api.call("api_get_job", job_id=job_id)

    assert response.status == 200 and response.body["id"] == job_id


def test_the_message_goes_to_the_band_queue_with_the_tenant_as_message_group(api):
    job_id = api.submit({"handler": "echo", "priority": "high"}).body["id"]

    messages = api.messages(QueueBand.HIGH)

    assert len(messages) == 1
    assert json.loads(messages[0]["Body"]) == {"job_id": job_id, "tenant_id": "acme", "attempt": 0}
    assert messages[0]["Attributes"]["MessageGroupId"] == "acme"


def test_a_higher_tier_lifts_a_normal_job_to_the_high_band(api):
    put_tenant("bigco", 3, list(Category))

    api.submit({"handler": "echo", "priority": "normal"}, principal=principal("bigco", 3))

    assert len(api.messages(QueueBand.HIGH)) == 1 and api.messages(QueueBand.NORMAL) == []


def test_priority_defaults_to_the_tenants_default_priority(api):
    put_tenant("tiny", 1, list(Category))

    response = api.submit({"handler": "echo"}, principal=principal("tiny", 1))

    assert response.body["priority"] == "low"


def test_the_timeout_defaults_to_the_handlers_and_is_capped_by_the_tier(api):
    default = api.submit({"handler": "sleep"}).body
    capped = api.submit({"handler": "sleep", "timeout_seconds": 900}).body

    assert default["timeout_seconds"] == 30
    assert capped["timeout_seconds"] == 60  # tier 2 max_job_duration_seconds


def test_a_delayed_job_is_scheduled_and_its_message_is_delayed(api):
    before = utc_now()

    job = api.submit({"handler": "echo", "delay_seconds": 120}).body

    assert job["type"] == "delayed"
    scheduled = parse_iso(job["scheduled_for"])
    assert before + timedelta(seconds=119) <= scheduled <= utc_now() + timedelta(seconds=120)
    assert api.messages(QueueBand.NORMAL) == [] and api.queued_message_count() == 1


def test_a_job_whose_send_fails_is_still_accepted_and_left_for_the_sweeper(api):
    ports = default_ports()
    unreachable = Faulty(ports.queue, send=raising(ConnectionError("SQS unreachable")))

    response = api.submit(ports=replace_ports(ports, queue=unreachable))

    assert response.status == 201
    item = raw_item("acme", response.body["id"])
    assert item["status"] == "queued" and item["GSI2PK"].startswith("SWEEP#")


def test_a_category_the_tenant_may_not_use_answers_403_and_writes_nothing(api):
    put_tenant("tiny", 1)  # tier 1: notification only

    response = api.submit({"handler": "echo"}, principal=principal("tiny", 1))

    assert response.status == 403 and response.error_code == "job_type_not_allowed"
    assert response.details["category"] == "custom_processing"
    assert api.jobs_in_table("tiny") == []


def test_a_payload_over_the_tenants_byte_limit_answers_413(api):
    big = {"blob": "x" * (32 * 1024)}  # tier 2 allows 32 KiB

    response = api.submit({"handler": "echo", "payload": big})

    assert response.status == 413 and response.error_code == "payload_too_large"
    assert response.details["limit"] == 32 * 1024
    assert api.jobs_in_table() == [] and api.queued_message_count() == 0


def test_an_unknown_handler_answers_422_naming_the_handler(api):
    response = api.submit({"handler": "nope"})

    assert response.status == 422 and response.error_code == "validation_error"
    assert "handler" in response.details


def test_a_payload_the_handler_refuses_answers_422_naming_the_payload_field(api):
    response = api.submit({"handler": "sleep", "payload": {"seconds": "soon"}})

    assert response.status == 422 and "payload.seconds" in response.details


def test_an_unknown_body_field_answers_422_naming_it(api):
    response = api.submit({"handler": "echo", "colour": "blue"})

    assert response.status == 422 and "colour" in response.details


def test_two_of_delay_run_at_cron_answer_422_naming_both(api):
    response = api.submit({"handler": "echo", "delay_seconds": 5, "run_at": "2030-01-01T00:00:00Z"})

    assert response.status == 422 and {"delay_seconds", "run_at"} <= set(response.details)


def test_a_delay_over_365_days_answers_422(api):
    response = api.submit({"handler": "echo", "delay_seconds": 365 * 86400 + 1})

    assert response.status == 422 and "delay_seconds" in response.details


def test_malformed_json_answers_400(api):
    response = api.call("api_submit_job", body='{"handler": "echo",')

    assert response.status == 400 and response.error_code == "bad_request"


def test_a_missing_body_answers_422(api):
    response = api.call("api_submit_job", body=None)

    assert response.status == 422 and "body" in response.details


def test_an_admin_key_cannot_submit_jobs(api):
    response = api.submit(principal=ADMIN)

    assert response.status == 403 and response.error_code == "forbidden"


def test_a_tenant_key_without_a_tenant_profile_answers_403(api):
    response = api.submit(principal=principal("ghost"))

    assert response.status == 403 and response.error_code == "forbidden"
