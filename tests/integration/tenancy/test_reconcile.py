"""Counting the truth from the job records, and reconciling the counters with it."""

from jobqueue.models.counters import Overwrite
from jobqueue.models.job import JobStatus, JobType
from jobqueue.tenancy.reconcile import reconcile_tenant, true_counts
from jobqueue.wiring import default_ports
from tests.support.factories import make_job


def add_jobs(*statuses: JobStatus, tenant: str = "acme", **fields) -> list:
    store = default_ports().jobs
    jobs = [make_job(tenant_id=tenant, status=status, **fields) for status in statuses]
    for job in jobs:
        assert store.create(job)
    return jobs


def test_true_counts_pending_and_queued_as_waiting_and_processing_as_running(counters, aws_env):
    # Given jobs in every status, and another tenant's jobs
    add_jobs(JobStatus.PENDING, JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.PROCESSING)
    add_jobs(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED)
    add_jobs(JobStatus.QUEUED, JobStatus.PROCESSING, tenant="globex")

    # When the truth is counted
    # Then only this tenant's waiting and running jobs count
    assert true_counts(default_ports().jobs, "acme") == (3, 1)


def test_true_counts_leave_out_recurring_schedules_but_count_their_runs(counters, aws_env):
    # Given an active and a paused recurring schedule (pending parents) and two of their runs
    parent = add_jobs(JobStatus.PENDING, type=JobType.RECURRING, cron="*/5 * * * *", enabled=True)[0]
    add_jobs(JobStatus.PENDING, type=JobType.RECURRING, cron="0 * * * *", enabled=False)
    add_jobs(JobStatus.QUEUED, parent_id=parent.id)
    add_jobs(JobStatus.PROCESSING, parent_id=parent.id, cron=parent.cron)  # a run that copied the cron

    # When the truth is counted
    # Then the schedules do not wait, their runs do
    assert true_counts(default_ports().jobs, "acme") == (1, 1)


def test_true_counts_read_every_page_of_the_status_index(counters, aws_env):
    # Given more queued jobs than one 1 MB page holds (30 x 40 KB)
    add_jobs(*[JobStatus.QUEUED] * 30, payload={"blob": "x" * 40_000})

    # When the truth is counted
    # Then all of them count
    assert true_counts(default_ports().jobs, "acme") == (30, 0)


def test_reconcile_sets_a_drifted_counter_to_the_truth(counters, aws_env):
    # Given a counter that lost track (a crash between admission and the job write)
    counters.reserve_waiting("acme", 7, 10)
    counters.take_running("acme", 5)

    # When it is reconciled with the true counts
    changed = counters.overwrite("acme", 2, 0, counters.snapshot("acme")) is Overwrite.WRITTEN

    # Then it holds the truth
    assert changed
    snapshot = counters.snapshot("acme")
    assert (snapshot.waiting, snapshot.running) == (2, 0)


def test_reconcile_of_a_right_counter_writes_nothing(counters, aws_env):
    counters.reserve_waiting("acme", 2, 10)
    before = counters.snapshot("acme")

    assert counters.overwrite("acme", 2, 0, counters.snapshot("acme")) is not Overwrite.WRITTEN
    assert counters.snapshot("acme") == before


def test_reconcile_creates_a_missing_counter(counters, aws_env):
    assert counters.overwrite("acme", 3, 1, counters.snapshot("acme")) is Overwrite.WRITTEN

    snapshot = counters.snapshot("acme")
    assert (snapshot.waiting, snapshot.running, snapshot.shards[0].version) == (3, 1, 1)


def test_reconcile_refuses_to_overwrite_a_change_made_after_the_counter_was_read(counters, aws_env):
    # Given the sweeper read the counter, then a submission was admitted while it counted jobs
    counters.reserve_waiting("acme", 4, 10)
    seen = counters.snapshot("acme")
    counters.reserve_waiting("acme", 1, 10)

    # When the sweeper reconciles with what it counted
    changed = counters.overwrite("acme", 0, 0, seen) is Overwrite.WRITTEN

    # Then it refuses, and the admitted job stays counted
    assert changed is False
    assert counters.snapshot("acme").waiting == 5


def test_reconcile_refuses_when_a_counter_appeared_after_it_was_read_as_missing(counters, aws_env):
    seen = counters.snapshot("acme")
    counters.reserve_waiting("acme", 1, 10)

    assert counters.overwrite("acme", 5, 0, seen) is not Overwrite.WRITTEN
    assert counters.snapshot("acme").waiting == 1


def test_reconcile_tenant_writes_the_counted_truth(counters, aws_env):
    # Given 2 queued and 1 processing job, and a counter that says 9 and 4
    add_jobs(JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.PROCESSING)
    assert counters.overwrite("acme", 9, 4, counters.snapshot("acme")) is Overwrite.WRITTEN

    # When the sweeper reconciles the tenant
    # Then the counter holds the truth, and a second run finds nothing to do
    assert reconcile_tenant(counters, default_ports().jobs, "acme") is True
    snapshot = counters.snapshot("acme")
    assert (snapshot.waiting, snapshot.running) == (2, 1)
    assert reconcile_tenant(counters, default_ports().jobs, "acme") is False


class ScriptedJobs:
    """Job counts that answer one (waiting, running) truth per reconciliation round; `during`
    runs at the start of each round's count (a submission landing meanwhile)."""

    def __init__(self, truths, during):
        self.truths, self.during, self.rounds = list(truths), during, 0

    def count(self, tenant_id, statuses, *, schedules=True):
        statuses = set(statuses)
        if JobStatus.PENDING in statuses:
            self.during(tenant_id, self.rounds)
            self.rounds += 1
        waiting, running = self.truths[min(self.rounds, len(self.truths)) - 1]
        return running if statuses == {JobStatus.PROCESSING} else waiting


def test_reconcile_tenant_counts_again_when_the_counter_moved_while_it_counted(counters, aws_env):
    # Given a counter off by 3, and a submission that lands during the first count
    assert counters.overwrite("acme", 3, 0, counters.snapshot("acme")) is Overwrite.WRITTEN

    def during(tenant_id, round_number):
        if round_number == 0:
            counters.reserve_waiting(tenant_id, 1, 10)  # admitted while the sweeper counts

    jobs = ScriptedJobs([(0, 0), (1, 0)], during)

    # When the sweeper reconciles
    changed = reconcile_tenant(counters, jobs, "acme")

    # Then the first round is refused, the second writes the fresh truth
    assert changed and jobs.rounds == 2
    assert counters.snapshot("acme").waiting == 1


def test_reconcile_tenant_gives_up_after_its_attempts_on_a_busy_counter(counters, aws_env):
    # Given a drifted counter (5, truth 0) that moves during every count
    assert counters.overwrite("acme", 5, 0, counters.snapshot("acme")) is Overwrite.WRITTEN
    jobs = ScriptedJobs([(0, 0)], lambda tenant_id, _: counters.reserve_waiting(tenant_id, 1, 100))

    # When the sweeper reconciles with 3 attempts
    changed = reconcile_tenant(counters, jobs, "acme", attempts=3)

    # Then it gives up without overwriting anything: the next sweep tries again
    assert changed is False
    assert counters.snapshot("acme").waiting == 8
