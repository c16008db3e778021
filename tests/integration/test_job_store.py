"""The job repository on moto: round trips, conditional transitions, listing and cursors."""

import pytest

from jobqueue.errors import BadRequest
from jobqueue.models.job import JobStatus
from jobqueue.store.jobs import JobQuery, JobStore
from tests.support.factories import make_job


def test_a_created_job_reads_back_equal_including_float_payload(aws_env):
    store = JobStore()
    job = make_job(payload={"n": 1, "ratio": 0.1, "nested": {"list": [1, 2.5, "x"]}})

    assert store.create(job)

    assert store.get("acme", job.id) == job


def test_creating_the_same_job_id_twice_is_refused(aws_env):
    store = JobStore()
    job = make_job()
    store.create(job)

    assert store.create(job) is False


def test_another_tenant_cannot_read_a_job(aws_env):
    store = JobStore()
    job = make_job(tenant_id="acme")
    store.create(job)

    assert store.get("globex", job.id) is None


def test_transition_applies_only_from_an_expected_status(aws_env):
    store = JobStore()
    job = make_job(status=JobStatus.QUEUED)
    store.create(job)

    claimed = store.transition(
        "acme", job.id, [JobStatus.QUEUED], {"status": JobStatus.PROCESSING, "attempts": 1}
    )
    again = store.transition(
        "acme", job.id, [JobStatus.QUEUED], {"status": JobStatus.PROCESSING, "attempts": 2}
    )

    assert claimed is not None and claimed.status is JobStatus.PROCESSING and claimed.attempts == 1
    assert again is None
    assert store.get("acme", job.id).attempts == 1


def test_transition_honours_an_extra_condition(aws_env):
    store = JobStore()
    job = make_job(status=JobStatus.QUEUED, attempts=2)
    store.create(job)

    stale = store.transition(
        "acme",
        job.id,
        [JobStatus.QUEUED],
        {"status": JobStatus.PROCESSING},
        condition=("#att = :att", {"#att": "attempts"}, {":att": 1}),
    )

    assert stale is None


def test_list_filters_by_status_and_pages_with_a_cursor(aws_env):
    store = JobStore()
    queued = [make_job(status=JobStatus.QUEUED) for _ in range(5)]
    for job in queued + [make_job(status=JobStatus.COMPLETED) for _ in range(3)]:
        store.create(job)

    first = store.list("acme", JobQuery(status=JobStatus.QUEUED, limit=3))
    second = store.list("acme", JobQuery(status=JobStatus.QUEUED, limit=3, cursor=first.next_cursor))

    ids = [j.id for j in first.jobs + second.jobs]
    assert sorted(ids) == sorted(j.id for j in queued)
    assert len(first.jobs) == 3 and second.next_cursor is None


def test_a_cursor_cannot_be_replayed_by_another_tenant(aws_env):
    store = JobStore()
    for _ in range(3):
        store.create(make_job(tenant_id="acme"))
    page = store.list("acme", JobQuery(limit=1))

    with pytest.raises(BadRequest):
        store.list("globex", JobQuery(limit=1, cursor=page.next_cursor))


def test_list_filters_by_handler_across_pages(aws_env):
    store = JobStore()
    for i in range(6):
        store.create(make_job(handler="sleep" if i % 3 == 0 else "echo"))

    page = store.list("acme", JobQuery(handler="sleep", limit=10))

    assert [j.handler for j in page.jobs] == ["sleep", "sleep"]
