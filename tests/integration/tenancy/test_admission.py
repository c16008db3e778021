"""Admission: the waiting places and the day's count on the COUNTER item, their limits in one
write, the removal of past days, and giving an admission back."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from jobqueue.adapters.dynamodb import keys
from jobqueue.adapters.dynamodb.counter_items import CounterItems
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.counters import CounterUsage
from jobqueue.tenancy.admission import admit
from tests.integration.tenancy.conftest import first_shard, make_limits, sharded
from tests.integration.worker.kit import count_aws_calls


def counter_item(aws_env, tenant="acme"):
    return aws_env.table().get_item(Key=keys.tenant_counter_key(tenant)).get("Item")


def day_count(aws_env, day, tenant="acme"):
    """The day's attribute on the COUNTER item (None: not there)."""
    return (counter_item(aws_env, tenant) or {}).get(f"day#{day.isoformat()}")


def day_attributes(aws_env, tenant="acme"):
    return sorted(a for a in counter_item(aws_env, tenant) or {} if a.startswith("day#"))


def reserve_day(counters, n, limit, now):
    """The day's count alone (a recurring schedule's admission)."""
    counters.reserve("acme", 0, n, 0, limit, now)


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
    with pytest.raises(TenantLimitExceeded) as queued:
        counters.reserve("acme", 1, 1, 0, 10, now)
    with pytest.raises(TenantLimitExceeded) as daily:
        counters.reserve("acme", 1, 1, 10, 0, now)

    assert queued.value.details["limit_type"] == "max_queued_jobs"
    assert daily.value.details["limit_type"] == "max_daily_jobs"
    assert counter_item(aws_env) is None


@pytest.mark.parametrize("n", [0, -1, True, 1.0])
def test_a_count_that_is_not_a_positive_int_is_a_programming_error(counters, aws_env, n):
    with pytest.raises(ValueError):
        counters.reserve_waiting("acme", n, 10)


def test_the_daily_limit_refuses_with_retry_after_until_utc_midnight(counters, aws_env):
    # Given a tenant that used its 5 daily jobs, at 23:59:30.250 UTC
    late = datetime(2025, 3, 1, 23, 59, 30, 250000, tzinfo=UTC)
    reserve_day(counters, 5, 5, late)

    # When it submits one more
    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve("acme", 1, 1, 10, 5, late)

    # Then it is told to come back at midnight: 30 seconds, rounded up
    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 5, "limit": 5}
    assert refused.value.retry_after == 30


def test_one_write_takes_the_waiting_places_and_the_days_count(counters, aws_env, now):
    # When a batch of 4 is admitted
    with count_aws_calls() as log:
        counters.reserve("acme", 4, 4, 10, 100, now)

    # Then one UpdateItem put both on the COUNTER item, and moved its version once
    assert dict(log.calls) == {("dynamodb", "UpdateItem"): 1}
    item = counter_item(aws_env)
    assert (item["waiting"], item["day#2025-03-01"], item["version"]) == (4, 4, 1)


def test_the_days_count_alone_is_one_write_that_leaves_waiting_and_version(counters, aws_env, now):
    # Given a tenant with 2 waiting jobs
    counters.reserve("acme", 2, 2, 10, 100, now)

    # When a recurring schedule (not a waiting job) is admitted
    with count_aws_calls() as log:
        reserve_day(counters, 1, 100, now)

    # Then only the day moved: reconciliation compares waiting and running, not the day
    assert dict(log.calls) == {("dynamodb", "UpdateItem"): 1}
    item = counter_item(aws_env)
    assert (item["waiting"], item["day#2025-03-01"], item["version"]) == (2, 3, 1)


@pytest.mark.parametrize(
    ("waiting", "daily", "limit_type", "current", "limit"),
    [(3, 3, "max_queued_jobs", 8, 10), (1, 3, "max_daily_jobs", 8, 10), (3, 1, "max_queued_jobs", 8, 10)],
)
def test_each_limit_refuses_with_its_own_details_and_the_item_untouched(
    counters, aws_env, now, waiting, daily, limit_type, current, limit
):
    # Given 8 of 10 waiting places and 8 of 10 of the day's count taken
    counters.reserve("acme", 8, 8, 10, 10, now)
    before = counter_item(aws_env)

    # When a submission asks for more than one of them has
    with pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve("acme", waiting, daily, 10, 10, now)

    # Then that limit answers (the waiting one first when both are over), and nothing changed
    assert refused.value.details == {"limit_type": limit_type, "current": current, "limit": limit}
    assert (refused.value.retry_after is None) == (limit_type == "max_queued_jobs")
    assert counter_item(aws_env) == before


