"""Job lifecycle events: the table's stream (NEW_AND_OLD_IMAGES) -> EventBridge bus.

One event per job item that was created or whose status changed:
source `jobqueue`, detail-type `Job Status Changed`, detail
`{tenant_id, job_id, handler, type, priority, old_status, new_status, at}` (`old_status` is null
for a new job). PutEvents takes ten entries per call; an entry EventBridge refuses makes its
stream record a batch item failure, so Lambda retries from it (events are at-least-once).

The same stream releases dependencies: a job reaching a terminal status (whoever wrote it:
worker, sweeper, dead-letter, cancel, dispatcher) settles the jobs in its `dependents` set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
    DynamoDBStreamEvent,
)

from jobqueue import aws, keys
from jobqueue.models.job import TERMINAL_STATUSES
from jobqueue.settings import get_settings

logger = Logger(child=True)

SOURCE = "jobqueue"
TERMINAL = frozenset(status.value for status in TERMINAL_STATUSES)
DETAIL_TYPE = "Job Status Changed"
PUT_EVENTS_BATCH = 10


class EventNotPublished(Exception):
    """EventBridge did not take the event of this record."""


def status_change(record: DynamoDBRecord) -> dict[str, Any] | None:
    """The event detail of a stream record, or None when it is not a job's status change."""
    stream = record.dynamodb
    if stream is None or record.event_name not in (
        DynamoDBRecordEventName.INSERT,
        DynamoDBRecordEventName.MODIFY,
    ):
        return None
    if not str(stream.keys.get("SK", "")).startswith(keys.JOB_SK_PREFIX):
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


def entry(detail: dict[str, Any], bus_name: str) -> dict[str, Any]:
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail, separators=(",", ":")),
        "EventBusName": bus_name,
    }


def publish(events_client: Any, bus_name: str, changes: Iterable[tuple[str, dict[str, Any]]]) -> set[str]:
    """PutEvents in tens; returns the ids (sequence numbers) of the records not published."""
    pending = list(changes)
    failed: set[str] = set()
    for start in range(0, len(pending), PUT_EVENTS_BATCH):
        chunk = pending[start : start + PUT_EVENTS_BATCH]
        try:
            response = events_client.put_events(Entries=[entry(detail, bus_name) for _, detail in chunk])
        except Exception:
            logger.exception("PutEvents failed", extra={"entries": len(chunk)})
            failed.update(record_id for record_id, _ in chunk)
            continue
        for (record_id, detail), result in zip(chunk, response.get("Entries", []), strict=False):
            if result.get("ErrorCode"):
                logger.warning(
                    "event not taken by EventBridge",
                    extra={"job_id": detail["job_id"], "error_code": result["ErrorCode"]},
                )
                failed.add(record_id)
        if len(response.get("Entries", [])) < len(chunk):  # never expected; be safe
            failed.update(record_id for record_id, _ in chunk[len(response.get("Entries", [])) :])
    return failed


def process_stream(event: dict[str, Any], context: Any, events_client: Any = None) -> dict[str, Any]:
    """Publish the status changes of a stream batch; returns the partial batch response."""
    changes = []
    for record in DynamoDBStreamEvent(event).records:
        detail = status_change(record)
        if detail is not None and record.dynamodb is not None and record.dynamodb.sequence_number:
            changes.append((record.dynamodb.sequence_number, detail))
    failed = set()
    if changes:
        failed = publish(events_client or aws.client("events"), _bus_name(), changes)
    failed |= release_waiting_children(DynamoDBStreamEvent(event).records)

    def record_handler(record: DynamoDBRecord) -> None:
        if record.dynamodb is not None and record.dynamodb.sequence_number in failed:
            raise EventNotPublished(record.dynamodb.sequence_number)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(event, record_handler, processor, context)
    logger.info("stream batch done", extra={"events": len(changes), "failed": len(failed)})
    return dict(response)


def finished_parent(record: DynamoDBRecord) -> tuple[str, str, list[str]] | None:
    """(tenant, job id, dependents) of a job that just reached a terminal status with jobs
    waiting for it, or None. The NEW_IMAGE is the terminal write itself, and every `dependents`
    ADD is conditional on the parent not being terminal, so it lists every child to release."""
    stream = record.dynamodb
    if stream is None or record.event_name is not DynamoDBRecordEventName.MODIFY:
        return None
    if not str(stream.keys.get("SK", "")).startswith(keys.JOB_SK_PREFIX):
        return None
    new, old = stream.new_image, stream.old_image
    status = new.get("status")
    if status not in TERMINAL or old.get("status") == status or not new.get("dependents"):
        return None
    return str(new.get("tenant_id")), str(new.get("id")), sorted(str(c) for c in new["dependents"])


def release_waiting_children(records: Iterable[DynamoDBRecord]) -> set[str]:
    """Settle the dependents of every parent that reached a terminal status in this batch
    (`jobqueue.scheduling.release`): all parents completed -> queued; one failed, timed out or
    was cancelled -> cancelled with the reason. Idempotent (conditional transitions), so a
    redelivered record is harmless. Returns the sequence numbers of the records that failed
    (retried by Lambda as batch item failures)."""
    from jobqueue.scheduling.release import release_dependents  # late: only when needed

    failed: set[str] = set()
    for record in records:
        parent = finished_parent(record)
        if parent is None or record.dynamodb is None:
            continue
        tenant_id, job_id, children = parent
        try:
            outcome = release_dependents(tenant_id, children)
        except Exception:
            logger.exception("releasing dependents failed", extra={"job_id": job_id})
            failed.add(str(record.dynamodb.sequence_number))
            continue
        logger.info("dependents settled", extra={"job_id": job_id, "dependents": outcome})
    return failed


def _bus_name() -> str:
    name = get_settings().event_bus_name
    if not name:
        raise RuntimeError("EVENT_BUS_NAME is not set")
    return name
