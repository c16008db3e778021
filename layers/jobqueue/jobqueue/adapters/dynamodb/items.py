"""Job <-> DynamoDB item, the table a repository works on, and reading a ClientError.

Free-form JSON (payload, result, metadata) is stored as JSON text, so floats survive and nothing
needs Decimal gymnastics.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from jobqueue.adapters import aws
from jobqueue.adapters.dynamodb import keys
from jobqueue.models.job import Job, StatusChange
from jobqueue.settings import get_settings
from jobqueue.times import iso

JSON_FIELDS = frozenset({"payload", "last_result", "metadata", "retry", "depends_on", "callback"})
# Stored as a native list of maps, so a transition can append to it (`list_append`).
HISTORY = "history"
INTERNAL_ATTRS = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "ttl"})


class TableHolder:
    """Holds the table given to the constructor (a test's), or gives the configured one: the
    calling thread's (`aws.table`), since repositories are shared by the worker's threads."""

    def __init__(self, table: Any = None):
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is not None:
            return self._table
        return aws.table(get_settings().table_name)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def to_attr(name: str, value: Any) -> Any:
    if name == HISTORY:
        return [history_entry(entry) for entry in value]
    if name in JSON_FIELDS:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def history_entry(change: StatusChange | dict[str, Any]) -> dict[str, Any]:
    """A history entry as stored: a map of its set fields (times as ISO text)."""
    data = change.model_dump(exclude_none=True) if isinstance(change, StatusChange) else dict(change)
    return {k: iso(v) if isinstance(v, datetime) else getattr(v, "value", v) for k, v in data.items()}


def job_to_item(job: Job, sweep_at: datetime | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.job_key(job.tenant_id, job.id),
        "GSI1PK": keys.status_index_pk(job.tenant_id, job.status.value),
        "GSI1SK": job.id,
    }
    for name in Job.model_fields:
        value = getattr(job, name)
        if value is None:
            continue
        item[name] = to_attr(name, value)
    if not job.history:  # a new job's history starts with its first status
        item[HISTORY] = [history_entry(StatusChange(status=job.status, at=job.created_at))]
    if sweep_at is not None:
        item["GSI2PK"] = keys.sweep_pk(job.id)
        item["GSI2SK"] = iso(sweep_at)
    return item


def item_to_job(item: dict[str, Any]) -> Job:
    data: dict[str, Any] = {}
    for name, value in item.items():
        if name in INTERNAL_ATTRS:
            continue
        if name in JSON_FIELDS and isinstance(value, str):
            value = json.loads(value)
        elif name == HISTORY:
            value = [{k: _plain_number(v) for k, v in entry.items()} for entry in value]
        else:
            value = _plain_number(value)
        data[name] = value
    return Job.model_validate(data)


def _plain_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
