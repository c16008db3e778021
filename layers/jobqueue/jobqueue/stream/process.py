"""One stream batch: record the job activity (tallies and the event feed, `ActivityLog`),
publish the status changes each tenant gets on the bus (by default only those into a terminal
status; PutEvents in tens through the `EventBus` port), release the dependents of jobs that
reached a terminal status, and queue the callbacks of finished jobs.

A failure anywhere fails the whole batch: the answer names its first record, so Lambda retries
from there with the same first record, which is the batch's identity for exactly-once activity
(a retry records only the entries past what the first try recorded; docs/decisions/011). The
rest is idempotent or at-least-once: events may be published again, a release or a callback
job is written once whatever the retries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent

from jobqueue.adapters.dynamodb.stream_records import job_change
from jobqueue.callbacks import handle_callbacks
from jobqueue.dependencies import release_dependents
from jobqueue.models.activity import ActivityEntry
from jobqueue.models.job_change import JobChange
from jobqueue.models.tenant import BusEvents
from jobqueue.ports import Ports, TenantRepository
from jobqueue.settings import get_settings
from jobqueue.stream.events import bus_event, finished_parent, published, status_change

logger = Logger(child=True)


def process_stream(event: dict[str, Any], context: Any, ports: Ports) -> dict[str, Any]:
    """Handle a stream batch; returns the partial batch response (empty, or the first record)."""
    records = list(DynamoDBStreamEvent(event).records)
    first = next((r.dynamodb.sequence_number for r in records if r.dynamodb is not None), None)
    changes = [change for change in map(job_change, records) if change is not None]
    failed = handle_changes(ports, str(first), changes)
    logger.info("stream batch done", extra={"records": len(records), "jobs": len(changes), "failed": failed})
    if failed and first is not None:
        return {"batchItemFailures": [{"itemIdentifier": first}]}
    return {"batchItemFailures": []}


def handle_changes(ports: Ports, batch: str, changes: list[JobChange]) -> list[str]:
    """Every step of a batch of job changes; returns the names of the steps that failed."""
    steps = {
        "activity": lambda: record_activity(ports, batch, changes),
        "events": lambda: publish_changes(ports, changes),
        "dependents": lambda: release_waiting_children(ports, changes),
        "callbacks": lambda: handle_callbacks(ports, changes),
    }
    failed = []
    for name, step in steps.items():
        try:
            step()
        except Exception:
            logger.exception("stream batch step failed; the batch is retried", extra={"step": name})
            failed.append(name)
    return failed


def record_activity(ports: Ports, batch: str, changes: Iterable[JobChange]) -> None:
    """Every tenant's new history entries, recorded once per batch (one transaction each)."""
    by_tenant: dict[str, list[ActivityEntry]] = defaultdict(list)
    for change in changes:
        by_tenant[change.tenant_id].extend(change.entries)
    errors = []
    for tenant_id, entries in by_tenant.items():
        if not entries:
            continue
        try:
            ports.activity.record(tenant_id, batch, entries)
        except Exception as error:  # the other tenants are still recorded
            logger.exception("activity not recorded", extra={"tenant_id": tenant_id})
            errors.append(error)
    if errors:
        raise errors[0]


class EventNotPublished(Exception):
    """The bus did not take some events of the batch."""


def publish_changes(ports: Ports, changes: Iterable[JobChange]) -> None:
    """The status changes of the batch that their tenant's choice (`bus_choices`) puts on the bus."""
    details = [detail for detail in map(status_change, changes) if detail is not None]
    if not details:
        return
    choices = bus_choices(ports.tenants, [detail["tenant_id"] for detail in details])
    details = [detail for detail in details if published(choices[detail["tenant_id"]], detail["new_status"])]
    if not details:
        return
    refused = ports.events.publish([bus_event(detail) for detail in details])
    if refused:
        raise EventNotPublished(f"{len(refused)} of {len(details)} events refused")


def bus_choices(tenants: TenantRepository, tenant_ids: Iterable[str]) -> dict[str, BusEvents]:
    """Each tenant's lifecycle events: its profile's `bus_events`, else the deployment's
    (`LIFECYCLE_EVENTS`; also for a tenant without a profile). One profile read per tenant and
    batch, through the ports' tenants: on Lambda `CachedTenants`, which answers from its cache of
    a few seconds, so a warm function usually reads none. A failed read fails the batch."""
    default = get_settings().lifecycle_events
    choices: dict[str, BusEvents] = {}
    for tenant_id in dict.fromkeys(tenant_ids):
        tenant = tenants.get(tenant_id)
        choices[tenant_id] = (tenant.bus_events if tenant else None) or default
    return choices


def release_waiting_children(ports: Ports, changes: Iterable[JobChange]) -> None:
    """Settle the dependents of every parent that reached a terminal status in this batch."""
    errors = []
    for change in changes:
        parent = finished_parent(change)
        if parent is None:
            continue
        try:
            outcome = release_dependents(ports, parent.tenant_id, parent.dependents)
        except Exception as error:
            logger.exception("releasing dependents failed", extra={"job_id": parent.job_id})
            errors.append(error)
            continue
        logger.info("dependents settled", extra={"job_id": parent.job_id, "dependents": outcome})
    if errors:
        raise errors[0]
