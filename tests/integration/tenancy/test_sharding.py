"""Sharded counters: N items, each with its part of the limit, together never over the limit."""

from datetime import timedelta

import pytest

from jobqueue.adapters.dynamodb import keys
from jobqueue.adapters.dynamodb.counter_items import CounterItems
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.counters import CounterUsage, Overwrite
from jobqueue.tenancy.admission import admit
from tests.integration.tenancy.conftest import first_shard, make_limits, sharded


def shard_values(tenant="acme", shards=3, attr="waiting"):
    return [getattr(s, attr) for s in sharded(shards).snapshot(tenant).shards]


def test_shard_zero_is_the_plain_counter_item(aws_env):
    # When a sharded tenant reserves on its first shard
    sharded(3, first_shard).reserve_waiting("acme", 1, 10)

    # Then it is the same COUNTER item an unsharded tenant uses, so turning sharding on moves nothing
    assert aws_env.table().get_item(Key={"PK": "T#acme", "SK": "COUNTER"})["Item"]["waiting"] == 1
    assert keys.tenant_counter_key("acme", 2) == {"PK": "T#acme", "SK": "COUNTER#2"}


def test_a_sharded_counter_admits_exactly_the_limit(aws_env):
    # Given 3 shards and a limit of 10 (allowances 4, 3, 3)
    # When 15 single jobs ask for admission
    admitted = 0
    for _ in range(15):
        try:
            sharded(3).reserve_waiting("acme", 1, 10)
            admitted += 1
        except TenantLimitExceeded as refused:
            assert refused.details["current"] == 10

    # Then exactly 10 get in, each shard full to its allowance
    assert admitted == 10
    assert shard_values() == [4, 3, 3]


def test_a_batch_too_big_for_any_one_shard_is_split_over_several(aws_env):
    # Given 3 shards of a limit of 9 (3 each), one job waiting on shard 0
    sharded(3, first_shard).reserve_waiting("acme", 1, 9)

    # When a batch of 7 asks for admission: no shard has room for 7, together they have 8
    sharded(3, first_shard).reserve_waiting("acme", 7, 9)

    # Then it is admitted in pieces, and the total is 8
    assert sum(shard_values()) == 8
    assert all(v <= 3 for v in shard_values())


class RivalOnSecondWrite(CounterItems):
    """Counter items where a rival fills shard 1 just before the second conditional ADD."""

    def __init__(self):
        super().__init__(pick=first_shard)
        self.calls = []

    def add_within(self, key, attr, n, cap, spec):
        self.calls.append(key["SK"])
        if len(self.calls) == 2:  # no shard can take 7 whole: piece 1 goes, piece 2 meets the rival
            super().add_within(keys.tenant_counter_key("acme", 1), attr, 3, 3, spec)
        return super().add_within(key, attr, n, cap, spec)


def test_a_split_batch_whose_piece_fails_gives_every_piece_back(aws_env):
    # Given 3 empty shards of a limit of 9, and a racing writer that fills shard 1 mid-split
    counters = sharded(3, first_shard)
    counters.items = RivalOnSecondWrite()

    # When a batch of 7 is split (3 + 3 + 1) and the second piece is refused
    with pytest.raises(TenantLimitExceeded):
        counters.reserve_waiting("acme", 7, 9)

    # Then the piece already taken was given back: only the rival's 3 remain
    assert shard_values() == [0, 3, 0]


def test_releases_take_from_whichever_shards_hold_jobs(aws_env):
    # Given 2 jobs on shard 0 and 3 on shard 1
    sharded(3, first_shard).reserve_waiting("acme", 2, 9)
    sharded(3, first_shard).reserve_waiting("acme", 3, 9)
    assert shard_values() == [2, 3, 0]

    # When 4 are given back at once (no shard holds 4) and then 1, then 1 more than exists
    assert sharded(3, first_shard).release_waiting("acme", 4)
    assert sharded(3, first_shard).release_waiting("acme", 1)
    assert sharded(3, first_shard).release_waiting("acme", 1) is False

    # Then every shard ends at 0, none below
    assert shard_values() == [0, 0, 0]


