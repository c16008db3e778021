"""Pagination iterators, the event follower, and wait()/wait_all() with a deadline."""

from __future__ import annotations

import itertools

import pytest

import jobq
from tests.client import samples
from tests.client.conftest import FakeApi, FakeClock

J = samples.JOB_ID


def test_iter_jobs_follows_next_cursor_with_the_same_filters(api: FakeApi, client):
    api.on(
        "GET",
        "/v1/jobs",
        {"jobs": [samples.job(job_id="A"), samples.job(job_id="B")], "next_cursor": "c1"},
        {"jobs": [samples.job(job_id="C")], "next_cursor": "c2"},
        {"jobs": [], "next_cursor": None},
    )

    ids = [job.id for job in client.iter_jobs(status="queued", limit=2)]

    assert ids == ["A", "B", "C"]
    assert api.queries() == [
        {"status": "queued", "limit": "2"},
        {"status": "queued", "limit": "2", "cursor": "c1"},
        {"status": "queued", "limit": "2", "cursor": "c2"},
    ]


def test_iter_jobs_reads_pages_only_as_they_are_consumed(api: FakeApi, client):
    api.on("GET", "/v1/jobs", {"jobs": [samples.job(job_id="A")], "next_cursor": "c1"})

    first = next(client.iter_jobs())

    assert first.id == "A" and len(api.requests) == 1


def test_iter_tenants_reads_every_page(api: FakeApi, client):
    api.on(
        "GET",
        "/v1/admin/tenants",
        {"tenants": [samples.tenant("a")], "next_cursor": "x"},
        {"tenants": [samples.tenant("b")], "next_cursor": None},
    )

    assert [t.tenant_id for t in client.iter_tenants(limit=1)] == ["a", "b"]
    assert api.queries() == [{"limit": "1"}, {"limit": "1", "cursor": "x"}]


def test_follow_events_polls_with_next_cursor_and_pauses_only_when_nothing_is_new(
    api: FakeApi, client, clock: FakeClock
):
    api.on(
        "GET",
        "/v1/events",
        {"events": [samples.event(1), samples.event(2, "processing", "queued")], "next_cursor": "c2"},
        {"events": [], "next_cursor": "c2"},
        {"events": [samples.event(3, "completed", "processing")], "next_cursor": "c3"},
    )

    events = list(itertools.islice(client.follow_events(job_id=J, poll_interval=5), 3))

    assert [e.status for e in events] == ["queued", "processing", "completed"]
    assert [q.get("after") for q in api.queries()] == [None, "c2", "c2"]
    assert clock.sleeps == [5]


def test_wait_returns_the_job_once_it_is_terminal(api: FakeApi, client, clock: FakeClock):
    api.on("GET", f"/v1/jobs/{J}", samples.job("queued"), samples.job("processing"), samples.job("completed"))

    job = client.wait(J, timeout=10, poll_interval=0.5)

    assert job.status == "completed" and job.is_terminal
    assert len(api.requests) == 3 and clock.sleeps == [0.5, 0.5]


@pytest.mark.parametrize("status", ["failed", "timed_out", "cancelled"])
def test_wait_returns_a_job_that_ended_without_success_too(api: FakeApi, client, status):
    api.on("GET", f"/v1/jobs/{J}", samples.job(status))

    assert client.wait(J).status == status


def test_wait_raises_wait_timeout_at_the_deadline_without_sleeping_past_it(api: FakeApi, client, clock):
    api.on("GET", f"/v1/jobs/{J}", samples.job("processing"))
    start = clock.now

    with pytest.raises(jobq.WaitTimeout) as raised:
        client.wait(J, timeout=2.5, poll_interval=1)

    assert isinstance(raised.value, TimeoutError)
    assert clock.sleeps == [1, 1, 0.5] and clock.now - start == 2.5
    assert raised.value.job.status == "processing"
    assert J in str(raised.value) and "processing" in str(raised.value)


def test_wait_all_yields_jobs_as_they_finish_and_reports_each_read(api: FakeApi, client, clock):
    api.on("GET", "/v1/jobs/A", samples.job("queued", "A"), samples.job("completed", "A"))
    api.on("GET", "/v1/jobs/B", samples.job("failed", "B"))
    seen = []

    finished = [
        j.id for j in client.wait_all(["A", "B", "A"], timeout=5, poll_interval=1, on_update=seen.append)
    ]

    assert finished == ["B", "A"]
    assert [(j.id, j.status) for j in seen] == [("A", "queued"), ("B", "failed"), ("A", "completed")]
    assert clock.sleeps == [1]


def test_wait_all_timeout_names_the_unfinished_jobs(api: FakeApi, client):
    api.on("GET", "/v1/jobs/A", samples.job("completed", "A"))
    api.on("GET", "/v1/jobs/B", samples.job("pending", "B"))

    with pytest.raises(jobq.WaitTimeout) as raised:
        list(client.wait_all(["A", "B"], timeout=0))

    assert [j.id for j in raised.value.jobs] == ["B"]
