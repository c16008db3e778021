"""Job activity on DynamoDB (the `ActivityLog` port): the write side, one transaction per
tenant and stream batch.

Items (tenant partition unless said; keys built in `keys`):

    T#<t> / AGG#<hour>                  tallies by job type (flat attributes, `activity_items`), ttl 400 days
    T#<t> / AGGH#<handler>#<hour>       the same for one handler, ttl 400 days
    T#<t> / AGGM#<minute>               the total tally of one minute, ttl 2 days (alert windows)
    T#<t> / EVT#<time>#<batch>#<n>      a page of the event feed: `events` in order, ttl 7 days
    T#<t> / MARK#<batch>                the batch's marker: `last` position recorded, `pages`, ttl 2 days
    SYS#<0..7> / AGG#<hour>             the system-wide tally of the tenants hashed to that shard

Exactly once: the marker is written in the same `TransactWriteItems` as the tallies and the
page, conditional on what the writer read of it (absent, or `last` unchanged). A batch
delivered again (Lambda retries a batch from its first record, with the same records and maybe
more) fails the condition; the writer reads the marker and records only the entries past `last`
(docs/decisions/011). A transaction takes at most 100 items: entries touching more are written in
several transactions in a row, each moving the marker on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from jobqueue.activity.fold import TenantActivity, fold, hour_of, minute_of
from jobqueue.adapters.clock import SystemClock
from jobqueue.adapters.dynamodb import keys
from jobqueue.adapters.dynamodb.activity_items import TOTAL_GROUP, add_expression, flatten, flatten_hour
from jobqueue.adapters.dynamodb.activity_reads import ActivityReads
from jobqueue.adapters.dynamodb.items import error_code
from jobqueue.models.activity import ActivityEntry
from jobqueue.ports import Clock
from jobqueue.times import iso

HOUR_TTL = timedelta(days=400)
MINUTE_TTL = timedelta(days=2)
MARKER_TTL = timedelta(days=2)  # longer than the stream's 24 h retention: retries end before
PAGE_TTL = timedelta(days=7)
MAX_ITEMS = 100  # TransactWriteItems
_ATTEMPTS = 5


class MarkerMoved(Exception):
    """The batch's marker was not what this writer read: someone recorded (part of) it."""


class DynamoActivityLog(ActivityReads):
    def __init__(self, table: Any = None, clock: Clock | None = None):
        super().__init__(table)
        self.clock = clock or SystemClock()

    def record(self, tenant_id: str, batch: str, entries: Sequence[ActivityEntry]) -> int:
        ordered = sorted(entries, key=lambda e: e.position)
        last: int | None = None
        pages, added = 0, 0
        for _ in range(_ATTEMPTS):
            todo = [e for e in ordered if last is None or e.position > last]
            try:
                for chunk in _chunks(todo):
                    self._write(tenant_id, batch, chunk, last, pages)
                    added += len(chunk)
                    last, pages = chunk[-1].position, pages + 1
                return added
            except MarkerMoved:
                last, pages = self._marker(tenant_id, batch)
        raise RuntimeError(f"the activity marker of batch {batch} kept moving")

    def _marker(self, tenant_id: str, batch: str) -> tuple[int | None, int]:
        item = self.table.get_item(Key=keys.activity_marker_key(tenant_id, batch), ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            return None, 0
        return int(item["last"]), int(item.get("pages", 0))

    def _write(
        self,
        tenant_id: str,
        batch: str,
        chunk: list[ActivityEntry],
        last: int | None,
        pages: int,
    ) -> None:
        now = self.clock.now()
        activity = fold(chunk)
        table = self.table.name
        pk = keys.tenant_pk(tenant_id)
        items = [_marker_item(table, tenant_id, batch, chunk[-1].position, last, pages, now)]
        for hour, tally in activity.hours.items():
            key = {"PK": pk, "SK": keys.hour_sk(hour)}
            items.append(_add(table, key, flatten_hour(tally), hour + HOUR_TTL))
        for (handler, hour), tally in activity.handler_hours.items():
            key = {"PK": pk, "SK": keys.handler_hour_sk(handler, hour)}
            items.append(_add(table, key, flatten_hour(tally), hour + HOUR_TTL))
        for minute, tally in activity.minutes.items():
            key = {"PK": pk, "SK": keys.minute_sk(minute)}
            items.append(_add(table, key, flatten(TOTAL_GROUP, tally), minute + MINUTE_TTL))
        shard = keys.system_shard_of(tenant_id)
        for hour, numbers in _system_numbers(tenant_id, activity, chunk).items():
            items.append(_add(table, keys.system_hour_key(shard, hour), numbers, hour + HOUR_TTL))
        page = f"{iso(now)}#{batch}#{pages}"
        items.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": {
                        "PK": pk,
                        "SK": keys.feed_page_sk(page),
                        "events": [e.event() for e in activity.events],
                        "ttl": _epoch(now + PAGE_TTL),
                    },
                }
            }
        )
        try:
            self.table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons") or []
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    raise MarkerMoved(batch) from error
            raise


