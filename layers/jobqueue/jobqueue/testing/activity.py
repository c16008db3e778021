"""The activity log in memory: the same tallies, feed pages and batch markers as on DynamoDB."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jobqueue.activity.fold import fold, hour_of
from jobqueue.activity.tally import HourTally, Tally
from jobqueue.models.activity import ActivityEntry, SystemHour
from jobqueue.ports import Clock
from jobqueue.ports.activity import FeedPosition
from jobqueue.testing.locking import synchronized
from jobqueue.times import iso

SYSTEM_SHARDS = 8


@synchronized
class InMemoryActivityLog:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.markers: dict[tuple[str, str], tuple[int, int]] = {}  # (tenant, batch) -> (last, pages)
        self._hours: dict[tuple[str, str | None, datetime], HourTally] = defaultdict(HourTally)
        self._minutes: dict[tuple[str, datetime], Tally] = defaultdict(Tally)
        self._pages: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
        self._system: dict[datetime, dict[str, Counter[str]]] = defaultdict(
            lambda: {"counts": Counter(), "submitted": Counter(), "active": Counter()}
        )

    def record(self, tenant_id: str, batch: str, entries: Sequence[ActivityEntry]) -> int:
        last, pages = self.markers.get((tenant_id, batch), (None, 0))
        todo = sorted((e for e in entries if last is None or e.position > last), key=lambda e: e.position)
        if not todo:
            return 0
        activity = fold(todo)
        for hour, tally in activity.hours.items():
            self._hours[(tenant_id, None, hour)].merge(_stored(tally))
        for (handler, hour), tally in activity.handler_hours.items():
            self._hours[(tenant_id, handler, hour)].merge(tally)
        for minute, tally in activity.minutes.items():
            self._minutes[(tenant_id, minute)].merge(tally)
        for hour, tally in activity.hour_totals().items():
            system = self._system[hour]
            system["counts"].update(+tally.counts)
            if tally["submitted"]:
                system["submitted"][tenant_id] += tally["submitted"]
        for entry in todo:
            self._system[hour_of(entry.at)]["active"][tenant_id] += 1
        page = f"{iso(self.clock.now())}#{batch}#{pages}"
        self._pages[tenant_id][page] = [e.event() for e in activity.events]
        self.markers[(tenant_id, batch)] = (todo[-1].position, pages + 1)
        return len(todo)

    def hours(
        self, tenant_id: str, start: datetime, end: datetime, handler: str | None = None
    ) -> dict[datetime, HourTally]:
        return {
            hour: tally
            for (tenant, name, hour), tally in sorted(self._hours.items(), key=lambda kv: kv[0][2])
            if tenant == tenant_id and name == handler and start <= hour < end
        }

    def minutes(self, tenant_id: str, start: datetime, end: datetime) -> dict[datetime, Tally]:
        return {
            minute: tally
            for (tenant, minute), tally in sorted(self._minutes.items(), key=lambda kv: kv[0][1])
            if tenant == tenant_id and start <= minute < end
        }

    def feed(
        self, tenant_id: str, after: FeedPosition | None, settled_before: datetime, limit: int
    ) -> list[tuple[FeedPosition, dict[str, Any]]]:
        out: list[tuple[FeedPosition, dict[str, Any]]] = []
        horizon = iso(settled_before)
        for page in sorted(self._pages[tenant_id]):
            if page >= horizon:
                break
            for index, event in enumerate(self._pages[tenant_id][page]):
                if after is None or (page, index) > after:
                    out.append(((page, index), dict(event)))
                    if len(out) >= limit:
                        return out
        return out

    def system_hours(self, start: datetime, end: datetime) -> list[SystemHour]:
        return [
            SystemHour(hour, dict(s["counts"]), dict(s["submitted"]), dict(s["active"]))
            for hour, s in sorted(self._system.items())
            if start <= hour < end
        ]


def _stored(hour: HourTally) -> HourTally:
    """As DynamoDB keeps it: the handler tallies of an hour without histograms."""
    return HourTally(
        by_type=hour.by_type, by_handler={name: t.counts_only() for name, t in hour.by_handler.items()}
    )
