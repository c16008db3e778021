"""Sharded counters: N items, each with its part of the limit, together never over the limit."""

import pytest

from jobqueue import keys
from jobqueue.errors import TenantLimitExceeded
from jobqueue.tenancy import counters
from jobqueue.tenancy import shards as shard_rules
from tests.integration.tenancy.conftest import make_limits


def shard_values(tenant="acme", shards=3, attr="waiting"):
    return [getattr(s, attr) for s in counters.read_counters(tenant, shards=shards).shards]


def test_shard_zero_is_the_plain_counter_item(aws_env, first_shard_first):
    # When a sharded tenant reserves on its first shard
    counters.reserve_waiting("acme", 1, 10, shards=3)

    # Then it is the same COUNTER item an unsharded tenant uses, so turning sharding on moves nothing
    assert aws_env.table().get_item(Key={"PK": "T#acme", "SK": "COUNTER"})["Item"]["waiting"] == 1
    assert keys.tenant_counter_key("acme", 2) == {"PK": "T#acme", "SK": "COUNTER#2"}


def test_a_sharded_counter_admits_exactly_the_limit(aws_env):
    # Given 3 shards and a limit of 10 (allowances 4, 3, 3)
    # When 15 single jobs ask for admission
    admitted = 0
    for _ in range(15):
        try:
            counters.reserve_waiting("acme", 1, 10, shards=3)
            admitted += 1
        except TenantLimitExceeded as refused:
            assert refused.details["current"] == 10

    # Then exactly 10 get in, each shard full to its allowance
    assert admitted == 10
    assert shard_values() == [4, 3, 3]


def test_a_batch_too_big_for_any_one_shard_is_split_over_several(aws_env, first_shard_first):
    # Given 3 shards of a limit of 9 (3 each), one job waiting on shard 0
    counters.reserve_waiting("acme", 1, 9, shards=3)

    # When a batch of 7 asks for admission: no shard has room for 7, together they have 8
    counters.reserve_waiting("acme", 7, 9, shards=3)

    # Then it is admitted in pieces, and the total is 8
    assert sum(shard_values()) == 8
    assert all(v <= 3 for v in shard_values())


def test_a_split_batch_whose_piece_fails_gives_every_piece_back(aws_env, first_shard_first, monkeypatch):
    # Given 3 empty shards of a limit of 9, and a racing writer that fills shard 1 mid-split
    real = counters._add_within
    calls = []

    def racing(key, attr, n, cap, spec):
        calls.append(key["SK"])
        if len(calls) == 2:  # no shard can take 7 whole: piece 1 goes, piece 2 meets the rival
            real(keys.tenant_counter_key("acme", 1), attr, 3, 3, spec)
        return real(key, attr, n, cap, spec)

    monkeypatch.setattr(counters, "_add_within", racing)

    # When a batch of 7 is split (3 + 3 + 1) and the second piece is refused
    with pytest.raises(TenantLimitExceeded):
        counters.reserve_waiting("acme", 7, 9, shards=3)

    # Then the piece already taken was given back: only the rival's 3 remain
    assert shard_values() == [0, 3, 0]


def test_releases_take_from_whichever_shards_hold_jobs(aws_env, first_shard_first):
    # Given 2 jobs on shard 0 and 3 on shard 1
    counters.reserve_waiting("acme", 2, 9, shards=3)
    counters.reserve_waiting("acme", 3, 9, shards=3)
    assert shard_values() == [2, 3, 0]

    # When 4 are given back at once (no shard holds 4) and then 1, then 1 more than exists
    assert counters.release_waiting("acme", 4, shards=3)
    assert counters.release_waiting("acme", 1, shards=3)
    assert counters.release_waiting("acme", 1, shards=3) is False

    # Then every shard ends at 0, none below
    assert shard_values() == [0, 0, 0]


def test_sharded_running_slots_never_exceed_the_limit_and_come_back(aws_env):
    counters.reserve_waiting("acme", 12, 20, shards=4)

    started = [counters.acquire_running("acme", 5, shards=4) for _ in range(8)]
    assert started.count(True) == 5
    assert sum(shard_values(shards=4, attr="running")) == 5
    assert sum(shard_values(shards=4)) == 7

    for _ in range(5):
        assert counters.release_running("acme", shards=4)
    assert counters.release_running("acme", shards=4) is False
    assert sum(shard_values(shards=4, attr="running")) == 0


def test_a_sharded_start_on_a_shard_without_waiting_jobs_takes_waiting_from_another(
    aws_env, first_shard_first, monkeypatch
):
    # Given the waiting jobs sit on shard 0 only, and the start probes shard 1 first
    counters.reserve_waiting("acme", 2, 10, shards=2)
    monkeypatch.setattr(shard_rules, "_random_start", lambda count: 1)

    # When a job starts
    assert counters.acquire_running("acme", 4, shards=2)

    # Then the slot is on shard 1 and the waiting place came off shard 0: totals stay right
    assert shard_values(shards=2, attr="running") == [0, 1]
    assert shard_values(shards=2) == [1, 0]


def test_sharded_daily_count_and_usage_add_up_every_shard(aws_env, now):
    limits = make_limits(max_queued_jobs=30, max_daily_jobs=12)
    for _ in range(4):
        counters.admit("acme", 3, limits, now, shards=3)

    with pytest.raises(TenantLimitExceeded) as refused:
        counters.admit("acme", 1, limits, now, shards=3)

    assert refused.value.details == {"limit_type": "max_daily_jobs", "current": 12, "limit": 12}
    assert counters.usage("acme", now, shards=3) == {
        "waiting": 12,
        "running": 0,
        "daily_count": 12,
        "day": "2025-03-01",
    }


def test_reconcile_of_a_sharded_counter_moves_shards_toward_their_even_share(aws_env, first_shard_first):
    # Given 3 shards holding 4, 3, 3 waiting while only 2 jobs really wait
    for _ in range(10):
        counters.reserve_waiting("acme", 1, 10, shards=3)

    # When reconciled
    assert counters.reconcile("acme", 2, 0, shards=3)

    # Then the total is the truth, taken off the shards above their share
    assert shard_values() == [1, 1, 0]


def test_reconcile_of_a_sharded_counter_refuses_when_another_shard_moved(aws_env, first_shard_first):
    counters.reserve_waiting("acme", 3, 9, shards=3)
    seen = counters.read_counters("acme", shards=3)
    counters.reserve_waiting("acme", 3, 9, shards=3)  # lands on shard 0? it is full: on shard 1

    assert counters.reconcile("acme", 0, 0, seen=seen, shards=3) is False
    assert sum(shard_values()) == 6


def test_usage_of_many_shards_reads_them_in_batches_of_a_hundred_keys(aws_env, now):
    # Given 60 shards (120 keys with the day's shards) and 7 jobs admitted
    for _ in range(7):
        counters.admit("acme", 1, make_limits(max_queued_jobs=600, max_daily_jobs=600), now, shards=60)

    # When usage is read
    # Then every shard is seen
    assert counters.usage("acme", now, shards=60)["waiting"] == 7
    assert counters.daily_count("acme", now, shards=60) == 7
