"""The latency histogram: any quantile within 4.76 % of the exact one, exact counts and means."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from jobqueue.activity.histogram import RELATIVE_ERROR, Histogram, bucket_of, bucket_value

MS = st.integers(min_value=1, max_value=15 * 60 * 1000)  # 1 ms .. 15 min


def exact(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@settings(max_examples=300, deadline=None)
@given(st.lists(MS, min_size=1, max_size=400), st.sampled_from([0.5, 0.9, 0.95, 0.99, 1.0]))
def test_a_quantile_is_within_the_relative_error_of_the_exact_one(values, q):
    estimate = Histogram.of(values).quantile(q)
    truth = exact(values, q)
    assert abs(estimate - truth) <= RELATIVE_ERROR * truth + 1e-9


@given(MS)
def test_every_value_lies_within_the_error_of_its_bucket(value):
    assert abs(bucket_value(bucket_of(value)) - value) <= RELATIVE_ERROR * value + 1e-9


@given(
    st.lists(st.integers(min_value=0, max_value=10**6)), st.lists(st.integers(min_value=0, max_value=10**6))
)
def test_merging_equals_counting_both_and_the_mean_is_exact(a, b):
    merged = Histogram.of(a)
    merged.merge(Histogram.of(b))
    both = Histogram.of(a + b)
    assert (merged.count, merged.total, merged.buckets) == (both.count, both.total, both.buckets)
    if a + b:
        assert merged.mean == sum(a + b) / len(a + b)


def test_the_error_bound_is_under_five_percent_and_15_minutes_take_145_buckets():
    assert RELATIVE_ERROR < 0.05
    assert bucket_of(1) == 0 and bucket_of(15 * 60 * 1000) == 144
    assert Histogram.of([0, 0, 0]).quantile(0.95) == 0.0  # zero is answered exactly
    assert Histogram().quantile(0.95) is None and Histogram().mean is None
