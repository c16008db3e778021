"""In-memory tenant counters with the semantics of the DynamoDB ones (one shard): the limit
check and the change are one step (an admission's waiting places and day's count together), a
release never goes below 0, every write that moves waiting or running counts in `version` (the
day's count alone does not), and `overwrite` refuses when the counter moved since it was read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.counters import CounterSnapshot, CounterUsage, Overwrite, ShardState
from jobqueue.tenancy import days
from jobqueue.testing.locking import synchronized


@dataclass
class _Counter:
    waiting: int = 0
    running: int = 0
    version: int = 0


@synchronized
class InMemoryTenantCounters:
    def __init__(self) -> None:
        self._counters: dict[str, _Counter] = {}
        self._daily: dict[tuple[str, str], int] = {}

    def _counter(self, tenant_id: str) -> _Counter:
        return self._counters.setdefault(tenant_id, _Counter())

    def reserve(
        self, tenant_id: str, waiting: int, daily: int, max_queued: int, max_daily: int, now: datetime
    ) -> None:
        counter = self._counter(tenant_id)
        if waiting and counter.waiting + waiting > max_queued:
            raise TenantLimitExceeded("max_queued_jobs", counter.waiting, max_queued)
        key = (tenant_id, days.utc_day(now).isoformat())
        current = self._daily.get(key, 0)
        if current + daily > max_daily:
            raise TenantLimitExceeded(
                "max_daily_jobs", current, max_daily, retry_after=days.seconds_until_midnight(now)
            )
        self._daily[key] = current + daily
        if waiting:
            counter.waiting += waiting
            counter.version += 1

    def reserve_waiting(self, tenant_id: str, n: int, limit: int) -> None:
        counter = self._counter(tenant_id)
        if counter.waiting + n > limit:
            raise TenantLimitExceeded("max_queued_jobs", counter.waiting, limit)
        counter.waiting += n
        counter.version += 1

    def release_waiting(self, tenant_id: str, n: int = 1) -> bool:
        counter = self._counter(tenant_id)
        if counter.waiting < n:
            return False
        counter.waiting -= n
        counter.version += 1
        return True

    def release_daily(self, tenant_id: str, n: int, now: datetime) -> bool:
        key = (tenant_id, days.utc_day(now).isoformat())
        if self._daily.get(key, 0) < n:
            return False
        self._daily[key] -= n
        return True

    def take_running(self, tenant_id: str, limit: int) -> bool:
        counter = self._counter(tenant_id)
        if counter.running >= limit:
            return False
        counter.running += 1
        counter.waiting = max(0, counter.waiting - 1)  # no waiting place: drift, left to reconciliation
        counter.version += 1
        return True

    def give_running(self, tenant_id: str, *, requeued: bool = False) -> bool:
        counter = self._counter(tenant_id)
        given = counter.running >= 1
        if given:
            counter.running -= 1
        if given or requeued:
            counter.waiting += 1 if requeued else 0
            counter.version += 1
        return given

    def snapshot(self, tenant_id: str, consistent: bool = True) -> CounterSnapshot:
        counter = self._counters.get(tenant_id, _Counter())
        return CounterSnapshot((ShardState(0, counter.waiting, counter.running, counter.version),))

    def daily_count(self, tenant_id: str, now: datetime) -> int:
        return self._daily.get((tenant_id, days.utc_day(now).isoformat()), 0)

    def usage(self, tenant_id: str, now: datetime) -> CounterUsage:
        counter = self._counters.get(tenant_id, _Counter())
        day = days.utc_day(now).isoformat()
        return CounterUsage(counter.waiting, counter.running, self._daily.get((tenant_id, day), 0), day)

    def overwrite(self, tenant_id: str, waiting: int, running: int, seen: CounterSnapshot) -> Overwrite:
        if waiting < 0 or running < 0:
            raise ValueError("true counts cannot be negative")
        if (seen.waiting, seen.running) == (waiting, running):
            return Overwrite.UNCHANGED
        counter = self._counter(tenant_id)
        if counter.version != seen.shards[0].version:
            return Overwrite.CONFLICT
        counter.waiting, counter.running = waiting, running
        counter.version += 1
        return Overwrite.WRITTEN
