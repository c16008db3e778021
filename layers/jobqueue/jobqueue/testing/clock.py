"""A clock that stands still until a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobqueue.testing.locking import synchronized
from jobqueue.times import to_millis


@synchronized
class FrozenClock:
    def __init__(self, now: datetime | None = None):
        self._now = to_millis(now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = to_millis(moment)

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move forward (`advance(30)`, `advance(minutes=5)`); returns the new time."""
        self._now = to_millis(self._now + timedelta(seconds=seconds, **delta))
        return self._now
