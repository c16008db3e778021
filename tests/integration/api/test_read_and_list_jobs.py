"""GET /v1/jobs/{id} and GET /v1/jobs: tenant isolation, filters, cursors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobqueue.ids import ulid
from jobqueue.models.job import JobStatus, JobType, Priority
from jobqueue.times import iso, utc_now
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import principal
from tests.support.factories import make_job


def _list(api, **query):
    return api.call("api_list_jobs", query={k: str(v) for k, v in query.items()})


def test_another_tenants_job_answers_404_exactly_like_a_missing_one(api):
    theirs = api.submit(principal=principal("globex")).body["id"]
    missing = ulid(utc_now())

    other = api.call("api_get_job", job_id=theirs)
    absent = api.call("api_get_job", job_id=missing)

    assert other.status == absent.status == 404
    assert other.body["error"]["code"] == absent.body["error"]["code"] == "not_found"
    assert other.body["error"]["message"] == absent.body["error"]["message"]


def test_an_id_no_job_can_have_answers_404(api):
    response = api.call("api_get_job", job_id="not%20an%20id")

    assert response.status == 404


def test_the_list_holds_only_the_callers_jobs_newest_first(api):
    mine = [api.submit().body["id"] for _ in range(3)]
    api.submit(principal=principal("globex"))

    response = _list(api)

    assert response.status == 200
    assert [job["id"] for job in response.body["jobs"]] == list(reversed(mine))
    assert response.body["next_cursor"] is None


def test_the_cursor_pages_through_every_job_once(api):
    ids = {api.submit().body["id"] for _ in range(5)}

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = _list(api, **query).body
        seen += [job["id"] for job in page["jobs"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert sorted(seen) == sorted(ids) and pages == 3


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ({"status": "failed"}, {"status": JobStatus.FAILED}),
        ({"type": "delayed"}, {"type": JobType.DELAYED}),
        ({"handler": "sleep"}, {"handler": "sleep"}),
        ({"priority": "critical"}, {"priority": Priority.CRITICAL}),
        ({"parent_id": "01PARENT"}, {"parent_id": "01PARENT"}),
    ],
    ids=["status", "type", "handler", "priority", "parent_id"],
)
def test_each_filter_selects_only_matching_jobs(api, query, wanted):
    store = default_ports().jobs
    for _ in range(3):
        store.create(make_job())
    match = make_job(**wanted)
    store.create(match)

    response = _list(api, **query)

    assert [job["id"] for job in response.body["jobs"]] == [match.id]


def test_created_after_and_before_bound_the_creation_time(api):
    store = default_ports().jobs
    start = utc_now() - timedelta(hours=3)
    jobs = [
        make_job(id=ulid(start + timedelta(hours=h)), created_at=start + timedelta(hours=h)) for h in range(3)
    ]
    for job in jobs:
        store.create(job)
    after = iso(start + timedelta(minutes=30))
    before = iso(start + timedelta(minutes=90))

    response = _list(api, created_after=after, created_before=before)

    assert [job["id"] for job in response.body["jobs"]] == [jobs[1].id]


@pytest.mark.parametrize(
    "query",
    [{"status": "sleeping"}, {"type": "weekly"}, {"priority": "asap"}, {"limit": 0}, {"limit": 101}],
    ids=["status", "type", "priority", "limit-low", "limit-high"],
)
def test_a_bad_filter_value_answers_422_naming_the_filter(api, query):
    response = _list(api, **query)

    assert response.status == 422 and set(query) <= set(response.details)


def test_a_time_filter_without_a_zone_answers_422(api):
    response = _list(api, created_after="2025-01-01T00:00:00")

    assert response.status == 422 and "created_after" in response.details


def test_a_malformed_cursor_answers_400(api):
    response = _list(api, cursor="!!not-a-cursor!!")

    assert response.status == 400 and response.error_code == "bad_request"


def test_a_cursor_of_another_query_answers_400(api):
    for _ in range(3):
        api.submit()
    cursor = _list(api, limit=1).body["next_cursor"]

    response = _list(api, limit=1, cursor=cursor, handler="echo")

    assert response.status == 400
