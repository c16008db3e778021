"""The time windows of the activity routes, aligned to the hour buckets they are read from.

`start`/`end` (RFC 3339): default the last 24 hours (the current one included), at most 31 days; `start` is taken down
and `end` up to whole UTC hours. Trends take a `period` and an `interval` instead (ISO 8601
durations): buckets of the interval, the last one holding the current hour, as many as fit in
the period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jobqueue.errors import ValidationFailed

HOUR = timedelta(hours=1)
DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=31)
INTERVALS = {"PT1H": timedelta(hours=1), "PT6H": timedelta(hours=6), "P1D": timedelta(days=1)}
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(\d+)H)?$")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def hours(self) -> int:
        return int((self.end - self.start) / HOUR)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floor = floor_hour(moment)
    return floor if floor == moment.astimezone(UTC) else floor + HOUR


def window(start: datetime | None, end: datetime | None, now: datetime) -> Window:
    """The hour-aligned window of `start`/`end` (either may be left out). ValidationFailed (422)
    for an end before the start or a window over 31 days."""
    if end is None:  # the current hour included
        end = floor_hour(now) + HOUR
    start = start or end - DEFAULT_WINDOW
    if end <= start:
        raise ValidationFailed("end must be after start", {"end": "must be after start"})
    if end - start > MAX_WINDOW:
        raise ValidationFailed("the window is at most 31 days", {"end": "at most 31 days after start"})
    return Window(floor_hour(start), ceil_hour(end))


def duration(text: str, field: str) -> timedelta:
    """An ISO 8601 duration of whole days and hours (`P7D`, `PT12H`, `P1DT6H`)."""
    match = _DURATION.match(text or "")
    if not match or not any(match.groups()):
        raise ValidationFailed(f"{field} must be an ISO 8601 duration like P7D or PT6H", {field: text})
    days, hours = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours)


def trend_buckets(period: str, interval: str, now: datetime) -> list[Window]:
    """The buckets of a trend, oldest first. Intervals PT1H, PT6H and P1D (UTC days and
    quarter days); the period at most P31D and a whole number of intervals."""
    if interval not in INTERVALS:
        raise ValidationFailed("interval must be PT1H, PT6H or P1D", {"interval": interval})
    step = INTERVALS[interval]
    span = duration(period, "period")
    if span > MAX_WINDOW or span < step:
        raise ValidationFailed("period must be one interval to 31 days", {"period": period})
    if span % step:
        raise ValidationFailed("period must be a whole number of intervals", {"period": period})
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = midnight + step * ((now.astimezone(UTC) - midnight) // step + 1)
    count = span // step
    return [Window(end - step * (count - i), end - step * (count - i - 1)) for i in range(count)]
