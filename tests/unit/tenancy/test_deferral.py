"""The delay of a job deferred because its tenant has no free running slot."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobqueue.tenancy.deferral import CAP_SECONDS, deferral_delay


class Highest(random.Random):
    def randint(self, a, b):
        return b


class Lowest(random.Random):
    def randint(self, a, b):
        return a


def test_the_delay_doubles_from_two_seconds_up_to_a_minute():
    assert [deferral_delay(d, Highest()) for d in range(8)] == [2, 4, 8, 16, 32, 60, 60, 60]


def test_the_delay_is_drawn_in_the_upper_half_so_deferred_jobs_spread_out():
    assert [deferral_delay(d, Lowest()) for d in range(7)] == [1, 2, 4, 8, 16, 30, 30]


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0))
def test_the_delay_is_always_a_valid_sqs_delay(deferrals, seed):
    delay = deferral_delay(deferrals, random.Random(seed))

    assert 1 <= delay <= CAP_SECONDS <= 900


def test_negative_deferrals_are_a_programming_error():
    with pytest.raises(ValueError):
        deferral_delay(-1)
