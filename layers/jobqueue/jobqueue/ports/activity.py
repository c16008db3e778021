"""The record of job activity: per-tenant tallies, the event feed, the system-wide tally."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from jobqueue.activity.tally import HourTally, Tally
from jobqueue.models.activity import ActivityEntry, SystemHour

# A place in a tenant's event feed: (page, index of the event in the page). Pages sort by the
# time they were written.
FeedPosition = tuple[str, int]


class ActivityLog(Protocol):
    def record(self, tenant_id: str, batch: str, entries: Sequence[ActivityEntry]) -> int:
        """Add `entries` (one tenant's, stream order) to the tenant's hour, handler-hour and
        minute tallies, its event feed and the system's hourly shard, as one atomic step.
        Exactly once per `batch`: recording a batch again adds only the entries past the last
        position recorded for it. Returns the number of entries added."""

    def hours(
        self, tenant_id: str, start: datetime, end: datetime, handler: str | None = None
    ) -> dict[datetime, HourTally]:
        """The tenant's (or one handler's) tallies of each hour in [start, end) with activity."""

    def minutes(self, tenant_id: str, start: datetime, end: datetime) -> dict[datetime, Tally]:
        """The tenant's total tallies by minute in [start, end) (kept two days)."""

    def feed(
        self, tenant_id: str, after: FeedPosition | None, settled_before: datetime, limit: int
    ) -> list[tuple[FeedPosition, dict[str, Any]]]:
        """Up to `limit` events after `after` (from the oldest kept without it), in order, from
        pages written before `settled_before`."""

    def system_hours(self, start: datetime, end: datetime) -> list[SystemHour]:
        """Every shard's system tally of every hour in [start, end)."""
