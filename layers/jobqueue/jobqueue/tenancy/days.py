"""The UTC day a daily count belongs to, and how long until it resets."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta


def utc_day(now: datetime) -> date:
    return now.astimezone(UTC).date()


def next_midnight(now: datetime) -> datetime:
    """The start of the next UTC day."""
    return datetime.combine(utc_day(now) + timedelta(days=1), time.min, tzinfo=UTC)


def seconds_until_midnight(now: datetime) -> int:
    """Whole seconds until the daily count resets (at least 1): the Retry-After of a daily 429."""
    return max(1, math.ceil((next_midnight(now) - now).total_seconds()))
