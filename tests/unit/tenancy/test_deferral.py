"""The delay of a job deferred because its tenant has no free running slot."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobqueue.tenancy.deferral import CAP_SECONDS, backlog_seconds_of, deferral_delay


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


def test_a_long_backlog_spreads_the_next_tries_over_it():
    rng = random.Random(7)
    delays = [deferral_delay(0, rng, backlog_seconds=29) for _ in range(500)]

    assert min(delays) == 1 and max(delays) == 29  # from the plain first delay's floor to the backlog
    assert sum(delays) / len(delays) > 10  # not bunched at the start: the flood comes back spread out


def test_a_backlog_never_pushes_a_try_past_the_cap_nor_shortens_the_plain_delay():
    assert deferral_delay(0, Highest(), backlog_seconds=10_000) == CAP_SECONDS
    assert deferral_delay(4, Lowest(), backlog_seconds=3) == 16  # the doubling still holds


def test_the_backlog_is_the_waiting_jobs_over_the_slots():
    assert backlog_seconds_of(145, 5) == 29
    assert backlog_seconds_of(0, 5) == 0 and backlog_seconds_of(3, 0) == 3
