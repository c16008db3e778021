"""The job repository, in memory and on DynamoDB: round trips, conditional transitions with
guards, the sweeper's index, listing and cursors, counts."""

from datetime import timedelta

import pytest

from jobqueue.errors import BadRequest
from jobqueue.models.job import JobResult, JobStatus, JobType
from jobqueue.models.job_query import JobQuery
from jobqueue.ports import Guard
from jobqueue.times import utc_now
from tests.support.factories import make_job


def test_a_created_job_reads_back_equal_including_float_payload(store):
    job = make_job(payload={"n": 1, "ratio": 0.1, "nested": {"list": [1, 2.5, "x"]}})

    assert store.create(job)

    stored = store.get("acme", job.id)
    assert stored.model_copy(update={"history": []}) == job
    assert [(c.status, c.at) for c in stored.history] == [(job.status, job.created_at)]  # its first status


def test_every_status_change_is_added_to_the_history_with_its_note(store):
    job = make_job(status=JobStatus.QUEUED)
    store.create(job)

    store.transition(
        "acme",
        job.id,
        [JobStatus.QUEUED],
        {"status": JobStatus.PROCESSING, "attempts": 1},
        note={"wait_ms": 42},
    )
    store.transition("acme", job.id, [JobStatus.PROCESSING], {"status_reason": "no status change: no entry"})
    done = store.transition(
        "acme",
        job.id,
        [JobStatus.PROCESSING],
        {
            "status": JobStatus.FAILED,
            "last_result": JobResult(success=False, error_type="Boom", execution_ms=7),
        },
    )

    assert [c.status for c in done.history] == [JobStatus.QUEUED, JobStatus.PROCESSING, JobStatus.FAILED]
    assert done.history[1].wait_ms == 42
    assert (done.history[2].execution_ms, done.history[2].error_type) == (7, "Boom")
    assert store.get("acme", job.id).history == done.history


def test_creating_the_same_job_id_twice_is_refused(store):
    job = make_job()
    store.create(job)

    assert store.create(job) is False


def test_another_tenant_cannot_read_a_job(store):
    job = make_job(tenant_id="acme")
    store.create(job)

    assert store.get("globex", job.id) is None


def test_get_many_answers_the_jobs_that_exist_by_tenant_and_id(store):
    jobs = [make_job(tenant_id="acme") for _ in range(3)] + [make_job(tenant_id="globex")]
    for job in jobs:
        store.create(job)
    missing, other_tenant = ("acme", "01JNOTAJOBATALL0000000000X"), ("globex", jobs[0].id)
    keys = [(j.tenant_id, j.id) for j in jobs] + [missing, other_tenant]

    found = store.get_many(keys)

    assert set(found) == {(j.tenant_id, j.id) for j in jobs}
    for job in jobs:
        assert found[(job.tenant_id, job.id)] == store.get(job.tenant_id, job.id)
    assert store.get_many([]) == {}


def test_get_many_reads_past_one_call_of_a_hundred_keys(store):
    jobs = [make_job(tenant_id="acme") for _ in range(105)]
    store.create_many((job, None) for job in jobs)

    assert set(store.get_many([("acme", j.id) for j in jobs])) == {("acme", j.id) for j in jobs}


def test_transition_applies_only_from_an_expected_status(store):
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


def test_transition_honours_the_attempts_guard(store):
    job = make_job(status=JobStatus.QUEUED, attempts=2)
    store.create(job)

    stale = store.transition(
        "acme",
        job.id,
        [JobStatus.QUEUED],
        {"status": JobStatus.PROCESSING},
        guard=Guard(attempts=1),
    )

    assert stale is None


def test_list_filters_by_status_and_pages_with_a_cursor(store):
    queued = [make_job(status=JobStatus.QUEUED) for _ in range(5)]
    for job in queued + [make_job(status=JobStatus.COMPLETED) for _ in range(3)]:
        store.create(job)

    first = store.list("acme", JobQuery(status=JobStatus.QUEUED, limit=3))
    second = store.list("acme", JobQuery(status=JobStatus.QUEUED, limit=3, cursor=first.next_cursor))

    ids = [j.id for j in first.jobs + second.jobs]
    assert sorted(ids) == sorted(j.id for j in queued)
    assert len(first.jobs) == 3 and second.next_cursor is None


def test_a_cursor_cannot_be_replayed_by_another_tenant(store):
    for _ in range(3):
        store.create(make_job(tenant_id="acme"))
    page = store.list("acme", JobQuery(limit=1))

    with pytest.raises(BadRequest):
        store.list("globex", JobQuery(limit=1, cursor=page.next_cursor))


def test_list_filters_by_handler_across_pages(store):
    for i in range(6):
        store.create(make_job(handler="sleep" if i % 3 == 0 else "echo"))

    page = store.list("acme", JobQuery(handler="sleep", limit=10))

    assert [j.handler for j in page.jobs] == ["sleep", "sleep"]


