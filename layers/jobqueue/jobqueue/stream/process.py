"""One stream batch: publish the status changes (PutEvents in tens through the `EventBus`
port), release the dependents of jobs that reached a terminal status, and answer the partial
batch response. A record whose event the bus refused, or whose release failed, is a batch item
failure, so Lambda retries from it (events are at-least-once; a release is idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBStreamEvent,
)

from jobqueue.adapters.dynamodb.stream_records import job_change
from jobqueue.dependencies import release_dependents
from jobqueue.models.job_change import JobChange
from jobqueue.ports import Ports
from jobqueue.stream.events import bus_event, finished_parent, status_change

logger = Logger(child=True)


class EventNotPublished(Exception):
    """The bus did not take the event of this record."""


def process_stream(event: dict[str, Any], context: Any, ports: Ports) -> dict[str, Any]:
    """Publish the status changes of a stream batch; returns the partial batch response."""
    jobs = [change for change in map(job_change, DynamoDBStreamEvent(event).records) if change is not None]
    changes: list[tuple[str, dict[str, Any]]] = []
    for change in jobs:
        detail = status_change(change)
        if detail is not None and change.sequence_number:
            changes.append((change.sequence_number, detail))
    failed: set[str] = set()
    if changes:
        refused = ports.events.publish([bus_event(detail) for _, detail in changes])
        failed = {changes[i][0] for i in refused}
    failed |= release_waiting_children(ports, jobs)

    def record_handler(record: DynamoDBRecord) -> None:
        if record.dynamodb is not None and record.dynamodb.sequence_number in failed:
            raise EventNotPublished(record.dynamodb.sequence_number)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(event, record_handler, processor, context)
    logger.info("stream batch done", extra={"events": len(changes), "failed": len(failed)})
    return dict(response)


def release_waiting_children(ports: Ports, changes: Iterable[JobChange]) -> set[str]:
    """Settle the dependents of every parent that reached a terminal status in this batch.
    Returns the sequence numbers of the records whose release failed."""
    failed: set[str] = set()
    for change in changes:
        parent = finished_parent(change)
        if parent is None:
            continue
        try:
            outcome = release_dependents(ports, parent.tenant_id, parent.dependents)
        except Exception:
            logger.exception("releasing dependents failed", extra={"job_id": parent.job_id})
            failed.add(parent.sequence_number)
            continue
        logger.info("dependents settled", extra={"job_id": parent.job_id, "dependents": outcome})
    return failed
