"""Job activity on DynamoDB, the read side: key-range queries of the tenant's tally items (one
item per hour or minute with activity), of its feed pages, and of the system shards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from jobqueue.activity.tally import HourTally, Tally
from jobqueue.adapters.dynamodb import keys
from jobqueue.adapters.dynamodb.activity_items import TOTAL_GROUP, unflatten, unflatten_hour
from jobqueue.adapters.dynamodb.items import TableHolder
from jobqueue.models.activity import SystemHour
from jobqueue.ports.activity import FeedPosition
from jobqueue.times import iso

_HOUR_FORMAT = "%Y-%m-%dT%H"
_MINUTE_FORMAT = "%Y-%m-%dT%H:%M"


class ActivityReads(TableHolder):
    def hours(
        self, tenant_id: str, start: datetime, end: datetime, handler: str | None = None
    ) -> dict[datetime, HourTally]:
        prefix = keys.HOUR_SK_PREFIX if handler is None else f"{keys.HANDLER_HOUR_SK_PREFIX}{handler}#"
        low, high = prefix + keys.hour_label(start), prefix + keys.hour_label(end - timedelta(hours=1))
        out = {}
        for item in self._range(keys.tenant_pk(tenant_id), low, high):
            hour = _parse(item["SK"][len(prefix) :], _HOUR_FORMAT)
            if start <= hour < end:
                out[hour] = unflatten_hour(item)
        return out

    def minutes(self, tenant_id: str, start: datetime, end: datetime) -> dict[datetime, Tally]:
        prefix = keys.MINUTE_SK_PREFIX
        low, high = prefix + keys.minute_label(start), prefix + keys.minute_label(end - timedelta(minutes=1))
        out = {}
        for item in self._range(keys.tenant_pk(tenant_id), low, high):
            minute = _parse(item["SK"][len(prefix) :], _MINUTE_FORMAT)
            if start <= minute < end:
                out[minute] = unflatten(item).get(TOTAL_GROUP, Tally())
        return out

    def feed(
        self, tenant_id: str, after: FeedPosition | None, settled_before: datetime, limit: int
    ) -> list[tuple[FeedPosition, dict[str, Any]]]:
        low = keys.feed_page_sk(after[0]) if after else keys.FEED_SK_PREFIX
        high = keys.feed_page_sk(iso(settled_before))
        condition = Key("PK").eq(keys.tenant_pk(tenant_id)) & Key("SK").between(low, high)
        out: list[tuple[FeedPosition, dict[str, Any]]] = []
        for item in self._query(condition):
            page = item["SK"][len(keys.FEED_SK_PREFIX) :]
            if page >= iso(settled_before):
                break
            for index, event in enumerate(item.get("events") or []):
                if after is not None and (page, index) <= after:
                    continue
                out.append(((page, index), _plain(event)))
                if len(out) >= limit:
                    return out
        return out

    def system_hours(self, start: datetime, end: datetime) -> list[SystemHour]:
        prefix = keys.HOUR_SK_PREFIX
        low, high = prefix + keys.hour_label(start), prefix + keys.hour_label(end - timedelta(hours=1))
        out = []
        for shard in range(keys.SYSTEM_SHARDS):
            pk = keys.system_hour_key(shard, start)["PK"]
            for item in self._range(pk, low, high):
                counts, submitted, active = {}, {}, {}
                for name, value in item.items():
                    kind, _, rest = name.partition("/")
                    target = {"n": counts, "t": submitted, "a": active}.get(kind)
                    if target is not None and rest:
                        target[rest] = int(value)
                hour = _parse(item["SK"][len(prefix) :], _HOUR_FORMAT)
                out.append(SystemHour(hour, counts, submitted, active))
        return out

    def _range(self, pk: str, low: str, high: str) -> Iterator[dict[str, Any]]:
        return self._query(Key("PK").eq(pk) & Key("SK").between(low, high))

    def _query(self, condition: Any) -> Iterator[dict[str, Any]]:
        args: dict[str, Any] = {"KeyConditionExpression": condition}
        while True:
            response = self.table.query(**args)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _parse(label: str, layout: str) -> datetime:
    return datetime.strptime(label, layout).replace(tzinfo=UTC)


def _plain(event: dict[str, Any]) -> dict[str, Any]:
    return {k: int(v) if k == "attempt" else v for k, v in event.items()}
