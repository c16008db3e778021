"""The backoff function: shape per strategy, the cap, jitter bounds and determinism."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobqueue.models.job import RetryPolicy, RetryStrategy
from jobqueue.retry import BackoffPolicy, Jitter, backoff_seconds, nominal_seconds

policies = st.builds(
    BackoffPolicy,
    strategy=st.sampled_from(list(RetryStrategy)),
    base_seconds=st.floats(min_value=0, max_value=3600),
    max_seconds=st.floats(min_value=0, max_value=86400),
    jitter=st.sampled_from(list(Jitter)),
)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (RetryStrategy.EXPONENTIAL, [2, 4, 8, 16, 32]),
        (RetryStrategy.LINEAR, [2, 4, 6, 8, 10]),
        (RetryStrategy.FIXED, [2, 2, 2, 2, 2]),
    ],
)
def test_each_strategy_grows_as_documented(strategy, expected):
    policy = BackoffPolicy(strategy, base_seconds=2, max_seconds=1000, jitter=Jitter.NONE)

    delays = [backoff_seconds(policy, n, random.Random(0)) for n in range(1, 6)]

    assert delays == expected


def test_the_cap_bounds_a_large_retry_number():
    policy = BackoffPolicy(RetryStrategy.EXPONENTIAL, base_seconds=2, max_seconds=300, jitter=Jitter.NONE)

    assert backoff_seconds(policy, 10_000, random.Random(0)) == 300


@given(policies, st.integers(min_value=1, max_value=10_000), st.integers())
def test_a_delay_is_never_negative_nor_above_the_cap(policy, n, seed):
    delay = backoff_seconds(policy, n, random.Random(seed))

    assert 0 <= delay <= policy.max_seconds


@given(policies, st.integers(min_value=1, max_value=200))
def test_the_nominal_delay_never_shrinks_and_stays_capped(policy, n):
    assert nominal_seconds(policy, n) <= nominal_seconds(policy, n + 1) <= policy.max_seconds


@given(st.floats(min_value=0.1, max_value=100), st.integers(min_value=1, max_value=20), st.integers())
def test_equal_jitter_keeps_at_least_half_the_delay(base, n, seed):
    policy = BackoffPolicy(RetryStrategy.EXPONENTIAL, base, 10_000, Jitter.EQUAL)
    nominal = nominal_seconds(policy, n)

    delay = backoff_seconds(policy, n, random.Random(seed))

    assert nominal / 2 <= delay <= nominal


@given(st.integers(min_value=1, max_value=20), st.integers())
def test_full_jitter_stays_within_zero_and_the_delay(n, seed):
    policy = BackoffPolicy(RetryStrategy.LINEAR, 3, 10_000, Jitter.FULL)

    assert 0 <= backoff_seconds(policy, n, random.Random(seed)) <= nominal_seconds(policy, n)


def test_the_same_seed_gives_the_same_delays():
    policy = BackoffPolicy(RetryStrategy.EXPONENTIAL, 5, 600, Jitter.FULL)
    first, second = random.Random(42), random.Random(42)

    assert [backoff_seconds(policy, n, first) for n in range(1, 8)] == [
        backoff_seconds(policy, n, second) for n in range(1, 8)
    ]


def test_retry_number_starts_at_one():
    with pytest.raises(ValueError):
        backoff_seconds(BackoffPolicy(), 0, random.Random(0))


def test_a_jobs_fixed_policy_has_no_jitter_and_the_others_equal_jitter():
    fixed = BackoffPolicy.from_retry(RetryPolicy(strategy=RetryStrategy.FIXED, base_seconds=7))
    exponential = BackoffPolicy.from_retry(RetryPolicy())

    assert fixed.jitter is Jitter.NONE and backoff_seconds(fixed, 3, random.Random(1)) == 7
    assert exponential.jitter is Jitter.EQUAL
