"""Admission: the waiting and daily counters, their limits, and compensation."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from jobqueue.adapters.dynamodb import keys
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.counters import CounterUsage
from jobqueue.tenancy.admission import admit
from tests.integration.tenancy.conftest import make_limits
from tests.support.faults import Faulty, raising


def counter_item(aws_env, tenant="acme"):
    return aws_env.table().get_item(Key=keys.tenant_counter_key(tenant)).get("Item")


def daily_item(aws_env, day, tenant="acme"):
    return aws_env.table().get_item(Key=keys.daily_counter_key(tenant, day)).get("Item")


def test_reservations_add_up_until_the_limit_then_refuse_with_the_current_count(counters, aws_env):
    # Given a tenant that has 9 of 10 waiting places taken
    counters.reserve_waiting("acme", 4, 10)
    counters.reserve_waiting("acme", 5, 10)

    # When it asks for 2 more, then for 1
    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve_waiting("acme", 2, 10)
    counters.reserve_waiting("acme", 1, 10)

    # Then the 2 are refused with the count at that moment, the 1 fits exactly
    assert refused.value.details == {"limit_type": "max_queued_jobs", "current": 9, "limit": 10}
    assert refused.value.status == 429
    assert counter_item(aws_env)["waiting"] == 10


def test_a_request_larger_than_the_limit_is_refused_without_a_write(counters, aws_env):
    # Given a tenant with 3 waiting jobs
    counters.reserve_waiting("acme", 3, 10)
    before = counter_item(aws_env)

    # When a batch of 11 is asked against a limit of 10
    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve_waiting("acme", 11, 10)

    # Then it is refused with the current count, and the item is untouched (version too)
    assert refused.value.details["current"] == 3
    assert counter_item(aws_env) == before


def test_a_limit_of_zero_refuses_everything(counters, aws_env, now):
    with pytest.raises(TenantLimitExceeded):
        counters.reserve_waiting("acme", 1, 0)
    with pytest.raises(TenantLimitExceeded):
        counters.reserve_daily("acme", 1, 0, now)


@pytest.mark.parametrize("n", [0, -1, True, 1.0])
def test_a_count_that_is_not_a_positive_int_is_a_programming_error(counters, aws_env, n):
    with pytest.raises(ValueError):
        counters.reserve_waiting("acme", n, 10)


def test_the_daily_limit_refuses_with_retry_after_until_utc_midnight(counters, aws_env):
    # Given a tenant that used its 5 daily jobs, at 23:59:30.250 UTC
    late = datetime(2025, 3, 1, 23, 59, 30, 250000, tzinfo=UTC)
    counters.reserve_daily("acme", 5, 5, late)

    # When it submits one more
    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve_daily("acme", 1, 5, late)

    # Then it is told to come back at midnight: 30 seconds, rounded up
    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 5, "limit": 5}
    assert refused.value.retry_after == 30


def test_the_day_item_expires_two_days_after_its_day_ends(counters, aws_env, now):
    # When a job is counted on 2025-03-01
    counters.reserve_daily("acme", 1, 100, now)

    # Then the day item lives until 2025-03-04 00:00 UTC
    item = daily_item(aws_env, now.date())
    assert item["count"] == 1
    assert item["ttl"] == int(datetime(2025, 3, 4, tzinfo=UTC).timestamp())


def test_a_new_utc_day_starts_a_fresh_count(counters, aws_env):
    # Given a full day just before midnight UTC (a tenant in UTC+2 sees 01:59 on the next day)
    before = datetime(2025, 3, 1, 23, 59, 59, tzinfo=UTC)
    counters.reserve_daily("acme", 3, 3, before.astimezone(timezone(timedelta(hours=2))))

    # When a job comes one second later, in the new UTC day
    counters.reserve_daily("acme", 1, 3, before + timedelta(seconds=1))

    # Then each day has its own count, keyed by the UTC date
    assert daily_item(aws_env, before.date())["count"] == 3
    assert daily_item(aws_env, before.date() + timedelta(days=1))["count"] == 1


def test_admit_takes_both_counters(counters, aws_env, now):
    # When a batch of 4 is admitted
    admit(counters, "acme", make_limits(), 4, now)

    # Then both the waiting and the daily count grew by 4
    assert counters.usage("acme", now) == CounterUsage(waiting=4, running=0, daily_count=4, day="2025-03-01")


def test_an_admission_refused_by_the_daily_limit_leaves_no_trace(counters, aws_env, now):
    # Given a tenant with room to wait but only 2 jobs left today
    limits = make_limits(max_queued_jobs=50, max_daily_jobs=10)
    admit(counters, "acme", limits, 8, now)

    # When a batch of 3 asks for admission
    with pytest.raises(TenantLimitExceeded) as refused:
        admit(counters, "acme", limits, 3, now)

    # Then the daily limit answers, and the waiting places it took are back
    assert refused.value.details["limit_type"] == "max_daily_jobs"
    assert refused.value.retry_after == 2 * 3600
    assert counters.usage("acme", now) == CounterUsage(waiting=8, running=0, daily_count=8, day="2025-03-01")


def test_an_admission_refused_by_the_queued_limit_never_counts_the_day(counters, aws_env, now):
    limits = make_limits(max_queued_jobs=2, max_daily_jobs=10)
    admit(counters, "acme", limits, 2, now)

    with pytest.raises(TenantLimitExceeded) as refused:
        admit(counters, "acme", limits, 1, now)

    assert refused.value.details["limit_type"] == "max_queued_jobs"
    assert counters.daily_count("acme", now) == 2


def test_an_admission_whose_daily_write_fails_gives_the_waiting_places_back(counters, aws_env, now):
    # Given the daily write fails with an AWS error (throttled)
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")
    flaky = Faulty(counters, reserve_daily=raising(throttled))

    # When a job is admitted
    with pytest.raises(ClientError):
        admit(flaky, "acme", make_limits(), 1, now)

    # Then the error goes up and the waiting count is back where it was
    assert counter_item(aws_env)["waiting"] == 0


def test_an_undone_admission_leaves_no_trace(counters, aws_env, now):
    # Given an admitted batch of 5 whose job write then failed
    admission = admit(counters, "acme", make_limits(), 5, now)

    # When the submission gives its admission back (with the admission's time, even after midnight)
    admission.undo()
    admission.undo()  # once only

    # Then no trace is left on either counter
    assert counters.usage("acme", now).waiting == 0
    assert counters.daily_count("acme", now) == 0


def test_release_never_takes_waiting_below_zero(counters, aws_env):
    # Given 2 waiting jobs
    counters.reserve_waiting("acme", 2, 10)

    # When 3 are given back at once, then 2, then 1
    too_many = counters.release_waiting("acme", 3)
    exact = counters.release_waiting("acme", 2)
    drifted = counters.release_waiting("acme", 1)

    # Then only the exact release went through; the others are refused (drift, for reconciliation)
    assert (too_many, exact, drifted) == (False, True, False)
    assert counter_item(aws_env)["waiting"] == 0


def test_a_daily_release_never_goes_below_zero(counters, aws_env, now):
    assert counters.release_daily("acme", 1, now) is False
    assert daily_item(aws_env, now.date()) is None
