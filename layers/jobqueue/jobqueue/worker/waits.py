"""Records that wait instead of running now.

- The tenant is at its concurrency limit (`wait_for_slot`): the job stays queued and comes back
  later in a NEW message (`deferrals + 1`, DelaySeconds growing to 60 s), so its receive count
  starts again at 0 and no limit ever pushes it toward the dead-letter queue; its retry budget
  is untouched. The received message is acknowledged once the new one is sent; a failed send
  reports the record as failed instead. docs/tenancy.md, "Waiting for a slot".
- The invocation is short of time (`defer`): the record is handed back untouched (a batch item
  failure, made visible again at once). One already received `RESEND_DEFERRED_FROM_RECEIVE`
  times is replaced by a fresh copy instead, so repeated deferrals cannot push a good job into
  the dead-letter queue.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from jobqueue import job_metrics
from jobqueue.messages import Delivery, JobMessage
from jobqueue.models.job import Job, JobStatus
from jobqueue.ports import Guard, Ports
from jobqueue.settings import get_settings
from jobqueue.tenancy.deferral import backlog_seconds_of, deferral_delay

logger = Logger(child=True)

RESEND_DEFERRED_FROM_RECEIVE = 3
SLOT_WAIT_REASON = "waiting for a concurrency slot"
JOBS_DEFERRED = "JobsDeferred"


class RecordDeferred(Exception):
    """The record was not started: too little time left in this invocation."""


def delivery_of(record: SQSRecord) -> Delivery:
    return Delivery(
        message_id=record.message_id,
        queue_url=record.queue_url,
        receipt_handle=record.receipt_handle,
        body=record.body or "",
        group_id=record.attributes.message_group_id,
        receive_count=int(record.attributes.approximate_receive_count or 1),
    )


def wait_for_slot(
    ports: Ports,
    job: Job,
    message: JobMessage,
    now: datetime,
    rng: random.Random,
    log: dict[str, Any],
    limit: int,
) -> str:
    """Defer the job behind its tenant's concurrency limit `limit` (see the module docstring)."""
    delay = deferral_delay(message.deferrals, rng, _backlog_seconds(ports, job.tenant_id, limit))
    grace = get_settings().dispatch_grace_seconds
    # Push the sweeper's dispatch check past the wait, or it re-sends the job meanwhile.
    # A job pending for its time is due now: it waits queued.
    changes: dict[str, Any] = {"status_reason": SLOT_WAIT_REASON}
    if job.status is JobStatus.PENDING:
        changes["status"] = JobStatus.QUEUED
    waiting = ports.jobs.transition(
        job.tenant_id,
        job.id,
        [job.status],
        changes,
        remove=("waiting_on",),
        sweep_at=now + timedelta(seconds=delay + grace),
        guard=Guard(attempts=job.attempts, unchanged={"waiting_on": job.waiting_on}),
    )
    if waiting is None:
        logger.info("no-op: the job moved on while waiting for a slot", extra=log)
        return "skipped: job moved on"
    ports.queue.send(waiting, delay_seconds=delay, deferrals=message.deferrals + 1)
    job_metrics.emit(waiting, JOBS_DEFERRED)
    logger.info(
        "deferred: tenant at its concurrency limit",
        extra={**log, "deferrals": message.deferrals + 1, "delay_seconds": delay},
    )
    return "deferred: tenant at its concurrency limit"


def _backlog_seconds(ports: Ports, tenant_id: str, limit: int) -> int:
    """How long the tenant's waiting jobs keep its slots busy (one eventually consistent read of
    its counter, on this path only); 0 when it cannot be read."""
    try:
        return backlog_seconds_of(ports.counters.snapshot(tenant_id, consistent=False).waiting, limit)
    except Exception:
        logger.warning(
            "tenant counter not read; the deferral uses its plain delay", extra={"tenant_id": tenant_id}
        )
        return 0


def defer(ports: Ports, delivery: Delivery, deferred: list[Delivery], why: str) -> str:
    """Hand the record back (raises RecordDeferred), or re-send it fresh when received often."""
    if delivery.receive_count >= RESEND_DEFERRED_FROM_RECEIVE:
        try:
            ports.queue.send_copy(delivery)
            logger.info("deferred: re-sent as a fresh message", extra={"message_id": delivery.message_id})
            return "deferred: re-sent"
        except Exception:
            logger.exception("deferred record not re-sent", extra={"message_id": delivery.message_id})
    deferred.append(delivery)
    raise RecordDeferred(why)


SUSPENDED_REASON = "waiting: the tenant is suspended"
SUSPENDED_RECHECK_SECONDS = 300


def wait_while_suspended(ports: Ports, job: Job, log: dict[str, Any]) -> str:
    """A suspended tenant's job is not run and not lost: sent again to look in 5 minutes (the
    sweeper's dispatch check pushed past that), its status untouched."""
    now = ports.clock.now()
    grace = get_settings().dispatch_grace_seconds
    waiting = ports.jobs.transition(
        job.tenant_id,
        job.id,
        [job.status],
        {"status_reason": SUSPENDED_REASON},
        sweep_at=now + timedelta(seconds=SUSPENDED_RECHECK_SECONDS + grace),
        guard=Guard(attempts=job.attempts),
    )
    if waiting is None:
        logger.info("no-op: the job moved on while its tenant is suspended", extra=log)
        return "skipped: job moved on"
    ports.queue.send(waiting, delay_seconds=SUSPENDED_RECHECK_SECONDS)
    logger.info(
        "deferred: the tenant is suspended", extra={**log, "delay_seconds": SUSPENDED_RECHECK_SECONDS}
    )
    return "deferred: tenant suspended"
