"""Log-bucket latency histograms (DDSketch-style) with a bounded relative error (g = gamma = 1.1).

A value v > 0 ms falls in bucket i = ceil(log_g v): the bucket covering (g^(i-1), g^i]. Each
bucket is answered by 2g^i / (g + 1), which is within (g - 1) / (g + 1) of every value in it:
4.76 % for g = 1.1. Zero has a bucket of its own (answered exactly). 1 ms to 15 min take
buckets 0 to 144. Count and sum are kept exactly, so the mean is exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

GAMMA = 1.1
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
ZERO_BUCKET = -1
_LOG_GAMMA = math.log(GAMMA)


def bucket_of(value_ms: float) -> int:
    if value_ms <= 0:
        return ZERO_BUCKET
    # A tiny epsilon keeps exact powers of g in their own bucket despite float rounding.
    return max(0, math.ceil(math.log(value_ms) / _LOG_GAMMA - 1e-9))


def bucket_value(index: int) -> float:
    """The value a bucket answers with."""
    if index == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**index / (GAMMA + 1)


@dataclass
class Histogram:
    """Counts of values per bucket, with their exact count and sum."""

    count: int = 0
    total: int = 0
    buckets: dict[int, int] = field(default_factory=dict)

    def add(self, value_ms: int, times: int = 1) -> None:
        self.count += times
        self.total += value_ms * times
        index = bucket_of(value_ms)
        self.buckets[index] = self.buckets.get(index, 0) + times

    def merge(self, other: Histogram) -> None:
        self.count += other.count
        self.total += other.total
        for index, n in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def quantile(self, q: float) -> float | None:
        """The nearest-rank q-quantile (value number ceil(q·n) in order), within the relative
        error of the true one; None when empty."""
        if self.count == 0:
            return None
        rank = max(1, math.ceil(q * self.count - 1e-9))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return bucket_value(index)
        return bucket_value(max(self.buckets))  # pragma: no cover - counts always add up

    @classmethod
    def of(cls, values: Iterable[int]) -> Histogram:
        histogram = cls()
        for value in values:
            histogram.add(value)
        return histogram

    @classmethod
    def from_parts(cls, count: int, total: int, buckets: Mapping[int, int]) -> Histogram:
        return cls(count=count, total=total, buckets={i: n for i, n in buckets.items() if n})
