"""Racing callers against the serial moto server (see conftest): the limits hold exactly."""

import pytest

from jobqueue.errors import TenantLimitExceeded
from jobqueue.tenancy.admission import admit
from tests.integration.tenancy.conftest import make_limits, run_together, sharded


@pytest.mark.parametrize("shards", [1, 3])
def test_fifty_racing_submissions_admit_exactly_the_limit(serial_aws, shards):
    # Given an empty counter and a queued-jobs limit of 10
    # When 50 submissions of one job each race for it
    results = run_together(50, lambda: sharded(shards).reserve_waiting("acme", 1, 10))

    # Then exactly 10 are admitted, 40 refused with the limit, and the counter says 10
    admitted = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, TenantLimitExceeded)]
    assert len(admitted) == 10 and len(refused) == 40
    assert all(r.details["limit_type"] == "max_queued_jobs" and r.details["limit"] == 10 for r in refused)
    assert sharded(shards).snapshot("acme").waiting == 10


def test_racing_admissions_of_whole_batches_never_pass_either_limit(counters, serial_aws, now):
    # Given a tenant allowed 10 waiting and 25 a day
    limits = make_limits(max_queued_jobs=10, max_daily_jobs=25)

    # When 30 batches of 3 race for admission
    results = run_together(30, lambda: admit(counters, "acme", limits, 3, now))

    # Then 3 batches fit (9 waiting), the rest are refused, and the refused ones left no trace
    assert sum(not isinstance(r, Exception) for r in results) == 3
    assert counters.usage("acme", now).waiting == 9
    assert counters.daily_count("acme", now) == 9


@pytest.mark.parametrize("shards", [1, 4])
def test_racing_starts_never_run_more_than_the_concurrency_limit(serial_aws, shards):
    # Given 40 waiting jobs and a concurrency limit of 8
    sharded(shards).reserve_waiting("acme", 40, 40)

    # When 40 workers race to start them
    results = run_together(40, lambda: sharded(shards).take_running("acme", 8))

    # Then exactly 8 start, and each start moved one job from waiting to running
    assert results.count(True) == 8 and results.count(False) == 32
    snapshot = sharded(shards).snapshot("acme")
    assert (snapshot.running, snapshot.waiting) == (8, 32)


def test_racing_releases_never_take_the_counter_below_zero(counters, serial_aws):
    # Given 5 waiting jobs
    counters.reserve_waiting("acme", 5, 10)

    # When 20 callers race to give one back each (15 of them in error: drift)
    results = run_together(20, lambda: counters.release_waiting("acme", 1))

    # Then 5 releases succeed and the counter stops at 0
    assert results.count(True) == 5 and results.count(False) == 15
    assert counters.snapshot("acme").waiting == 0


def test_racing_finishes_never_take_running_below_zero(counters, serial_aws):
    # Given 3 running jobs
    counters.reserve_waiting("acme", 3, 10)
    for _ in range(3):
        assert counters.take_running("acme", 5)

    # When 10 finishes race (7 of them duplicates)
    results = run_together(10, lambda: counters.give_running("acme"))

    # Then 3 slots come back and running stops at 0
    assert results.count(True) == 3
    assert counters.snapshot("acme").running == 0
