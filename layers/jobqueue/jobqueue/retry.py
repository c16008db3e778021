"""Retry policy as data, and a pure backoff function.

A job carries its `RetryPolicy` (strategy, base, cap: the API contract). The worker turns it into a
`BackoffPolicy`, which adds the jitter mode, and asks `backoff_seconds` how long to wait before
retry number `n` (1 for the first retry):

- exponential: base * 2^(n-1)
- linear:      base * n
- fixed:       base

capped at `max_seconds`, then jittered. Jitter spreads retries of jobs that failed together (one
downstream outage) so they do not hit the dependency again in lock-step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from jobqueue.models.job import RetryPolicy, RetryStrategy

# 2^62 seconds is far beyond any cap; bounding the exponent keeps the float finite.
_MAX_EXPONENT = 62


class Jitter(StrEnum):
    NONE = "none"
    FULL = "full"  # uniform in [0, d]
    EQUAL = "equal"  # d/2 + uniform in [0, d/2]: never less than half the nominal delay


@dataclass(frozen=True)
class BackoffPolicy:
    strategy: RetryStrategy = RetryStrategy.EXPONENTIAL
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    jitter: Jitter = Jitter.EQUAL

    @classmethod
    def from_retry(cls, retry: RetryPolicy) -> BackoffPolicy:
        """The policy of a job: a `fixed` delay stays exact, the growing ones get equal jitter."""
        jitter = Jitter.NONE if retry.strategy is RetryStrategy.FIXED else Jitter.EQUAL
        return cls(retry.strategy, retry.base_seconds, retry.max_seconds, jitter)


def nominal_seconds(policy: BackoffPolicy, retry_number: int) -> float:
    """The delay before jitter: grows with `retry_number` (never shrinks) and never passes the cap.

    Raises:
        ValueError: when `retry_number` is below 1.
    """
    if retry_number < 1:
        raise ValueError(f"retry_number starts at 1, got {retry_number}")
    base = policy.base_seconds
    if policy.strategy is RetryStrategy.EXPONENTIAL:
        delay = base * 2.0 ** min(retry_number - 1, _MAX_EXPONENT)
    elif policy.strategy is RetryStrategy.LINEAR:
        delay = base * retry_number
    else:
        delay = base
    return max(0.0, min(delay, policy.max_seconds))


def backoff_seconds(policy: BackoffPolicy, retry_number: int, rng: random.Random) -> float:
    """Seconds to wait before retry number `retry_number` (1-based), jittered with `rng`.

    Args:
        policy: strategy, base, cap and jitter mode.
        retry_number: 1 for the first retry.
        rng: the randomness (a seeded `random.Random` makes the result reproducible).

    Returns:
        A delay in [0, policy.max_seconds].
    """
    delay = nominal_seconds(policy, retry_number)
    if policy.jitter is Jitter.FULL:
        return rng.uniform(0.0, delay)
    if policy.jitter is Jitter.EQUAL:
        return delay / 2 + rng.uniform(0.0, delay / 2)
    return delay
