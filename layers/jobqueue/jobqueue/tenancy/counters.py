"""Tenant counters in DynamoDB: waiting jobs, running slots and the count of the UTC day.

Items (keys built in `jobqueue.keys`; shard 0 has the plain key, shard i > 0 a `#<i>` suffix):

    T#<tenant> / COUNTER[#i]        waiting, running, version
    T#<tenant> / DAILY#<day>[#i]    count, ttl

Every change is one conditional `UpdateItem`: the limit check and the increment are the same
atomic write, so two racing submissions can never both take the last slot. No transactions:
a change of two items (admission: waiting, then daily) gives the first back when the second
fails, and the sweeper's reconciliation (`reconcile_tenant`) repairs what a crash leaves behind.
Every write to a COUNTER item adds 1 to its `version`, so reconciliation can tell whether the
counter moved while it was counting jobs.

`shards` (default 1) splits each counter over that many items, each enforcing its part of the
limit (see `jobqueue.tenancy.shards` and docs/scaling.md). It must be the same for every caller
of one tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger
from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from jobqueue import aws, keys
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.job import JobStatus
from jobqueue.models.tenant import TenantLimits
from jobqueue.settings import get_settings
from jobqueue.tenancy import days
from jobqueue.tenancy.shards import allowance, correction, plan_split, probe_order

logger = Logger(child=True)

MAX_QUEUED = "max_queued_jobs"
MAX_DAILY = "max_daily_jobs"

WAITING, RUNNING, VERSION, COUNT, TTL = "waiting", "running", "version", "count", "ttl"

_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class ShardState:
    """One COUNTER item as read; `version` 0 means the item does not exist yet."""

    shard: int
    waiting: int = 0
    running: int = 0
    version: int = 0


@dataclass(frozen=True)
class CounterSnapshot:
    shards: tuple[ShardState, ...]

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.shards)

    @property
    def running(self) -> int:
        return sum(s.running for s in self.shards)


# -- admission: waiting and daily ----------------------------------------------------------------
def reserve_waiting(tenant_id: str, n: int, limit: int, *, shards: int = 1) -> None:
    """Take room for `n` more waiting (pending or queued) jobs, or raise.

    Raises:
        TenantLimitExceeded: `max_queued_jobs`, with the current count, when `n` more would pass
            `limit`. Nothing is changed then.
    """
    _check_units(n)
    current = _reserve(lambda s: keys.tenant_counter_key(tenant_id, s), WAITING, n, limit, shards, _COUNTER)
    if current is not None:
        raise TenantLimitExceeded(MAX_QUEUED, current, limit)


def release_waiting(tenant_id: str, n: int = 1, *, shards: int = 1) -> bool:
    """Give back `n` waiting places (a job was cancelled, or a submission failed after admission).

    Never takes the counter below 0: when it holds less than `n` the counter has drifted; that is
    logged and left to reconciliation. Returns whether all `n` were given back.
    """
    _check_units(n)
    return _release(lambda s: keys.tenant_counter_key(tenant_id, s), WAITING, n, shards, _COUNTER, tenant_id)


def reserve_daily(tenant_id: str, n: int, limit: int, now: datetime, *, shards: int = 1) -> None:
    """Count `n` more submissions on the UTC day of `now`, or raise.

    The day's item gets `ttl` = end of the day + 2 days, so DynamoDB removes old days.

    Raises:
        TenantLimitExceeded: `max_daily_jobs`, with `retry_after` = seconds until the next UTC
            midnight. Nothing is changed then.
    """
    _check_units(n)
    day = days.utc_day(now)
    daily = _daily_spec(now)
    current = _reserve(lambda s: keys.daily_counter_key(tenant_id, day, s), COUNT, n, limit, shards, daily)
    if current is not None:
        raise TenantLimitExceeded(MAX_DAILY, current, limit, retry_after=days.seconds_until_midnight(now))


def unreserve_daily(tenant_id: str, n: int, now: datetime, *, shards: int = 1) -> bool:
    """Take back `n` submissions counted on the day of `now` (pass the `now` of the admission)."""
    _check_units(n)
    day = days.utc_day(now)
    return _release(lambda s: keys.daily_counter_key(tenant_id, day, s), COUNT, n, shards, _DAILY, tenant_id)


def admit(tenant_id: str, n: int, limits: TenantLimits, now: datetime, *, shards: int = 1) -> None:
    """Admit `n` new jobs (one submission or a whole batch, all-or-nothing): waiting, then daily.

    A rejected admission leaves no trace: when the daily count refuses (or fails), the waiting
    places just taken are given back before the error goes up.

    Raises:
        TenantLimitExceeded: `max_queued_jobs` or `max_daily_jobs` (the latter with retry_after).
    """
    reserve_waiting(tenant_id, n, limits.max_queued_jobs, shards=shards)
    try:
        reserve_daily(tenant_id, n, limits.max_daily_jobs, now, shards=shards)
    except BaseException:
        release_waiting(tenant_id, n, shards=shards)
        raise


def unadmit(tenant_id: str, n: int, now: datetime, *, shards: int = 1) -> bool:
    """Undo an `admit` whose jobs were not written (pass the admission's `now`)."""
    waiting = release_waiting(tenant_id, n, shards=shards)
    daily = unreserve_daily(tenant_id, n, now, shards=shards)
    return waiting and daily


# -- execution: running slots --------------------------------------------------------------------
def acquire_running(tenant_id: str, limit: int, *, shards: int = 1) -> bool:
    """Take a running slot for a job that starts, moving it from waiting to running in one write.

    The slot's lease is the job's own processing lease: whoever ends the job (worker, or the
    sweeper for a job whose lease expired) calls `release_running`. Returns False, changing
    nothing, when `limit` jobs run already: the caller defers the job (docs/tenancy.md).
    """
    for shard in probe_order(shards):
        cap = allowance(limit, shards, shard)
        if cap < 1:
            continue
        key = keys.tenant_counter_key(tenant_id, shard)
        values = {":one": 1, ":minus_one": -1, ":cap": cap}
        ok, old = _update(
            key,
            "ADD #r :one, #w :minus_one, #v :one",
            "(attribute_not_exists(#r) OR #r < :cap) AND #w >= :one",
            values,
        )
        if ok:
            return True
        if _int(old, RUNNING) >= cap:
            continue  # this shard's slots are all taken
        # A free slot but no waiting job on this shard: take the slot alone, then give back the
        # waiting place on another shard (or, with one shard, log the drift for reconciliation).
        del values[":minus_one"]
        ok, old = _update(key, "ADD #r :one, #v :one", "attribute_not_exists(#r) OR #r < :cap", values)
        if not ok:
            continue
        if shards == 1 or not _release(
            lambda s: keys.tenant_counter_key(tenant_id, s),
            WAITING,
            1,
            shards,
            _COUNTER,
            tenant_id,
            skip=shard,
        ):
            _log_drift(tenant_id, WAITING, wanted=1, shard=shard)
        return True
    return False


def release_running(tenant_id: str, *, requeued: bool = False, shards: int = 1) -> bool:
    """Give back a running slot: the job finished, failed, timed out, or its claim was lost.

    `requeued=True` when the job goes back to waiting in the same step (a retry after a failure,
    or the undo of an `acquire_running` whose claim failed): the inverse of `acquire_running`.
    Never takes `running` below 0 (drift is logged and left to reconciliation). Returns whether
    a slot was given back.
    """
    for shard in probe_order(shards):
        key = keys.tenant_counter_key(tenant_id, shard)
        expression = "ADD #r :minus_one, #v :one" + (", #w :one" if requeued else "")
        values = {":one": 1, ":minus_one": -1}
        ok, _ = _update(key, expression, "#r >= :one", values)
        if ok:
            return True
    _log_drift(tenant_id, RUNNING, wanted=1)
    if requeued:  # the job is waiting again whatever the running count says
        _update(
            keys.tenant_counter_key(tenant_id, probe_order(shards)[0]),
            "ADD #w :one, #v :one",
            None,
            {":one": 1},
        )
    return False


# -- reading ---------------------------------------------------------------------------------
def read_counters(tenant_id: str, *, shards: int = 1, consistent: bool = True) -> CounterSnapshot:
    """The COUNTER item(s) as they are now: one GetItem, or one BatchGetItem for N shards."""
    items = _get_many([keys.tenant_counter_key(tenant_id, s) for s in range(shards)], consistent)
    return CounterSnapshot(
        tuple(
            ShardState(s, _int(item, WAITING), _int(item, RUNNING), _int(item, VERSION))
            for s, item in enumerate(items)
        )
    )


def daily_count(tenant_id: str, now: datetime, *, shards: int = 1, consistent: bool = True) -> int:
    day = days.utc_day(now)
    items = _get_many([keys.daily_counter_key(tenant_id, day, s) for s in range(shards)], consistent)
    return sum(_int(item, COUNT) for item in items)


def usage(tenant_id: str, now: datetime, *, shards: int = 1) -> dict[str, Any]:
    """Current waiting, running and today's count, in one BatchGetItem (eventually consistent)."""
    day = days.utc_day(now)
    counter_keys = [keys.tenant_counter_key(tenant_id, s) for s in range(shards)]
    daily_keys = [keys.daily_counter_key(tenant_id, day, s) for s in range(shards)]
    items = _get_many(counter_keys + daily_keys, consistent=False)
    counter_items, day_items = items[:shards], items[shards:]
    return {
        "waiting": sum(_int(i, WAITING) for i in counter_items),
        "running": sum(_int(i, RUNNING) for i in counter_items),
        "daily_count": sum(_int(i, COUNT) for i in day_items),
        "day": day.isoformat(),
    }


def true_counts(tenant_id: str) -> tuple[int, int]:
    """(waiting, running) counted from the job records through the status index (GSI1).

    Waiting = pending + queued jobs, except recurring schedules themselves (a parent has `cron`
    and no `parent_id`; its runs count). Running = processing jobs. GSI1 is eventually consistent:
    a job written in the last moment may be missing, which is why `reconcile_tenant` only writes
    when the counter did not move while it counted.
    """
    not_a_schedule = Attr("cron").not_exists() | Attr("parent_id").exists()
    waiting = _count_status(tenant_id, JobStatus.PENDING, not_a_schedule)
    waiting += _count_status(tenant_id, JobStatus.QUEUED, not_a_schedule)
    return waiting, _count_status(tenant_id, JobStatus.PROCESSING)


# -- reconciliation --------------------------------------------------------------------------
def reconcile(
    tenant_id: str,
    true_waiting: int,
    true_running: int,
    *,
    seen: CounterSnapshot | None = None,
    shards: int = 1,
) -> bool:
    """Set the counter to the true values, unless it changed since `seen` was read.

    Pass `seen` read *before* counting the jobs (as `reconcile_tenant` does): then a counter
    write that raced with the count makes this refuse instead of overwriting it. Returns
    whether something changed (False: already right, or refused).
    """
    return _reconcile(tenant_id, true_waiting, true_running, seen, shards) == _WRITTEN


def reconcile_tenant(
    tenant_id: str,
    *,
    shards: int = 1,
    attempts: int = 3,
    count: Callable[[str], tuple[int, int]] | None = None,
) -> bool:
    """Read the counter, count the jobs, write the truth if the counter did not move meanwhile;
    up to `attempts` rounds. For the sweeper. Returns whether something changed."""
    count = count or true_counts
    for _ in range(attempts):
        seen = read_counters(tenant_id, shards=shards)
        true_waiting, true_running = count(tenant_id)
        outcome = _reconcile(tenant_id, true_waiting, true_running, seen, shards)
        if outcome != _CONFLICT:
            return outcome == _WRITTEN
    logger.info("counter busy, reconciliation left for the next sweep", extra={"tenant_id": tenant_id})
    return False


# -- internals -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    """How a counter item is written: extra ADD terms and SET terms beside the counted attribute."""

    add: str = ""
    set: str = ""
    values: dict[str, Any] | None = None


_COUNTER = _Spec(add=", #v :one", values={":one": 1})
_DAILY = _Spec()
_WRITTEN, _UNCHANGED, _CONFLICT = "written", "unchanged", "conflict"

_NAMES = {"#w": WAITING, "#r": RUNNING, "#v": VERSION, "#c": COUNT, "#t": TTL}


def _daily_spec(now: datetime) -> _Spec:
    return _Spec(set=" SET #t = :ttl", values={":ttl": days.daily_ttl(now)})


def _check_units(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")


def _table() -> Any:
    return aws.table(get_settings().table_name)


def _alias(attr: str) -> str:
    return {WAITING: "#w", RUNNING: "#r", COUNT: "#c"}[attr]


def _update(
    key: dict[str, str], expression: str, condition: str | None, values: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    """One UpdateItem. Returns (True, {}) or, when the condition failed, (False, the item as it was)."""
    used = {
        alias: name for alias, name in _NAMES.items() if alias in expression or alias in (condition or "")
    }
    params: dict[str, Any] = {
        "Key": key,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": used,
        "ExpressionAttributeValues": values,
    }
    if condition:
        params["ConditionExpression"] = condition
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        _table().update_item(**params)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return False, _plain(error.response.get("Item") or {})
    return True, {}


def _reserve(
    key_of: Callable[[int], dict[str, str]], attr: str, n: int, limit: int, shards: int, spec: _Spec
) -> int | None:
    """Add `n` to `attr` within the limit. None when done; else the total seen (nothing changed).

    Tries each shard whole (random first); with several shards and no single one with room,
    splits `n` over the shards that have it, giving every piece back if one piece fails.
    """
    seen: dict[int, int] = {}
    for shard in probe_order(shards):
        cap = allowance(limit, shards, shard)
        if cap < n:
            continue
        ok, old = _add_within(key_of(shard), attr, n, cap, spec)
        if ok:
            return None
        seen[shard] = _int(old, attr)
    missing = [s for s in range(shards) if s not in seen]
    if missing:
        for shard, item in zip(missing, _get_many([key_of(s) for s in missing], True), strict=True):
            seen[shard] = _int(item, attr)
    if shards > 1:
        free = [allowance(limit, shards, s) - seen[s] for s in range(shards)]
        plan = plan_split(n, free)
        if plan and _take_pieces(key_of, attr, plan, limit, shards, spec):
            return None
    return sum(seen.values())


def _take_pieces(
    key_of: Callable[[int], dict[str, str]],
    attr: str,
    plan: Sequence[tuple[int, int]],
    limit: int,
    shards: int,
    spec: _Spec,
) -> bool:
    """Reserve every (shard, units) piece of `plan`, or none: the pieces taken are given back."""
    taken: list[tuple[int, int]] = []
    for shard, units in plan:
        ok, _ = _add_within(key_of(shard), attr, units, allowance(limit, shards, shard), spec)
        if not ok:
            for back_shard, back_units in taken:
                _subtract(key_of(back_shard), attr, back_units, spec)
            return False
        taken.append((shard, units))
    return True


def _add_within(key: dict[str, str], attr: str, n: int, cap: int, spec: _Spec) -> tuple[bool, dict[str, Any]]:
    """ADD n to `attr` if that keeps it within `cap` (a missing attribute counts as 0)."""
    alias = _alias(attr)
    return _update(
        key,
        f"ADD {alias} :n{spec.add}{spec.set}",
        f"attribute_not_exists({alias}) OR {alias} <= :room",
        {":n": n, ":room": cap - n, **(spec.values or {})},
    )


def _subtract(key: dict[str, str], attr: str, n: int, spec: _Spec) -> tuple[bool, dict[str, Any]]:
    """ADD -n to `attr` if it holds at least n (never below 0)."""
    alias = _alias(attr)
    extra = spec.values if spec.add else None  # SET terms (the daily ttl) are not needed here
    return _update(
        key, f"ADD {alias} :minus{spec.add}", f"{alias} >= :n", {":minus": -n, ":n": n, **(extra or {})}
    )


def _release(
    key_of: Callable[[int], dict[str, str]],
    attr: str,
    n: int,
    shards: int,
    spec: _Spec,
    tenant_id: str,
    skip: int | None = None,
) -> bool:
    """Subtract `n` from `attr`, never below 0 on any shard. Returns whether all `n` went."""
    seen: dict[int, int] = {}
    order = [s for s in probe_order(shards) if s != skip]
    for shard in order:
        ok, old = _subtract(key_of(shard), attr, n, spec)
        if ok:
            return True
        seen[shard] = _int(old, attr)
    left = n
    if len(order) > 1:  # no single shard holds n: take it piecewise from those that hold some
        for shard in sorted(order, key=lambda s: -seen[s]):
            units = min(left, seen[shard])
            if units < 1:
                break
            ok, _ = _subtract(key_of(shard), attr, units, spec)
            if ok:
                left -= units
            if left == 0:
                return True
    if skip is None:
        _log_drift(tenant_id, attr, wanted=left)
    return False


def _reconcile(
    tenant_id: str, true_waiting: int, true_running: int, seen: CounterSnapshot | None, shards: int
) -> str:
    if true_waiting < 0 or true_running < 0:
        raise ValueError("true counts cannot be negative")
    if seen is None:
        seen = read_counters(tenant_id, shards=shards)
    if len(seen.shards) != shards:
        raise ValueError(f"snapshot has {len(seen.shards)} shard(s), expected {shards}")
    if (seen.waiting, seen.running) == (true_waiting, true_running):
        return _UNCHANGED
    if shards > 1 and read_counters(tenant_id, shards=shards) != seen:
        return _CONFLICT  # another shard moved: the count may include or miss its change
    targets = {
        s.shard: (w, r)
        for s, w, r in zip(
            seen.shards,
            correction([s.waiting for s in seen.shards], true_waiting),
            correction([s.running for s in seen.shards], true_running),
            strict=True,
        )
        if (s.waiting, s.running) != (w, r)
    }
    written = False
    for state in seen.shards:
        if state.shard not in targets:
            continue
        waiting, running = targets[state.shard]
        condition = "attribute_not_exists(#v)" if state.version == 0 else "#v = :seen"
        values: dict[str, Any] = {":tw": waiting, ":tr": running, ":one": 1}
        if state.version:
            values[":seen"] = state.version
        ok, _ = _update(
            keys.tenant_counter_key(tenant_id, state.shard),
            "SET #w = :tw, #r = :tr ADD #v :one",
            condition,
            values,
        )
        if not ok:
            break
        written = True
    if not written:
        return _CONFLICT
    logger.info(
        "counter reconciled",
        extra={
            "tenant_id": tenant_id,
            "waiting": [seen.waiting, true_waiting],
            "running": [seen.running, true_running],
        },
    )
    return _WRITTEN


def _count_status(tenant_id: str, status: JobStatus, condition: Any = None) -> int:
    params: dict[str, Any] = {
        "IndexName": "GSI1",
        "KeyConditionExpression": Key("GSI1PK").eq(keys.status_index_pk(tenant_id, status.value)),
        "Select": "COUNT",
    }
    if condition is not None:
        params["FilterExpression"] = condition
    total = 0
    while True:
        response = _table().query(**params)
        total += int(response.get("Count", 0))
        start = response.get("LastEvaluatedKey")
        if not start:
            return total
        params["ExclusiveStartKey"] = start


def _get_many(item_keys: list[dict[str, str]], consistent: bool) -> list[dict[str, Any]]:
    """Items by key, in key order ({} for a missing one): GetItem for one, BatchGetItem for more."""
    table = _table()
    if len(item_keys) == 1:
        return [table.get_item(Key=item_keys[0], ConsistentRead=consistent).get("Item") or {}]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(item_keys), _BATCH_GET_MAX):
        chunk = item_keys[start : start + _BATCH_GET_MAX]
        request: dict[str, Any] = {table.name: {"Keys": chunk, "ConsistentRead": consistent}}
        for _ in range(10):
            response = table.meta.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table.name, []):
                found[(item["PK"], item["SK"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise RuntimeError("BatchGetItem left keys unprocessed after 10 rounds")
    return [found.get((k["PK"], k["SK"]), {}) for k in item_keys]


_BATCH_GET_MAX = 100  # keys per BatchGetItem request


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """An item from a ConditionalCheckFailed response (wire format) as plain Python values."""
    out: dict[str, Any] = {}
    for name, value in item.items():
        is_wire = isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _WIRE_TYPES
        out[name] = _deserializer.deserialize(value) if is_wire else value
    return out


_WIRE_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


def _int(item: dict[str, Any], attr: str) -> int:
    value = item.get(attr, 0)
    return int(value) if isinstance(value, int | Decimal | str) else 0


def _log_drift(tenant_id: str, attr: str, wanted: int, shard: int | None = None) -> None:
    logger.warning(
        "counter below what is given back; left to reconciliation",
        extra={"tenant_id": tenant_id, "counter": attr, "wanted": wanted, "shard": shard},
    )
