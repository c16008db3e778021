"""Fold a tenant's activity entries into the tallies they add to: per hour and job type, per
handler, hour and job type, per minute (totals), and the events of the feed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from jobqueue.activity.tally import HourTally, Tally
from jobqueue.models.activity import ActivityEntry


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class TenantActivity:
    """What one batch of a tenant's entries adds: `hours[hour]`, `handler_hours[(handler,
    hour)]`, `minutes[minute]` (totals); `events` in stream order."""

    hours: dict[datetime, HourTally] = field(default_factory=lambda: defaultdict(HourTally))
    handler_hours: dict[tuple[str, datetime], HourTally] = field(
        default_factory=lambda: defaultdict(HourTally)
    )
    minutes: dict[datetime, Tally] = field(default_factory=lambda: defaultdict(Tally))
    events: list[ActivityEntry] = field(default_factory=list)

    def hour_totals(self) -> dict[datetime, Tally]:
        return {hour: tally.total() for hour, tally in self.hours.items()}


def fold(entries: Iterable[ActivityEntry]) -> TenantActivity:
    activity = TenantActivity()
    for entry in sorted(entries, key=lambda e: e.position):
        hour = hour_of(entry.at)
        activity.hours[hour].by_type.setdefault(entry.type, Tally()).add(entry)
        activity.hours[hour].by_handler.setdefault(entry.handler, Tally()).add(entry)
        activity.handler_hours[(entry.handler, hour)].by_type.setdefault(entry.type, Tally()).add(entry)
        activity.minutes[minute_of(entry.at)].add(entry)
        activity.events.append(entry)
    return activity
