"""Timestamps as the service keeps them: UTC, millisecond precision, RFC 3339 text that sorts.

The current time comes from the `Clock` port (`jobqueue.ports`); these helpers only convert.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def to_millis(moment: datetime) -> datetime:
    """`moment` in UTC with its microseconds cut to whole milliseconds (what the store keeps)."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def utc_now() -> datetime:
    """The system's current UTC time to the millisecond (the real clock; use cases ask the port)."""
    return to_millis(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision: sortable as a string."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def ms_between(start: datetime, end: datetime) -> int:
    return int((end - start) / timedelta(milliseconds=1))


def truncate_to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