def _chunks(entries: list[ActivityEntry]) -> list[list[ActivityEntry]]:
    """Entries in runs whose transaction stays within MAX_ITEMS (entries of one position together)."""
    chunks: list[list[ActivityEntry]] = []
    current: list[ActivityEntry] = []
    for position in dict.fromkeys(e.position for e in entries):
        group = [e for e in entries if e.position == position]
        if current and _items_needed(current + group) > MAX_ITEMS:
            chunks.append(current)
            current = []
        current = current + group
    if current:
        chunks.append(current)
    return chunks


def _items_needed(entries: list[ActivityEntry]) -> int:
    hours = {hour_of(e.at) for e in entries}
    handler_hours = {(e.handler, hour_of(e.at)) for e in entries}
    minutes = {minute_of(e.at) for e in entries}
    return 2 + 2 * len(hours) + len(handler_hours) + len(minutes)  # marker, page, system shards


def _system_numbers(
    tenant_id: str, activity: TenantActivity, entries: list[ActivityEntry]
) -> dict[datetime, dict[str, int]]:
    per_hour: dict[datetime, Counter[str]] = defaultdict(Counter)
    for hour, tally in activity.hour_totals().items():
        for name, n in tally.counts.items():
            if n:
                per_hour[hour][f"n/{name}"] += n
        if tally["submitted"]:
            per_hour[hour][f"t/{tenant_id}"] += tally["submitted"]
    for entry in entries:
        per_hour[hour_of(entry.at)][f"a/{tenant_id}"] += 1
    return {hour: dict(numbers) for hour, numbers in per_hour.items()}


def _add(table: str, key: dict[str, str], numbers: dict[str, int], expires: datetime) -> dict[str, Any]:
    return {"Update": {"TableName": table, "Key": key, **add_expression(numbers, {"ttl": _epoch(expires)})}}


def _new_marker(table: str, tenant_id: str, batch: str, position: int, now: datetime) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table,
            "Item": {
                **keys.activity_marker_key(tenant_id, batch),
                "last": position,
                "pages": 1,
                "ttl": _epoch(now + MARKER_TTL),
            },
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def _marker_item(
    table: str, tenant_id: str, batch: str, position: int, last: int | None, pages: int, now: datetime
) -> dict[str, Any]:
    """Move an existing marker from `last` to `position` (or create it when `last` is None)."""
    if last is None:
        return _new_marker(table, tenant_id, batch, position, now)
    return {
        "Update": {
            "TableName": table,
            "Key": keys.activity_marker_key(tenant_id, batch),
            "UpdateExpression": "SET #last = :new, #pages = :pages",
            "ConditionExpression": "#last = :old",
            "ExpressionAttributeNames": {"#last": "last", "#pages": "pages"},
            "ExpressionAttributeValues": {":new": position, ":old": last, ":pages": pages + 1},
        }
    }


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())
