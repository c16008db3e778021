"""Counting the truth from the job records, and reconciling the counters with it."""

from jobqueue.models.job import JobStatus, JobType
from jobqueue.store.jobs import JobStore
from jobqueue.tenancy import counters
from tests.support.factories import make_job


def add_jobs(*statuses: JobStatus, tenant: str = "acme", **fields) -> list:
    store = JobStore()
    jobs = [make_job(tenant_id=tenant, status=status, **fields) for status in statuses]
    for job in jobs:
        assert store.create(job)
    return jobs


def test_true_counts_pending_and_queued_as_waiting_and_processing_as_running(aws_env):
    # Given jobs in every status, and another tenant's jobs
    add_jobs(JobStatus.PENDING, JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.PROCESSING)
    add_jobs(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED)
    add_jobs(JobStatus.QUEUED, JobStatus.PROCESSING, tenant="globex")

    # When the truth is counted
    # Then only this tenant's waiting and running jobs count
    assert counters.true_counts("acme") == (3, 1)


def test_true_counts_leave_out_recurring_schedules_but_count_their_runs(aws_env):
    # Given an active and a paused recurring schedule (pending parents) and two of their runs
    parent = add_jobs(JobStatus.PENDING, type=JobType.RECURRING, cron="*/5 * * * *", enabled=True)[0]
    add_jobs(JobStatus.PENDING, type=JobType.RECURRING, cron="0 * * * *", enabled=False)
    add_jobs(JobStatus.QUEUED, parent_id=parent.id)
    add_jobs(JobStatus.PROCESSING, parent_id=parent.id, cron=parent.cron)  # a run that copied the cron

    # When the truth is counted
    # Then the schedules do not wait, their runs do
    assert counters.true_counts("acme") == (1, 1)


def test_true_counts_read_every_page_of_the_status_index(aws_env):
    # Given more queued jobs than one 1 MB page holds (30 x 40 KB)
    add_jobs(*[JobStatus.QUEUED] * 30, payload={"blob": "x" * 40_000})

    # When the truth is counted
    # Then all of them count
    assert counters.true_counts("acme") == (30, 0)


def test_reconcile_sets_a_drifted_counter_to_the_truth(aws_env):
    # Given a counter that lost track (a crash between admission and the job write)
    counters.reserve_waiting("acme", 7, 10)
    counters.acquire_running("acme", 5)

    # When it is reconciled with the true counts
    changed = counters.reconcile("acme", 2, 0)

    # Then it holds the truth
    assert changed
    snapshot = counters.read_counters("acme")
    assert (snapshot.waiting, snapshot.running) == (2, 0)


def test_reconcile_of_a_right_counter_writes_nothing(aws_env):
    counters.reserve_waiting("acme", 2, 10)
    before = counters.read_counters("acme")

    assert counters.reconcile("acme", 2, 0) is False
    assert counters.read_counters("acme") == before


def test_reconcile_creates_a_missing_counter(aws_env):
    assert counters.reconcile("acme", 3, 1)

    snapshot = counters.read_counters("acme")
    assert (snapshot.waiting, snapshot.running, snapshot.shards[0].version) == (3, 1, 1)


def test_reconcile_refuses_to_overwrite_a_change_made_after_the_counter_was_read(aws_env):
    # Given the sweeper read the counter, then a submission was admitted while it counted jobs
    counters.reserve_waiting("acme", 4, 10)
    seen = counters.read_counters("acme")
    counters.reserve_waiting("acme", 1, 10)

    # When the sweeper reconciles with what it counted
    changed = counters.reconcile("acme", 0, 0, seen=seen)

    # Then it refuses, and the admitted job stays counted
    assert changed is False
    assert counters.read_counters("acme").waiting == 5


def test_reconcile_refuses_when_a_counter_appeared_after_it_was_read_as_missing(aws_env):
    seen = counters.read_counters("acme")
    counters.reserve_waiting("acme", 1, 10)

    assert counters.reconcile("acme", 5, 0, seen=seen) is False
    assert counters.read_counters("acme").waiting == 1


def test_reconcile_tenant_writes_the_counted_truth(aws_env):
    # Given 2 queued and 1 processing job, and a counter that says 9 and 4
    add_jobs(JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.PROCESSING)
    counters.reconcile("acme", 9, 4)

    # When the sweeper reconciles the tenant
    # Then the counter holds the truth, and a second run finds nothing to do
    assert counters.reconcile_tenant("acme") is True
    snapshot = counters.read_counters("acme")
    assert (snapshot.waiting, snapshot.running) == (2, 1)
    assert counters.reconcile_tenant("acme") is False


def test_reconcile_tenant_counts_again_when_the_counter_moved_while_it_counted(aws_env):
    # Given a counter off by 3, and a submission that lands during the first count
    counters.reconcile("acme", 3, 0)
    truths = iter([(0, 0), (1, 0)])
    calls = []

    def count(tenant_id):
        if not calls:
            counters.reserve_waiting(tenant_id, 1, 10)  # admitted while the sweeper counts
        calls.append(tenant_id)
        return next(truths)

    # When the sweeper reconciles
    changed = counters.reconcile_tenant("acme", count=count)

    # Then the first round is refused, the second writes the fresh truth
    assert changed and len(calls) == 2
    assert counters.read_counters("acme").waiting == 1


def test_reconcile_tenant_gives_up_after_its_attempts_on_a_busy_counter(aws_env):
    # Given a drifted counter (5, truth 0) that moves during every count
    counters.reconcile("acme", 5, 0)

    def count(tenant_id):
        counters.reserve_waiting(tenant_id, 1, 100)
        return (0, 0)

    # When the sweeper reconciles with 3 attempts
    changed = counters.reconcile_tenant("acme", attempts=3, count=count)

    # Then it gives up without overwriting anything: the next sweep tries again
    assert changed is False
    assert counters.read_counters("acme").waiting == 8
