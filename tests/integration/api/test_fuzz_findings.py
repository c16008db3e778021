"""Regressions of what a first fuzzing run found (each answered 500 or was accepted): any
combination of list filters, bodies that are not UTF-8 JSON, JSON nested too deep, lone
surrogates, a retry cap below its base. Through the api's Lambda handler on moto."""

from __future__ import annotations

import base64
import itertools
from datetime import datetime, timedelta

import pytest

from jobqueue.ids import ulid
from jobqueue.models.job import JobStatus
from jobqueue.times import iso, utc_now
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import ADMIN
from tests.support.factories import make_job

NOW = utc_now()
TIMES = {
    "none": None,
    "past": iso(NOW - timedelta(hours=2)),
    "future": iso(NOW + timedelta(days=1)),
    "year-1": "0001-01-01T00:00:00Z",
    "year-9999": "9999-12-31T23:59:59Z",
}
BODY_ROUTES = [
    ("api_submit_job", {}),
    ("api_submit_batch", {}),
    ("api_cancel_job", {}),
    ("api_retry_job", {}),
    ("api_patch_job", {}),
    ("api_put_alert_rules", {}),
    ("api_ack_alert", {}),
    ("api_put_tenant", {"principal": ADMIN}),
    ("api_issue_key", {"principal": ADMIN}),
]


def test_every_status_and_time_window_of_the_list_works_or_answers_422(api):
    created = NOW - timedelta(hours=1)
    job = make_job(id=ulid(created), created_at=created)
    default_ports().jobs.create(job)
    wrong = []
    for status, (after, before) in itertools.product(
        [None, *[s.value for s in JobStatus]], itertools.product(TIMES, TIMES)
    ):
        low, high = _at(TIMES[after]), _at(TIMES[before])
        query = {"status": status, "created_after": TIMES[after], "created_before": TIMES[before]}
        response = api.call("api_list_jobs", query={k: v for k, v in query.items() if v})
        if low and high and low > high:
            expected = (422, None)
        else:
            inside = (low is None or low <= created) and (high is None or created <= high)
            expected = (200, [job.id] if inside and status in (None, job.status.value) else [])
        got = (response.status, [j["id"] for j in response.body["jobs"]] if response.status == 200 else None)
        if got != expected:
            wrong.append((status, after, before, got, expected))

    assert wrong == []


def _at(text):
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(("route", "extra"), BODY_ROUTES, ids=[r for r, _ in BODY_ROUTES])
def test_a_body_that_is_not_utf8_answers_400_on_every_route_with_a_body(api, route, extra):
    raw = base64.b64encode(b'{"handler": "echo", "x": "\xff\xfe"}').decode()

    response = api.call(route, body=raw, base64_body=True, **extra)

    assert response.status == 400 and response.error_code == "bad_request"
    assert "UTF-8" in response.body["error"]["message"]


def test_json_nested_2000_levels_deep_answers_400_and_writes_nothing(api):
    deep = "[" * 2000 + "]" * 2000

    response = api.call("api_submit_job", body='{"handler": "echo", "payload": {"a": ' + deep + "}}")

    assert response.status == 400 and "nested" in response.body["error"]["message"]
    assert api.jobs_in_table() == []


def test_a_lone_surrogate_anywhere_answers_400_and_a_real_pair_is_accepted(api):
    lone = api.call("api_submit_job", body='{"handler": "echo", "metadata": {"note": "\\ud800"}}')
    key = api.call("api_submit_job", body='{"handler": "echo", "metadata": {"\\udfff": 1}}')
    pair = api.call("api_submit_job", body='{"handler": "echo", "metadata": {"note": "\\ud83d\\ude00"}}')

    assert lone.status == 400 and "surrogate" in lone.body["error"]["message"]
    assert key.status == 400
    assert pair.status == 201 and pair.body["metadata"] == {"note": "\U0001f600"}
    assert len(api.jobs_in_table()) == 1


@pytest.mark.parametrize(
    "retry",
    [
        {"base_seconds": 10, "max_seconds": 5},
        {"base_seconds": 1e-300, "max_seconds": 5e-324},
        {"strategy": "linear", "base_seconds": 2, "max_seconds": 1.999},
    ],
)
def test_a_retry_cap_below_its_base_answers_422(api, retry):
    response = api.call("api_submit_job", body={"handler": "echo", "retry": retry})

    assert response.status == 422 and "max_seconds must be at least base_seconds" in response.details["retry"]
    assert api.jobs_in_table() == []


def test_created_after_alone_lists_only_jobs_beside_activity_items(api):
    created = NOW - timedelta(hours=1)
    job = make_job(id=ulid(created), created_at=created, tenant_id="acme")
    default_ports().jobs.create(job)
    table = default_ports().jobs.table
    # the tenant's partition also holds its tallies, feed pages and batch markers (after JOB#)
    table.put_item(Item={"PK": "T#acme", "SK": "MARK#1100000000017454423014", "last": 1, "pages": 1})
    table.put_item(Item={"PK": "T#acme", "SK": "EVT#2026-12-01T12:00:00Z#1#0", "events": []})

    response = api.call("api_list_jobs", query={"created_after": iso(NOW - timedelta(days=1))})

    assert response.status == 200 and [j["id"] for j in response.body["jobs"]] == [job.id]


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "text/plain", "application/x-www-form-urlencoded"]
)
def test_a_body_that_says_it_is_not_json_answers_415(api, content_type):
    response = api.call("api_patch_job", body='{"enabled": false}', headers={"content-type": content_type})

    assert response.status == 415 and response.error_code == "unsupported_media_type"
