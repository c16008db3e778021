"""When to send a call again, and how long to wait first.

Retried: 429 (always: the API refused and did nothing), 500/502/503/504 and a connection lost
after sending (only for calls that are safe to resend), a connection that could not be opened
(always: nothing was sent), and a 409 `idempotency_conflict` answering the resend of a submit
(the first send is still running under the same key). The wait is the `Retry-After` header when the answer has one,
else an exponential backoff with jitter, capped; a `Retry-After` longer than
`Backoff.max_retry_after` (the daily limit's hours until midnight) is raised at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from jobq._request import Call, error_code
from jobq.errors import ConnectionError as JobqConnectionError

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Backoff:
    """The waits between attempts: attempt n (from 0) waits `min(cap, base * 2**n)`, scaled by
    a jitter factor in [0.5, 1] (`jitter()` returns [0, 1)).

    Attributes:
        base: the first wait, in seconds.
        cap: the longest wait, in seconds.
        max_retry_after: a `Retry-After` longer than this is raised instead of slept on.
        jitter: a source of random numbers in [0, 1).
    """

    base: float = 0.5
    cap: float = 8.0
    max_retry_after: float = 60.0
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int) -> float:
        full = min(self.cap, self.base * 2**attempt)
        return full * (0.5 + 0.5 * self.jitter())


def retry_after_seconds(response: httpx.Response, now: Callable[[], datetime] | None = None) -> float | None:
    """The `Retry-After` header in seconds (a number, or an HTTP date), None when absent or bad."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = now() if now else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class Attempts:
    """The retry state of one call: each failure either gives a wait before the next attempt or
    None (give up: the caller returns or raises the answer)."""

    def __init__(self, call: Call, max_retries: int, backoff: Backoff):
        self.call = call
        self.max_retries = max_retries
        self.backoff = backoff
        self.retries = 0

    def after_answer(self, response: httpx.Response, retry_after: float | None) -> float | None:
        """The wait before resending after this answer, or None to return/raise it."""
        if self.retries >= self.max_retries or not self._retried(response):
            return None
        if retry_after is not None:  # a long one (the daily limit: hours) is not slept on
            return None if retry_after > self.backoff.max_retry_after else self._next(retry_after)
        return self._next(self.backoff.delay(self.retries))

    def after_transport_error(self, error: httpx.TransportError) -> float:
        """The wait before resending after a transport failure; raises `jobq.ConnectionError`."""
        sent = not isinstance(error, NOT_SENT)
        if self.retries >= self.max_retries or (sent and not self.call.resend_safe):
            raise JobqConnectionError(f"cannot reach the API: {error!r}") from error
        return self._next(self.backoff.delay(self.retries))

    def _retried(self, response: httpx.Response) -> bool:
        status = response.status_code
        if status == 429:
            return True
        if status in RETRIED_STATUSES:
            return self.call.resend_safe
        return (
            status == 409
            and self.call.keyed
            and self.retries > 0
            and error_code(response) == "idempotency_conflict"
        )

    def _next(self, delay: float) -> float:
        self.retries += 1
        return delay
