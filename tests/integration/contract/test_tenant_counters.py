"""The tenant counters' contract, in memory and on DynamoDB (one shard): limits checked and
changed in one step, releases never below 0, the version-guarded overwrite."""

from datetime import UTC, datetime

import pytest

from jobqueue.adapters.dynamodb.counters import DynamoTenantCounters
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.counters import CounterUsage, Overwrite
from jobqueue.testing.counters import InMemoryTenantCounters

NOW = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def counters(request):
    if request.param == "memory":
        return InMemoryTenantCounters()
    request.getfixturevalue("aws_env")
    return DynamoTenantCounters()


def test_waiting_places_are_taken_within_the_limit(counters):
    counters.reserve_waiting("acme", 2, 3)

    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve_waiting("acme", 2, 3)

    assert refused.value.details == {"limit_type": "max_queued_jobs", "current": 2, "limit": 3}
    assert counters.snapshot("acme").waiting == 2


def test_a_full_day_refuses_until_midnight(counters):
    counters.reserve("acme", 0, 5, 10, 5, NOW)

    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve("acme", 1, 1, 10, 5, NOW)

    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 5, "limit": 5}
    assert refused.value.retry_after == 2 * 3600 and counters.daily_count("acme", NOW) == 5
    assert counters.snapshot("acme").waiting == 0


def test_an_admission_takes_both_counts_or_neither(counters):
    counters.reserve("acme", 2, 3, 3, 10, NOW)  # 2 waiting jobs and a schedule
    seen = counters.snapshot("acme")

    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve("acme", 2, 20, 3, 10, NOW)  # over both: the waiting limit answers
    counters.reserve("acme", 0, 1, 3, 10, NOW)  # a schedule: the day alone

    assert refused.value.details == {"limit_type": "max_queued_jobs", "current": 2, "limit": 3}
    assert refused.value.retry_after is None
    assert counters.usage("acme", NOW) == CounterUsage(waiting=2, running=0, daily_count=4, day="2025-03-01")
    assert counters.snapshot("acme") == seen  # the day alone does not move the version


def test_releases_never_go_below_zero(counters):
    counters.reserve_waiting("acme", 1, 10)

    assert counters.release_waiting("acme", 2) is False
    assert counters.release_waiting("acme", 1) is True
    assert counters.release_daily("acme", 1, NOW) is False
    counters.reserve("acme", 0, 2, 10, 10, NOW)
    assert counters.release_daily("acme", 3, NOW) is False
    assert counters.release_daily("acme", 2, NOW) is True
    assert counters.snapshot("acme").waiting == 0 and counters.daily_count("acme", NOW) == 0


def test_a_start_moves_a_job_from_waiting_to_running_within_the_limit(counters):
    counters.reserve_waiting("acme", 2, 10)

    assert counters.take_running("acme", 1) is True
    assert counters.take_running("acme", 1) is False
    assert counters.give_running("acme", requeued=True) is True
    assert counters.give_running("acme") is False
    assert counters.usage("acme", NOW) == CounterUsage(waiting=2, running=0, daily_count=0, day="2025-03-01")


def test_an_overwrite_refuses_when_the_counter_moved_after_it_was_read(counters):
    counters.reserve_waiting("acme", 4, 10)
    seen = counters.snapshot("acme")
    counters.reserve_waiting("acme", 1, 10)

    assert counters.overwrite("acme", 0, 0, seen) is Overwrite.CONFLICT
    assert counters.overwrite("acme", 5, 0, counters.snapshot("acme")) is Overwrite.UNCHANGED
    assert counters.overwrite("acme", 1, 0, counters.snapshot("acme")) is Overwrite.WRITTEN
    assert counters.snapshot("acme").waiting == 1