def test_sharded_running_slots_never_exceed_the_limit_and_come_back(aws_env):
    sharded(4).reserve_waiting("acme", 12, 20)

    started = [sharded(4).take_running("acme", 5) for _ in range(8)]
    assert started.count(True) == 5
    assert sum(shard_values(shards=4, attr="running")) == 5
    assert sum(shard_values(shards=4)) == 7

    for _ in range(5):
        assert sharded(4).give_running("acme")
    assert sharded(4).give_running("acme") is False
    assert sum(shard_values(shards=4, attr="running")) == 0


def test_a_sharded_start_on_a_shard_without_waiting_jobs_takes_waiting_from_another(aws_env):
    # Given the waiting jobs sit on shard 0 only, and the start probes shard 1 first
    sharded(2, first_shard).reserve_waiting("acme", 2, 10)

    # When a job starts
    assert sharded(2, lambda count: 1).take_running("acme", 4)

    # Then the slot is on shard 1 and the waiting place came off shard 0: totals stay right
    assert shard_values(shards=2, attr="running") == [0, 1]
    assert shard_values(shards=2) == [1, 0]


def test_sharded_daily_count_and_usage_add_up_every_shard(aws_env, now):
    limits = make_limits(max_queued_jobs=30, max_daily_jobs=12)
    for _ in range(4):
        admit(sharded(3), "acme", limits, 3, now)

    with pytest.raises(TenantLimitExceeded) as refused:
        admit(sharded(3), "acme", limits, 1, now)

    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 12, "limit": 12}
    assert sharded(3).usage("acme", now) == CounterUsage(
        waiting=12, running=0, daily_count=12, day="2025-03-01"
    )


def test_reconcile_of_a_sharded_counter_moves_shards_toward_their_even_share(aws_env):
    # Given 3 shards holding 4, 3, 3 waiting while only 2 jobs really wait
    for _ in range(10):
        sharded(3, first_shard).reserve_waiting("acme", 1, 10)

    # When reconciled
    counters = sharded(3, first_shard)
    assert counters.overwrite("acme", 2, 0, counters.snapshot("acme")) is Overwrite.WRITTEN

    # Then the total is the truth, taken off the shards above their share
    assert shard_values() == [1, 1, 0]


def test_reconcile_of_a_sharded_counter_refuses_when_another_shard_moved(aws_env):
    sharded(3, first_shard).reserve_waiting("acme", 3, 9)
    seen = sharded(3, first_shard).snapshot("acme")
    sharded(3, first_shard).reserve_waiting("acme", 3, 9)  # lands on shard 0? it is full: on shard 1

    assert sharded(3, first_shard).overwrite("acme", 0, 0, seen) is Overwrite.CONFLICT
    assert sum(shard_values()) == 6


def test_usage_of_many_shards_reads_them_in_batches_of_a_hundred_keys(aws_env, now):
    # Given 120 shards (120 keys: the day's count is on the same items) and 7 jobs admitted
    for _ in range(7):
        admit(sharded(120), "acme", make_limits(max_queued_jobs=1200, max_daily_jobs=1200), 1, now)

    # When usage is read
    # Then every shard is seen
    assert sharded(120).usage("acme", now) == CounterUsage(
        waiting=7, running=0, daily_count=7, day="2025-03-01"
    )
    assert sharded(120).daily_count("acme", now) == 7


def test_a_sharded_day_lives_on_the_counter_shards_and_removes_the_days_before(aws_env, now):
    # Given a sharded tenant's count of yesterday on shard 0
    counters = sharded(2, first_shard)
    admit(counters, "acme", make_limits(), 1, now - timedelta(days=1))

    # When it is admitted today (waiting places, then the day: two writes with shards)
    admit(counters, "acme", make_limits(), 2, now)

    # Then today's count is an attribute of the COUNTER item, and yesterday's is gone
    item = aws_env.table().get_item(Key=keys.tenant_counter_key("acme"))["Item"]
    assert (item["waiting"], item["day#2025-03-01"]) == (3, 2)
    assert "day#2025-02-28" not in item
    assert not [i for i in aws_env.table().scan()["Items"] if i["SK"].startswith("DAILY")]
