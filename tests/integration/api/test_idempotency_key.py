"""Idempotency-Key on POST /v1/jobs (Powertools idempotency on its own DynamoDB table)."""

from __future__ import annotations

import pytest

from jobqueue.adapters.idempotency import PowertoolsIdempotency
from jobqueue.errors import IdempotencyConflict
from tests.integration.api.conftest import principal

KEY = {"Idempotency-Key": "order-42"}


def test_a_repeat_answers_201_with_the_first_job_and_writes_one_job(api):
    first = api.submit({"handler": "echo", "payload": {"n": 1}}, headers=KEY)

    again = api.submit({"handler": "echo", "payload": {"n": 1}}, headers=KEY)

    assert first.status == again.status == 201
    assert again.body["id"] == first.body["id"]
    assert len(api.jobs_in_table()) == 1 and api.queued_message_count() == 1


def test_the_same_key_with_another_body_answers_409_and_writes_nothing(api):
    api.submit({"handler": "echo", "payload": {"n": 1}}, headers=KEY)

    response = api.submit({"handler": "echo", "payload": {"n": 2}}, headers=KEY)

    assert response.status == 409 and response.error_code == "idempotency_conflict"
    assert len(api.jobs_in_table()) == 1


def test_keys_are_per_tenant(api):
    mine = api.submit(headers=KEY)

    theirs = api.submit(headers=KEY, principal=principal("globex"))

    assert theirs.status == 201 and theirs.body["id"] != mine.body["id"]
    assert theirs.body["tenant_id"] == "globex"


def test_a_refused_request_does_not_use_up_its_key(api):
    refused = api.submit({"handler": "nope"}, headers=KEY)

    accepted = api.submit({"handler": "echo"}, headers=KEY)

    assert refused.status == 422 and accepted.status == 201


def test_the_same_body_with_other_key_order_is_a_repeat(api):
    first = api.call("api_submit_job", body='{"handler": "echo", "payload": {"a": 1, "b": 2}}', headers=KEY)

    again = api.call("api_submit_job", body='{"payload": {"b": 2, "a": 1}, "handler": "echo"}', headers=KEY)

    assert again.status == 201 and again.body["id"] == first.body["id"]


def test_a_repeat_while_the_first_still_runs_is_refused(api_env):
    once = PowertoolsIdempotency()

    def first() -> dict:
        return once.run_once("submit", "acme", "k", {"x": 1}, lambda: {"inner": True})

    with pytest.raises(IdempotencyConflict, match="still in progress"):
        once.run_once("submit", "acme", "k", {"x": 1}, first)


def test_an_empty_key_answers_422(api):
    response = api.submit(headers={"Idempotency-Key": ""})

    assert response.status == 422 and "idempotency-key" in response.details