def test_a_transition_sets_removes_and_moves_the_job_in_the_sweep_index(store):
    now = utc_now()
    job = make_job(status=JobStatus.QUEUED, status_reason="waiting for a slot")
    store.create(job, sweep_at=now - timedelta(seconds=1))

    claimed = store.transition(
        "acme",
        job.id,
        [JobStatus.QUEUED],
        {"status": JobStatus.PROCESSING, "attempts": 1},
        remove=["status_reason"],
        sweep_at=now + timedelta(minutes=5),
    )

    assert claimed.status is JobStatus.PROCESSING and claimed.status_reason is None
    assert store.get("acme", job.id) == claimed
    assert [e.job.id for e in store.due_for_sweep(now, 50)] == []
    assert [e.job.id for e in store.due_for_sweep(now + timedelta(minutes=5), 50)] == [job.id]
    store.transition("acme", job.id, [JobStatus.PROCESSING], {}, clear_sweep=True)
    assert store.due_for_sweep(now + timedelta(days=1), 50) == []


def test_the_sweep_index_answers_the_due_jobs_with_their_deadlines(store):
    now = utc_now()
    due = make_job(status=JobStatus.QUEUED)
    later = make_job(status=JobStatus.QUEUED)
    store.create(due, sweep_at=now - timedelta(seconds=10))
    store.create(later, sweep_at=now + timedelta(seconds=10))

    entries = store.due_for_sweep(now, 50)

    assert [(e.job.id, e.due_at) for e in entries] == [(due.id, now - timedelta(seconds=10))]


def test_the_sweep_deadline_guard_refuses_a_job_not_due_yet(store):
    now = utc_now()
    job = make_job(status=JobStatus.QUEUED)
    store.create(job, sweep_at=now + timedelta(seconds=30))

    early = store.transition(
        "acme", job.id, [JobStatus.QUEUED], {"dispatches": 1}, guard=Guard(sweep_due_by=now)
    )
    due = store.transition(
        "acme",
        job.id,
        [JobStatus.QUEUED],
        {"dispatches": 1},
        guard=Guard(sweep_due_by=now + timedelta(minutes=1)),
    )

    assert early is None and due.dispatches == 1


def test_the_unchanged_guard_compares_fields_and_absent_ones(store):
    slot = utc_now().replace(second=0, microsecond=0)
    job = make_job(status=JobStatus.PENDING, run_count=2)
    store.create(job)

    absent = store.transition(
        "acme",
        job.id,
        [JobStatus.PENDING],
        {"last_slot": slot},
        guard=Guard(unchanged={"run_count": 2, "last_slot": None}),
    )
    stale = store.transition(
        "acme",
        job.id,
        [JobStatus.PENDING],
        {"run_count": 9},
        guard=Guard(unchanged={"run_count": 2, "last_slot": None}),
    )
    current = store.transition(
        "acme",
        job.id,
        [JobStatus.PENDING],
        {"run_count": 3},
        guard=Guard(unchanged={"run_count": 2, "last_slot": slot}),
    )

    assert absent.last_slot == slot and stale is None and current.run_count == 3


def test_a_delete_only_in_an_expected_status(store):
    job = make_job(status=JobStatus.COMPLETED)
    store.create(job)

    assert store.delete("acme", job.id, [JobStatus.QUEUED]) is False
    assert store.delete("acme", job.id, [JobStatus.COMPLETED]) is True
    assert store.get("acme", job.id) is None and store.delete("acme", job.id) is False


def test_counts_by_status_can_leave_recurring_schedules_out(store):
    schedule = make_job(status=JobStatus.PENDING, type=JobType.RECURRING, cron="0 * * * *")
    run = make_job(status=JobStatus.PENDING, parent_id=schedule.id, cron="0 * * * *")
    for job in (
        schedule,
        run,
        make_job(status=JobStatus.PENDING),
        make_job(tenant_id="globex", status=JobStatus.PENDING),
    ):
        store.create(job)

    assert store.count("acme", [JobStatus.PENDING]) == 3
    assert store.count("acme", [JobStatus.PENDING], schedules=False) == 2
    assert store.count("acme", [JobStatus.PENDING, JobStatus.QUEUED], schedules=False) == 2
    assert store.count("acme", [JobStatus.QUEUED]) == 0


def test_finished_jobs_before_a_cutoff_are_found_by_status(store):
    now = utc_now()
    old = make_job(status=JobStatus.FAILED, completed_at=now - timedelta(days=40))
    new = make_job(status=JobStatus.FAILED, completed_at=now - timedelta(days=1))
    for job in (old, new, make_job(status=JobStatus.COMPLETED, completed_at=now - timedelta(days=40))):
        store.create(job)

    assert list(store.finished_before("acme", JobStatus.FAILED, now - timedelta(days=30))) == [old.id]