def test_a_batch_larger_than_a_limit_is_refused_with_a_read_and_no_write(counters, aws_env, now):
    counters.reserve("acme", 2, 2, 10, 10, now)
    before = counter_item(aws_env)

    with count_aws_calls() as log, pytest.raises(TenantLimitExceeded) as refused:
        counters.reserve("acme", 3, 11, 10, 10, now)

    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 2, "limit": 10}
    assert dict(log.calls) == {("dynamodb", "GetItem"): 1}
    assert counter_item(aws_env) == before


def test_a_days_write_removes_the_three_days_before_it(counters, aws_env, now):
    # Given days counted one after the other: each write removed the 3 days before its own
    for back in (5, 4, 3):
        reserve_day(counters, 1, 100, now - timedelta(days=back))
    assert day_attributes(aws_env) == ["day#2025-02-26"]

    # When today's admission comes, 3 days after the last
    with count_aws_calls() as log:
        counters.reserve("acme", 1, 1, 10, 100, now)

    # Then the same write removed that day: only today's count is left
    assert dict(log.calls) == {("dynamodb", "UpdateItem"): 1}
    assert day_attributes(aws_env) == ["day#2025-03-01"]


def test_a_day_older_than_the_three_removed_is_tidied_after_the_write(counters, aws_env, now):
    # Given a tenant quiet for a week after a busy day
    reserve_day(counters, 7, 100, now - timedelta(days=7))

    # When it submits again
    with count_aws_calls() as log:
        counters.reserve("acme", 1, 1, 10, 100, now)

    # Then the admission's write saw the old day on the item and a second write removed it
    assert dict(log.calls) == {("dynamodb", "UpdateItem"): 2}
    assert day_attributes(aws_env) == ["day#2025-03-01"]
    assert counter_item(aws_env)["waiting"] == 1


def test_a_day_after_today_is_never_removed(counters, aws_env, now):
    # Given a write stamped just after midnight by a caller whose clock is a little ahead
    reserve_day(counters, 1, 100, now + timedelta(hours=2, seconds=1))

    # When a caller still on today admits a job
    counters.reserve("acme", 1, 1, 10, 100, now)

    # Then both days keep their count
    assert day_attributes(aws_env) == ["day#2025-03-01", "day#2025-03-02"]


def test_a_new_utc_day_starts_a_fresh_count(counters, aws_env):
    # Given a full day just before midnight UTC (a tenant in UTC+2 sees 01:59 on the next day)
    before = datetime(2025, 3, 1, 23, 59, 59, tzinfo=UTC)
    reserve_day(counters, 3, 3, before.astimezone(timezone(timedelta(hours=2))))
    assert day_count(aws_env, before.date()) == 3

    # When a job comes one second later, in the new UTC day
    reserve_day(counters, 1, 3, before + timedelta(seconds=1))

    # Then the new day counts from 0, keyed by the UTC date, and the day before is gone
    assert day_count(aws_env, before.date() + timedelta(days=1)) == 1
    assert day_count(aws_env, before.date()) is None


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


THROTTLED = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")


class ThrottledDay(CounterItems):
    """Counter items whose writes of a day's count fail with an AWS error."""

    def add_within(self, key, attr, n, cap, spec):
        if attr.startswith("day#"):
            raise THROTTLED
        return super().add_within(key, attr, n, cap, spec)


def test_a_sharded_admission_whose_day_write_fails_gives_the_waiting_places_back(aws_env, now):
    # Given 3 counter shards (two writes: the waiting places, then the day) and a failing day write
    counters = sharded(3, first_shard)
    counters.items = ThrottledDay(pick=first_shard)

    # When a job is admitted
    with pytest.raises(ClientError):
        admit(counters, "acme", make_limits(), 1, now)

    # Then the error goes up and the waiting count is back where it was
    assert counter_item(aws_env)["waiting"] == 0


def test_a_sharded_admission_refused_by_the_day_gives_the_waiting_places_back(aws_env, now):
    limits = make_limits(max_queued_jobs=30, max_daily_jobs=3)
    admit(sharded(3), "acme", limits, 3, now)

    with pytest.raises(TenantLimitExceeded) as refused:
        admit(sharded(3), "acme", limits, 1, now)

    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 3, "limit": 3}
    assert refused.value.retry_after == 2 * 3600
    assert sharded(3).usage("acme", now) == CounterUsage(
        waiting=3, running=0, daily_count=3, day="2025-03-01"
    )


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
    assert counter_item(aws_env) is None
