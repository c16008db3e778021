"""Shard rules: allowances add up to the limit exactly; probes cover every shard; splits and
corrections never put a shard over its allowance or below zero."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobqueue.tenancy.shards import allowance, correction, plan_split, probe_order, spread

limits = st.integers(min_value=0, max_value=100_000)
shard_counts = st.integers(min_value=1, max_value=32)


@given(limits, shard_counts)
def test_allowances_add_up_to_the_limit_exactly(limit, shards):
    parts = [allowance(limit, shards, i) for i in range(shards)]

    assert sum(parts) == limit
    assert max(parts) - min(parts) <= 1


def test_one_shard_has_the_whole_limit():
    assert allowance(10, 1, 0) == 10


def test_the_remainder_goes_to_the_first_shards():
    assert [allowance(10, 3, i) for i in range(3)] == [4, 3, 3]


def test_a_shard_outside_the_range_is_an_error():
    with pytest.raises(ValueError):
        allowance(10, 3, 3)


@given(shard_counts, st.integers(min_value=0, max_value=1000))
def test_a_probe_visits_every_shard_once_starting_anywhere(shards, start):
    order = probe_order(shards, pick=lambda n: start)

    assert sorted(order) == list(range(shards))
    assert order[0] == start % shards


def test_a_split_fills_the_roomiest_shards_first():
    assert plan_split(7, [3, 5, 1]) == [(1, 5), (0, 2)]


def test_a_split_that_cannot_fit_is_none():
    assert plan_split(10, [3, 3, 3]) is None
    assert plan_split(1, [0, -2]) is None


@given(st.lists(st.integers(min_value=-3, max_value=50), min_size=1, max_size=8), st.integers(1, 200))
def test_a_split_takes_exactly_n_within_each_shards_room(free, n):
    plan = plan_split(n, free)

    if sum(max(0, f) for f in free) < n:
        assert plan is None
    else:
        assert plan is not None
        assert sum(units for _, units in plan) == n
        assert all(0 < units <= free[shard] for shard, units in plan)


@st.composite
def sharded_states(draw):
    """Shard values within their allowances of a limit, and a true total."""
    shards = draw(st.integers(1, 8))
    limit = draw(st.integers(0, 200))
    values = [draw(st.integers(0, allowance(limit, shards, i))) for i in range(shards)]
    total = draw(st.integers(0, 300))
    return limit, values, total


@given(sharded_states())
def test_a_correction_reaches_the_total_moving_each_shard_toward_the_truth(state):
    limit, values, total = state

    out = correction(values, total)

    assert sum(out) == total
    assert all(v >= 0 for v in out)
    drift = sum(values) - total
    assert all((o - v) * drift <= 0 for o, v in zip(out, values, strict=True))  # never the wrong way
    if total <= limit:
        assert all(o <= allowance(limit, len(out), i) for i, o in enumerate(out))


def test_spread_matches_the_allowance_split():
    assert spread(7, 3) == [3, 2, 2]
