"""Counter items in DynamoDB: the conditional ADDs that reserve and release, over one item or
split over shards, and the reads.

Every change is one conditional `UpdateItem`: the limit check and the increment are the same
atomic write, so two racing callers can never both take the last place. A counter split into
shards (`jobqueue.tenancy.shards`) enforces each shard's allowance; the allowances add up to the
limit exactly.

The day's count of admitted submissions is an attribute of the same COUNTER item(s), named for
its UTC day (`day#2026-12-01`): a write that counts a day removes the attributes of the
`PAST_DAYS` days before it, and any older one it finds still there (`tidy_before`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from jobqueue.adapters.dynamodb.items import TableHolder, is_condition_failure
from jobqueue.tenancy.shards import allowance, plan_split, probe_order

logger = Logger(child=True)

WAITING, RUNNING, VERSION = "waiting", "running", "version"
NAMES = {"#w": WAITING, "#r": RUNNING, "#v": VERSION}
_ALIASES = {WAITING: "#w", RUNNING: "#r"}
DAY_PREFIX = "day#"
DAY_ALIAS = "#day"
PAST_DAYS = 3  # a day's write removes the attributes of this many days before it
_ALIAS_RE = re.compile(r"#\w+")
_BATCH_GET_MAX = 100  # keys per BatchGetItem request
_WIRE_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
_deserializer = TypeDeserializer()

KeyOf = Callable[[int], dict[str, str]]


@dataclass(frozen=True)
class Spec:
    """How a counter item is written beside the counted attribute: extra ADD terms (with their
    values), clauses a reservation adds after them (`tail`, with their `names`), and the day
    attribute below which a reservation removes what it finds (`tidy_before`)."""

    add: str = ""
    values: dict[str, Any] | None = None
    tail: str = ""
    names: dict[str, str] | None = None
    tidy_before: str | None = None


COUNTER = Spec(add=", #v :one", values={":one": 1})  # waiting/running writes count in `version`
DAY = Spec()  # a day's count alone does not move `version`: reconciliation does not compare it


def day_attr(day: date) -> str:
    """The COUNTER item's attribute holding the count of the UTC day `day`: `day#<yyyy-mm-dd>`."""
    return f"{DAY_PREFIX}{day.isoformat()}"


def day_spec(day: date) -> Spec:
    """A reservation of the day's count: REMOVE the attributes of the `PAST_DAYS` days before
    (a missing one is no error), and tidy anything older still there."""
    names = {f"#old{i}": day_attr(day - timedelta(days=i)) for i in range(1, PAST_DAYS + 1)}
    return Spec(tail=" REMOVE " + ", ".join(names), names=names, tidy_before=day_attr(day))


def as_int(item: dict[str, Any], attr: str) -> int:
    value = item.get(attr, 0)
    return int(value) if isinstance(value, int | Decimal | str) else 0


def log_drift(tenant_id: str, attr: str, wanted: int, shard: int | None = None) -> None:
    logger.warning(
        "counter below what is given back; left to reconciliation",
        extra={"tenant_id": tenant_id, "counter": attr, "wanted": wanted, "shard": shard},
    )


