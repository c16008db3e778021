"""Job lifecycle events from the jobs table's stream records (items as `jobqueue.adapters.dynamodb`
writes them).

One event per job item that was created or whose status changed: source `jobqueue`,
detail-type `Job Status Changed`, detail `{tenant_id, job_id, handler, type, priority,
old_status, new_status, at}` (`old_status` is null for a new job).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from jobqueue.adapters.dynamodb.keys import JOB_SK_PREFIX
from jobqueue.models.job import TERMINAL_STATUSES
from jobqueue.ports import BusEvent

SOURCE = "jobqueue"
DETAIL_TYPE = "Job Status Changed"
TERMINAL = frozenset(status.value for status in TERMINAL_STATUSES)


def is_job_record(record: DynamoDBRecord) -> bool:
    return record.dynamodb is not None and str(record.dynamodb.keys.get("SK", "")).startswith(JOB_SK_PREFIX)


def status_change(record: DynamoDBRecord) -> dict[str, Any] | None:
    """The event detail of a stream record, or None when it is not a job's status change."""
    stream = record.dynamodb
    if stream is None or record.event_name not in (
        DynamoDBRecordEventName.INSERT,
        DynamoDBRecordEventName.MODIFY,
    ):
        return None
    if not is_job_record(record):
        return None
    new = stream.new_image
    old = stream.old_image if record.event_name is DynamoDBRecordEventName.MODIFY else {}
    new_status = new.get("status")
    old_status = old.get("status")
    if not new_status or new_status == old_status:
        return None
    return {
        "tenant_id": new.get("tenant_id"),
        "job_id": new.get("id"),
        "handler": new.get("handler"),
        "type": new.get("type"),
        "priority": new.get("priority"),
        "old_status": old_status,
        "new_status": new_status,
        "at": new.get("updated_at"),
    }


def bus_event(detail: dict[str, Any]) -> BusEvent:
    return BusEvent(SOURCE, DETAIL_TYPE, detail)


def finished_parent(record: DynamoDBRecord) -> tuple[str, str, list[str]] | None:
    """(tenant, job id, dependents) of a job that just reached a terminal status with jobs
    waiting for it, or None. The NEW_IMAGE is the terminal write itself, and every `dependents`
    ADD is conditional on the parent not being terminal, so it lists every child to release."""
    stream = record.dynamodb
    if stream is None or record.event_name is not DynamoDBRecordEventName.MODIFY or not is_job_record(record):
        return None
    new, old = stream.new_image, stream.old_image
    status = new.get("status")
    if status not in TERMINAL or old.get("status") == status or not new.get("dependents"):
        return None
    return str(new.get("tenant_id")), str(new.get("id")), sorted(str(c) for c in new["dependents"])
