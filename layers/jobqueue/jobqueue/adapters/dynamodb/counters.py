"""The tenant counters on DynamoDB (the `TenantCounters` port).

Items (keys built in `keys`; shard 0 has the plain key, shard i > 0 a `#<i>` suffix):

    T#<tenant> / COUNTER[#i]        waiting, running, version, day#<yyyy-mm-dd>

`day#<yyyy-mm-dd>` is the count of the submissions admitted on that UTC day; a write of the day
removes the previous days' attributes. Every change is one conditional `UpdateItem`, no
transactions: with one shard an admission takes the waiting places and the day's count in the
same write (`reserve`). Every write that moves `waiting` or `running` adds 1 to `version`, so
reconciliation can tell whether the counter moved while it counted jobs. `shards` (default 1)
splits each counter over that many items (docs/scaling.md); it must be the same for every caller
of one tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.adapters.dynamodb import keys
from jobqueue.adapters.dynamodb.counter_items import (
    COUNTER,
    DAY,
    DAY_ALIAS,
    RUNNING,
    VERSION,
    WAITING,
    CounterItems,
    as_int,
    day_attr,
    day_spec,
    log_drift,
)
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.counters import CounterSnapshot, CounterUsage, Overwrite, ShardState
from jobqueue.tenancy import days
from jobqueue.tenancy.shards import allowance, correction

logger = Logger(child=True)

MAX_QUEUED = "max_queued_jobs"
MAX_DAILY = "max_daily_jobs"


class DynamoTenantCounters:
    """`pick(shards)`: the shard each probe starts at (random by default; tests fix it)."""

    def __init__(self, table: Any = None, shards: int = 1, pick: Callable[[int], int] | None = None):
        self.items = CounterItems(table, pick)
        self.shards = shards

    def _counter(self, tenant_id: str) -> Any:
        return lambda shard: keys.tenant_counter_key(tenant_id, shard)

    # -- admission: waiting and daily -------------------------------------------------------------
    def reserve(
        self, tenant_id: str, waiting: int, daily: int, max_queued: int, max_daily: int, now: datetime
    ) -> None:
        """`waiting` places (0: none, a recurring schedule) and `daily` of the day's count, both or
        neither. One conditional UpdateItem with one shard; with several, the waiting places over
        the shards, then the day over the shards (the places given back when the day refuses)."""
        _check_units(daily)
        if waiting:
            _check_units(waiting)
        if self.shards > 1:
            self._reserve_sharded(tenant_id, waiting, daily, max_queued, max_daily, now)
            return
        key, day = keys.tenant_counter_key(tenant_id), days.utc_day(now)
        if waiting > max_queued or daily > max_daily:  # no write could pass
            item = self.items.get_many([key], True)[0]
            raise _refusal(item, waiting, daily, max_queued, max_daily, now)
        spec = day_spec(day)
        terms = [f"{DAY_ALIAS} :n"]
        condition = f"(attribute_not_exists({DAY_ALIAS}) OR {DAY_ALIAS} <= :droom)"
        values: dict[str, Any] = {":n": daily, ":droom": max_daily - daily}
        if waiting:  # the places move `version` (reconciliation); the day alone does not
            terms = ["#w :wn", *terms, "#v :one"]
            condition = f"(attribute_not_exists(#w) OR #w <= :wroom) AND {condition}"
            values |= {":wn": waiting, ":wroom": max_queued - waiting, ":one": 1}
        ok, old = self.items.update(
            key,
            "ADD " + ", ".join(terms) + spec.tail,
            condition,
            values,
            {DAY_ALIAS: day_attr(day), **(spec.names or {})},
            spec.tidy_before,
        )
        if not ok:
            raise _refusal(old, waiting, daily, max_queued, max_daily, now)

    def _reserve_sharded(
        self, tenant_id: str, waiting: int, daily: int, max_queued: int, max_daily: int, now: datetime
    ) -> None:
        if waiting:
            self.reserve_waiting(tenant_id, waiting, max_queued)
        try:
            day = days.utc_day(now)
            current = self.items.reserve(
                self._counter(tenant_id), day_attr(day), daily, max_daily, self.shards, day_spec(day)
            )
        except BaseException:
            if waiting:
                self.release_waiting(tenant_id, waiting)
            raise
        if current is not None:
            if waiting:
                self.release_waiting(tenant_id, waiting)
            raise _day_refusal(current, max_daily, now)

    def reserve_waiting(self, tenant_id: str, n: int, limit: int) -> None:
        _check_units(n)
        current = self.items.reserve(self._counter(tenant_id), WAITING, n, limit, self.shards, COUNTER)
        if current is not None:
            raise TenantLimitExceeded(MAX_QUEUED, current, limit)

    def release_waiting(self, tenant_id: str, n: int = 1) -> bool:
        _check_units(n)
        return self.items.release(self._counter(tenant_id), WAITING, n, self.shards, COUNTER, tenant_id)

    def release_daily(self, tenant_id: str, n: int, now: datetime) -> bool:
        _check_units(n)
        day = day_attr(days.utc_day(now))
        return self.items.release(self._counter(tenant_id), day, n, self.shards, DAY, tenant_id)

    # -- execution: running slots -----------------------------------------------------------------
    def take_running(self, tenant_id: str, limit: int) -> bool:
        """One write moves the job from waiting to running. The slot's lease is the job's own
        processing lease: whoever ends the job (worker, or the sweeper for a lost worker) gives
        it back."""
        for shard in self.items.probe(self.shards):
            cap = allowance(limit, self.shards, shard)
            if cap < 1:
                continue
            key = keys.tenant_counter_key(tenant_id, shard)
            values = {":one": 1, ":minus_one": -1, ":cap": cap}
            ok, old = self.items.update(
                key,
                "ADD #r :one, #w :minus_one, #v :one",
                "(attribute_not_exists(#r) OR #r < :cap) AND #w >= :one",
                values,
            )
            if ok:
                return True
            if as_int(old, RUNNING) >= cap:
                continue  # this shard's slots are all taken
            # A free slot but no waiting job on this shard: take the slot alone, then give back the
            # waiting place on another shard (or, with one shard, log the drift for reconciliation).
            del values[":minus_one"]
            ok, _ = self.items.update(
                key, "ADD #r :one, #v :one", "attribute_not_exists(#r) OR #r < :cap", values
            )
            if not ok:
                continue
            if self.shards == 1 or not self.items.release(
                self._counter(tenant_id), WAITING, 1, self.shards, COUNTER, tenant_id, skip=shard
            ):
                log_drift(tenant_id, WAITING, wanted=1, shard=shard)
            return True
        return False

    def give_running(self, tenant_id: str, *, requeued: bool = False) -> bool:
        """Never takes `running` below 0 (drift is logged and left to reconciliation)."""
        for shard in self.items.probe(self.shards):
            key = keys.tenant_counter_key(tenant_id, shard)
            expression = "ADD #r :minus_one, #v :one" + (", #w :one" if requeued else "")
            ok, _ = self.items.update(key, expression, "#r >= :one", {":one": 1, ":minus_one": -1})
            if ok:
                return True
        log_drift(tenant_id, RUNNING, wanted=1)
        if requeued:  # the job is waiting again whatever the running count says
            key = keys.tenant_counter_key(tenant_id, self.items.probe(self.shards)[0])
            self.items.update(key, "ADD #w :one, #v :one", None, {":one": 1})
        return False

    # -- reads ------------------------------------------------------------------------------------
    def snapshot(self, tenant_id: str, consistent: bool = True) -> CounterSnapshot:
        """One GetItem, or one BatchGetItem for N shards."""
        items = self._counter_items(tenant_id, consistent)
        return CounterSnapshot(
            tuple(
                ShardState(s, as_int(item, WAITING), as_int(item, RUNNING), as_int(item, VERSION))
                for s, item in enumerate(items)
            )
        )

    def daily_count(self, tenant_id: str, now: datetime) -> int:
        day = day_attr(days.utc_day(now))
        return sum(as_int(item, day) for item in self._counter_items(tenant_id, True))

    def usage(self, tenant_id: str, now: datetime) -> CounterUsage:
        """In one GetItem (one BatchGetItem with shards), eventually consistent."""
        day = days.utc_day(now)
        items = self._counter_items(tenant_id, consistent=False)
        return CounterUsage(
            waiting=sum(as_int(i, WAITING) for i in items),
            running=sum(as_int(i, RUNNING) for i in items),
            daily_count=sum(as_int(i, day_attr(day)) for i in items),
            day=day.isoformat(),
        )

    def _counter_items(self, tenant_id: str, consistent: bool) -> list[dict[str, Any]]:
        return self.items.get_many(
            [keys.tenant_counter_key(tenant_id, s) for s in range(self.shards)], consistent
        )

    # -- reconciliation ---------------------------------------------------------------------------
    def overwrite(self, tenant_id: str, waiting: int, running: int, seen: CounterSnapshot) -> Overwrite:
        """Each shard's write is conditional on the `version` seen, so a counter write that raced
        with the caller's count of the jobs makes this refuse instead of overwriting it. Only
        `waiting` and `running` are set: the day's count is left as it is."""
        if waiting < 0 or running < 0:
            raise ValueError("true counts cannot be negative")
        if len(seen.shards) != self.shards:
            raise ValueError(f"snapshot has {len(seen.shards)} shard(s), expected {self.shards}")
        if (seen.waiting, seen.running) == (waiting, running):
            return Overwrite.UNCHANGED
        if self.shards > 1 and self.snapshot(tenant_id) != seen:
            return Overwrite.CONFLICT  # another shard moved: the count may include or miss its change
        targets = {
            s.shard: (w, r)
            for s, w, r in zip(
                seen.shards,
                correction([s.waiting for s in seen.shards], waiting),
                correction([s.running for s in seen.shards], running),
                strict=True,
            )
            if (s.waiting, s.running) != (w, r)
        }
        written = False
        for state in seen.shards:
            if state.shard not in targets:
                continue
            target_waiting, target_running = targets[state.shard]
            condition = "attribute_not_exists(#v)" if state.version == 0 else "#v = :seen"
            values: dict[str, Any] = {":tw": target_waiting, ":tr": target_running, ":one": 1}
            if state.version:
                values[":seen"] = state.version
            ok, _ = self.items.update(
                keys.tenant_counter_key(tenant_id, state.shard),
                "SET #w = :tw, #r = :tr ADD #v :one",
                condition,
                values,
            )
            if not ok:
                break
            written = True
        if not written:
            return Overwrite.CONFLICT
        logger.info(
            "counter reconciled",
            extra={
                "tenant_id": tenant_id,
                "waiting": [seen.waiting, waiting],
                "running": [seen.running, running],
            },
        )
        return Overwrite.WRITTEN


def _refusal(
    item: dict[str, Any], waiting: int, daily: int, max_queued: int, max_daily: int, now: datetime
) -> TenantLimitExceeded:
    """Which limit refused, from the item as it was: the waiting limit first when both are over."""
    current = as_int(item, WAITING)
    if waiting and current + waiting > max_queued:
        return TenantLimitExceeded(MAX_QUEUED, current, max_queued)
    return _day_refusal(as_int(item, day_attr(days.utc_day(now))), max_daily, now)


def _day_refusal(current: int, limit: int, now: datetime) -> TenantLimitExceeded:
    return TenantLimitExceeded(MAX_DAILY, current, limit, retry_after=days.seconds_until_midnight(now))


def _check_units(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
