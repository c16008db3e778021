"""What a submit sends (body fields, Idempotency-Key), what the client refuses before sending,
and what the models keep of an answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import jobq
from tests.client import samples
from tests.client.conftest import FakeApi

J = samples.JOB_ID


def test_submit_sends_the_body_fields_and_a_fresh_idempotency_key(api: FakeApi, client):
    api.on("POST", "/v1/jobs", samples.job(), status=201)

    job = client.submit(
        "echo",
        {"hello": "world"},
        priority="high",
        run_at=datetime(2026, 12, 1, 7, tzinfo=UTC),
        max_retries=5,
        retry={"strategy": "fixed", "base_seconds": 1},
        metadata={"order": 42},
        cron=None,
    )
    client.submit("echo")

    first, second = api.requests
    assert (first.method, first.url.path) == ("POST", "/v1/jobs")
    assert api.body(0) == {
        "handler": "echo",
        "payload": {"hello": "world"},
        "priority": "high",
        "run_at": "2026-12-01T07:00:00Z",
        "max_retries": 5,
        "retry": {"strategy": "fixed", "base_seconds": 1},
        "metadata": {"order": 42},
    }
    assert api.body(1) == {"handler": "echo"}
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]
    assert len(first.headers["Idempotency-Key"]) == 36  # a uuid4
    assert isinstance(job, jobq.Job) and job.id == J and job.retry.base_seconds == 2.0


def test_submit_sends_the_callers_idempotency_key(api: FakeApi, client):
    api.on("POST", "/v1/jobs", samples.job(), status=201)

    client.submit("echo", {}, idempotency_key="order-42")

    assert api.last.headers["Idempotency-Key"] == "order-42"


def test_unknown_submit_options_and_filters_are_refused_before_sending(api: FakeApi, client):
    with pytest.raises(TypeError, match="priorty"):
        client.submit("echo", priorty="high")
    with pytest.raises(TypeError, match="state"):
        client.list(state="failed")
    assert api.requests == []


def test_a_naive_datetime_is_refused_because_the_api_needs_an_offset(client):
    with pytest.raises(ValueError, match="time zone"):
        client.submit("echo", run_at=datetime(2026, 12, 1, 7))


def test_an_id_cannot_reach_another_route(api: FakeApi, client):
    api.on("GET", "/v1/jobs/../admin/stats", samples.job())  # url.path is decoded

    client.get("../admin/stats")

    assert api.last.url.raw_path == b"/v1/jobs/..%2Fadmin%2Fstats"


def test_models_keep_fields_a_newer_server_adds_and_the_raw_answer(api: FakeApi, client):
    answer = samples.job(
        history_summary="3 changes", last_result={"success": True, "result": {"n": 1}, "cost": 2}
    )
    api.on("GET", f"/v1/jobs/{J}", answer)

    job = client.get(J)

    assert job.history_summary == "3 changes"
    assert job.last_result.result == {"n": 1} and job.last_result.cost == 2
    assert job.raw == answer
    assert job.created_at == datetime(2026, 11, 23, 7, 59, 29, 285000, tzinfo=UTC)
