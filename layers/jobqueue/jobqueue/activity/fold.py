"""Fold a tenant's activity entries into the tallies they add to: per hour and job type, per
handler, hour and job type, per minute (totals), and the events of the feed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from jobqueue.activity.tally import Tally
from jobqueue.models.activity import ActivityEntry


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class TenantActivity:
    """What one batch of a tenant's entries adds. `hours[hour][type]`,
    `handler_hours[(handler, hour)][type]`, `minutes[minute]`; `events` in stream order."""

    hours: dict[datetime, dict[str, Tally]] = field(default_factory=lambda: defaultdict(dict))
    handler_hours: dict[tuple[str, datetime], dict[str, Tally]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    minutes: dict[datetime, Tally] = field(default_factory=lambda: defaultdict(Tally))
    events: list[ActivityEntry] = field(default_factory=list)

    def hour_totals(self) -> dict[datetime, Tally]:
        out: dict[datetime, Tally] = defaultdict(Tally)
        for hour, by_type in self.hours.items():
            for tally in by_type.values():
                out[hour].merge(tally)
        return dict(out)


def fold(entries: Iterable[ActivityEntry]) -> TenantActivity:
    activity = TenantActivity()
    for entry in sorted(entries, key=lambda e: e.position):
        hour = hour_of(entry.at)
        activity.hours[hour].setdefault(entry.type, Tally()).add(entry)
        activity.handler_hours[(entry.handler, hour)].setdefault(entry.type, Tally()).add(entry)
        activity.minutes[minute_of(entry.at)].add(entry)
        activity.events.append(entry)
    return activity