class CounterItems(TableHolder):
    """The item-level operations the tenant counters are made of. `pick(shards)` chooses the
    shard a probe starts at (random by default, which spreads the writes)."""

    def __init__(self, table: Any = None, pick: Callable[[int], int] | None = None):
        super().__init__(table)
        self.pick = pick

    def probe(self, shards: int) -> list[int]:
        return probe_order(shards, self.pick)

    def update(
        self,
        key: dict[str, str],
        expression: str,
        condition: str | None,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
        tidy_before: str | None = None,
    ) -> tuple[bool, dict[str, Any]]:
        """One UpdateItem: (True, {}), or (False, the item as it was) when the condition failed.

        `names`: aliases beside `NAMES`. `tidy_before` (a day attribute): the write returns the
        item, and day attributes older than that one still on it are removed (a second write,
        only after a tenant was quiet for more than `PAST_DAYS` days)."""
        every = {**NAMES, **(names or {})}
        used = sorted(set(_ALIAS_RE.findall(f"{expression} {condition or ''}")))
        params: dict[str, Any] = {
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {alias: every[alias] for alias in used},
        }
        if values:
            params["ExpressionAttributeValues"] = values
        if condition:
            params["ConditionExpression"] = condition
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if tidy_before:
            params["ReturnValues"] = "ALL_NEW"
        try:
            response = self.table.update_item(**params)
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return False, plain_values(error.response.get("Item") or {})
        if tidy_before:
            self._tidy(key, response.get("Attributes") or {}, tidy_before)
        return True, {}

    def _tidy(self, key: dict[str, str], item: dict[str, Any], before: str) -> None:
        """REMOVE the day attributes older than `before` (ISO dates sort as strings)."""
        stale = sorted(a for a in item if a.startswith(DAY_PREFIX) and a < before)
        if stale:
            names = {f"#s{i}": a for i, a in enumerate(stale)}
            self.update(key, "REMOVE " + ", ".join(names), None, {}, names)

    def get_many(self, item_keys: list[dict[str, str]], consistent: bool) -> list[dict[str, Any]]:
        """Items by key, in key order ({} for a missing one): GetItem for one, BatchGetItem for more."""
        table = self.table
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

    def add_within(self, key: dict[str, str], attr: str, n: int, cap: int, spec: Spec) -> tuple[bool, dict]:
        """ADD n to `attr` if that keeps it within `cap` (a missing attribute counts as 0)."""
        alias, names = alias_of(attr)
        return self.update(
            key,
            f"ADD {alias} :n{spec.add}{spec.tail}",
            f"attribute_not_exists({alias}) OR {alias} <= :room",
            {":n": n, ":room": cap - n, **(spec.values or {})},
            {**names, **(spec.names or {})},
            spec.tidy_before,
        )

    def subtract(self, key: dict[str, str], attr: str, n: int, spec: Spec) -> tuple[bool, dict]:
        """ADD -n to `attr` if it holds at least n (never below 0). A reservation's `tail` (the
        REMOVE of past days) is not repeated here."""
        alias, names = alias_of(attr)
        return self.update(
            key,
            f"ADD {alias} :minus{spec.add}",
            f"{alias} >= :n",
            {":minus": -n, ":n": n, **(spec.values or {})},
            names,
        )

    def reserve(self, key_of: KeyOf, attr: str, n: int, limit: int, shards: int, spec: Spec) -> int | None:
        """Add `n` to `attr` within the limit. None when done; else the total seen (nothing changed).

        Tries each shard whole (random first); with several shards and no single one with room,
        splits `n` over the shards that have it, giving every piece back if one piece fails.
        """
        seen: dict[int, int] = {}
        for shard in self.probe(shards):
            cap = allowance(limit, shards, shard)
            if cap < n:
                continue
            ok, old = self.add_within(key_of(shard), attr, n, cap, spec)
            if ok:
                return None
            seen[shard] = as_int(old, attr)
        missing = [s for s in range(shards) if s not in seen]
        if missing:
            for shard, item in zip(missing, self.get_many([key_of(s) for s in missing], True), strict=True):
                seen[shard] = as_int(item, attr)
        if shards > 1:
            free = [allowance(limit, shards, s) - seen[s] for s in range(shards)]
            plan = plan_split(n, free)
            if plan and self._take_pieces(key_of, attr, plan, limit, shards, spec):
                return None
        return sum(seen.values())

    def _take_pieces(
        self, key_of: KeyOf, attr: str, plan: Sequence[tuple[int, int]], limit: int, shards: int, spec: Spec
    ) -> bool:
        """Reserve every (shard, units) piece of `plan`, or none: the pieces taken are given back."""
        taken: list[tuple[int, int]] = []
        for shard, units in plan:
            ok, _ = self.add_within(key_of(shard), attr, units, allowance(limit, shards, shard), spec)
            if not ok:
                for back_shard, back_units in taken:
                    self.subtract(key_of(back_shard), attr, back_units, spec)
                return False
            taken.append((shard, units))
        return True

    def release(
        self,
        key_of: KeyOf,
        attr: str,
        n: int,
        shards: int,
        spec: Spec,
        tenant_id: str,
        skip: int | None = None,
    ) -> bool:
        """Subtract `n` from `attr`, never below 0 on any shard. Returns whether all `n` went."""
        seen: dict[int, int] = {}
        order = [s for s in self.probe(shards) if s != skip]
        for shard in order:
            ok, old = self.subtract(key_of(shard), attr, n, spec)
            if ok:
                return True
            seen[shard] = as_int(old, attr)
        left = n
        if len(order) > 1:  # no single shard holds n: take it piecewise from those that hold some
            for shard in sorted(order, key=lambda s: -seen[s]):
                units = min(left, seen[shard])
                if units < 1:
                    break
                ok, _ = self.subtract(key_of(shard), attr, units, spec)
                if ok:
                    left -= units
                if left == 0:
                    return True
        if skip is None:
            log_drift(tenant_id, attr, wanted=left)
        return False


def alias_of(attr: str) -> tuple[str, dict[str, str]]:
    """The expression alias of a counted attribute, and the names it needs beside `NAMES`."""
    if attr in _ALIASES:
        return _ALIASES[attr], {}
    return DAY_ALIAS, {DAY_ALIAS: attr}


def plain_values(item: dict[str, Any]) -> dict[str, Any]:
    """An item from a ConditionalCheckFailed response (wire format) as plain Python values."""
    out: dict[str, Any] = {}
    for name, value in item.items():
        is_wire = isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _WIRE_TYPES
        out[name] = _deserializer.deserialize(value) if is_wire else value
    return out
