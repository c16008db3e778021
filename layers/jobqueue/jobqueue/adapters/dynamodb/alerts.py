"""Alert rules and alerts on DynamoDB (the `AlertStore` port).

    T#<t> / ALERTS          rules (JSON text; absent: the defaults), webhook_url, open#<rule> = alert id
    T#<t> / ALERT#<id>      one alert, a field per attribute; ttl 30 days once resolved

Opening and closing an alert write the alert and its rule's `open#` pointer in one transaction,
each conditional, so a rule never has two open alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from jobqueue.adapters.dynamodb import keys
from jobqueue.adapters.dynamodb.items import TableHolder, error_code, is_condition_failure
from jobqueue.models.alerts import OPEN_STATUSES, Alert, AlertRule, AlertRuleSet, AlertSettings, AlertStatus
from jobqueue.times import iso

RESOLVED_TTL = timedelta(days=30)
OPEN_PREFIX = "open#"
_ROUNDS = 10


class DynamoAlertStore(TableHolder):
    def settings(self, tenant_id: str) -> AlertSettings:
        item = (
            self.table.get_item(Key=keys.alert_settings_key(tenant_id), ConsistentRead=True).get("Item") or {}
        )
        rules = item.get("rules")
        return AlertSettings(
            rules=None if rules is None else [AlertRule.model_validate(r) for r in json.loads(rules)],
            webhook_url=item.get("webhook_url"),
            open={k[len(OPEN_PREFIX) :]: v for k, v in item.items() if k.startswith(OPEN_PREFIX)},
        )

    def put_rules(self, tenant_id: str, rule_set: AlertRuleSet) -> None:
        rules = json.dumps([r.model_dump(mode="json") for r in rule_set.rules], separators=(",", ":"))
        expression, values = "SET #rules = :rules", {":rules": rules}
        if rule_set.webhook_url:
            expression += ", webhook_url = :url"
            values[":url"] = rule_set.webhook_url
        else:
            expression += " REMOVE webhook_url"
        self.table.update_item(
            Key=keys.alert_settings_key(tenant_id),
            UpdateExpression=expression,
            ExpressionAttributeNames={"#rules": "rules"},
            ExpressionAttributeValues=values,
        )

    def get(self, tenant_id: str, alert_id: str) -> Alert | None:
        item = self.table.get_item(Key=keys.alert_key(tenant_id, alert_id), ConsistentRead=True).get("Item")
        return _alert(item) if item else None

    def get_many(self, tenant_id: str, alert_ids: Iterable[str]) -> list[Alert]:
        wanted = [keys.alert_key(tenant_id, i) for i in dict.fromkeys(alert_ids)]
        if not wanted:
            return []
        found = []
        request: dict[str, Any] = {self.table.name: {"Keys": wanted, "ConsistentRead": True}}
        for _ in range(_ROUNDS):
            response = self.table.meta.client.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(self.table.name, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        return sorted((_alert(item) for item in found), key=lambda a: a.id)

    def list(self, tenant_id: str, status: AlertStatus | None, limit: int) -> list[Alert]:
        args: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(keys.tenant_pk(tenant_id))
            & Key("SK").begins_with(keys.ALERT_SK_PREFIX),
            "ScanIndexForward": False,
        }
        if status is not None:
            args["FilterExpression"] = Attr("status").eq(status.value)
        out: list[Alert] = []
        for _ in range(_ROUNDS):
            response = self.table.query(**args)
            out += [_alert(item) for item in response.get("Items", [])]
            if len(out) >= limit or "LastEvaluatedKey" not in response:
                break
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return out[:limit]

    def open(self, tenant_id: str, alert: Alert) -> bool:
        pointer = OPEN_PREFIX + alert.rule
        item = {**keys.alert_key(tenant_id, alert.id), **_attrs(alert.model_dump())}
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table.name,
                            "Key": keys.alert_settings_key(tenant_id),
                            "UpdateExpression": "SET #o = :id",
                            "ConditionExpression": "attribute_not_exists(#o)",
                            "ExpressionAttributeNames": {"#o": pointer},
                            "ExpressionAttributeValues": {":id": alert.id},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def update(
        self, tenant_id: str, alert_id: str, expected: Iterable[AlertStatus], changes: Mapping[str, Any]
    ) -> Alert | None:
        update = _update(tenant_id, alert_id, expected, changes)
        try:
            response = self.table.update_item(**update, ReturnValues="ALL_NEW")
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return _alert(response["Attributes"])

    def close(self, tenant_id: str, alert: Alert, changes: Mapping[str, Any]) -> Alert | None:
        resolved_at = changes.get("resolved_at")
        expires = int((resolved_at + RESOLVED_TTL).timestamp()) if isinstance(resolved_at, datetime) else None
        fields = {**changes, "status": AlertStatus.RESOLVED, **({"ttl": expires} if expires else {})}
        update = _update(tenant_id, alert.id, OPEN_STATUSES, fields)
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": self.table.name, **update}},
                    {
                        "Update": {
                            "TableName": self.table.name,
                            "Key": keys.alert_settings_key(tenant_id),
                            "UpdateExpression": "REMOVE #o",
                            "ConditionExpression": "#o = :id",
                            "ExpressionAttributeNames": {"#o": OPEN_PREFIX + alert.rule},
                            "ExpressionAttributeValues": {":id": alert.id},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return None
            raise
        return self.get(tenant_id, alert.id)


def _update(
    tenant_id: str, alert_id: str, expected: Iterable[AlertStatus], changes: Mapping[str, Any]
) -> dict[str, Any]:
    names = {"#status": "status"}
    values: dict[str, Any] = {}
    sets = []
    for i, (name, value) in enumerate(_attrs(changes).items()):
        names[f"#f{i}"] = name
        values[f":v{i}"] = value
        sets.append(f"#f{i} = :v{i}")
    terms = []
    for j, status in enumerate(expected):
        values[f":e{j}"] = status.value
        terms.append(f":e{j}")
    return {
        "Key": keys.alert_key(tenant_id, alert_id),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": f"attribute_exists(PK) AND #status IN ({', '.join(terms)})",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _attrs(fields: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, float):
            value = Decimal(str(value))
        out[name] = value
    return out


def _alert(item: Mapping[str, Any]) -> Alert:
    data = {k: v for k, v in item.items() if k not in ("PK", "SK", "ttl")}
    for name in ("value", "threshold"):
        data[name] = float(data[name])
    data["notifications"] = int(data.get("notifications", 0))
    return Alert.model_validate(data)
