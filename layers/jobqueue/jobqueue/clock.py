"""Time in one place, so tests can freeze it (`monkeypatch.setattr(clock, "now", ...)`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now() -> datetime:
    """The current UTC time, to the millisecond (what the store keeps)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision: sortable as a string."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def ms_between(start: datetime, end: datetime) -> int:
    return int((end - start) / timedelta(milliseconds=1))
