"""Job <-> DynamoDB item. Free-form JSON (payload, result, metadata) is stored as JSON text, so
floats survive and nothing needs Decimal gymnastics."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from jobqueue import clock, keys
from jobqueue.models.job import Job

JSON_FIELDS = frozenset({"payload", "last_result", "metadata", "retry", "depends_on"})
INTERNAL_ATTRS = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "ttl", "dispatches"})


def to_attr(name: str, value: Any) -> Any:
    if name in JSON_FIELDS:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, datetime):
        return clock.iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def job_to_item(job: Job) -> dict[str, Any]:
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
    return item


def item_to_job(item: dict[str, Any]) -> Job:
    data: dict[str, Any] = {}
    for name, value in item.items():
        if name in INTERNAL_ATTRS:
            continue
        if name in JSON_FIELDS and isinstance(value, str):
            value = json.loads(value)
        elif isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        data[name] = value
    return Job.model_validate(data)
