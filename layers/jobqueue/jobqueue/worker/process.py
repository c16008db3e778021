"""One SQS batch: for each record, parse -> claim -> run -> record, with partial batch responses.

Whether a record is reported as a batch item failure (and so comes back from SQS) follows one
rule: only when nothing was decided about its job.

- success (acknowledged): the job ran and its outcome is written; or the message was a no-op
  (duplicate, stale, cancelled, missing job); or it was re-sent (early, or deferred too often).
- failure (redelivered): the invocation ran short of time before the record was started
  (deferred: the job is not touched, so its retry budget is not spent); the body is not a job
  message (poison); something crashed (a bug, DynamoDB unavailable). Crashes and poison bodies
  go on to the dead-letter queue after the queue's maxReceiveCount receives.

A job's fate is decided by its retries, never by SQS receive counts: a deferred message that has
already been received `RESEND_DEFERRED_FROM_RECEIVE` times is replaced by a fresh copy instead,
so repeated deferrals cannot push a good job into the dead-letter queue.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from jobqueue import clock, job_metrics
from jobqueue.job_metrics import JobMetrics
from jobqueue.models.job import Job, JobStatus
from jobqueue.queueing.publisher import JobPublisher
from jobqueue.registry import Registry, get_registry
from jobqueue.settings import get_settings
from jobqueue.store.jobs import JobStore
from jobqueue.tenancy.deferral import deferral_delay
from jobqueue.worker import claim, outcome, runner, slots
from jobqueue.worker.message import JobMessage, PoisonMessage, parse_message

logger = Logger(child=True)

# Stop starting records when less than this is left of the invocation: enough to write an
# outcome and answer the batch.
SAFETY_MARGIN_MS = 5_000
RESEND_DEFERRED_FROM_RECEIVE = 3
# Deferred records are made visible again at once instead of after the visibility timeout.
DEFERRED_VISIBILITY_SECONDS = 0
SLOT_WAIT_REASON = "waiting for a concurrency slot"
JOBS_DEFERRED = "JobsDeferred"

_RNG = random.Random()


class RecordDeferred(Exception):
    """The record was not started: too little time left in this invocation."""


@dataclass
class WorkerDeps:
    store: JobStore
    publisher: JobPublisher
    registry: Registry
    rng: random.Random

    @classmethod
    def default(cls) -> WorkerDeps:
        return cls(JobStore(), JobPublisher(), get_registry(), _RNG)


class Invocation:
    """Time bookkeeping of one Lambda invocation; reads the remaining time once per record."""

    def __init__(self, context: Any, margin_ms: int = SAFETY_MARGIN_MS):
        self._context = context
        self._margin_seconds = margin_ms / 1000
        self.started = 0
        self.deferred: list[SQSRecord] = []

    def budget_seconds(self) -> float:
        """Seconds that may still be spent on work (remaining time minus the safety margin)."""
        remaining = getattr(self._context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return math.inf
        return remaining() / 1000 - self._margin_seconds


def process_batch(event: dict[str, Any], context: Any, deps: WorkerDeps | None = None) -> dict[str, Any]:
    """Process an SQS event; returns the partial batch response (`batchItemFailures`)."""
    deps = deps or WorkerDeps.default()
    invocation = Invocation(context)
    # Deferring every record of a batch is not an error of the function: answer, don't raise.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> str:
        try:
            return handle_record(record, invocation, deps)
        except (RecordDeferred, PoisonMessage):
            raise
        except Exception:
            logger.exception("record crashed; SQS redelivers it", extra={"message_id": record.message_id})
            raise

    # Tenants take turns inside the batch: the records run one after the other, so one tenant's
    # many records must not put another tenant's job behind all of them.
    event = {**event, "Records": fair_order(event.get("Records", []))}
    response = process_partial_response(event, record_handler, processor, context)
    _make_visible(invocation.deferred, deps)
    logger.info(
        "batch done",
        extra={
            "records": len(event.get("Records", [])),
            "started": invocation.started,
            "deferred": len(invocation.deferred),
            "failed": len(response.get("batchItemFailures", [])),
        },
    )
    return dict(response)


def fair_order(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records round-robin by tenant (first come first within a tenant and among tenants):
    [a1, a2, a3, b1] -> [a1, b1, a2, a3]. Partial batch responses name message ids, so the
    order is free."""
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_tenant.setdefault(_tenant_of(record), []).append(record)
    if len(by_tenant) < 2:
        return list(records)
    ordered: list[dict[str, Any]] = []
    queues = list(by_tenant.values())
    for turn in range(max(len(q) for q in queues)):
        ordered += [q[turn] for q in queues if turn < len(q)]
    return ordered


def _tenant_of(record: dict[str, Any]) -> str:
    group = (record.get("attributes") or {}).get("MessageGroupId")
    if group:
        return str(group)
    try:
        return str(json.loads(record.get("body") or "").get("tenant_id", ""))
    except (ValueError, AttributeError):
        return ""


def handle_record(record: SQSRecord, invocation: Invocation, deps: WorkerDeps) -> str:
    """Process one record; returns what happened (for logs). Raises to have it redelivered."""
    budget = invocation.budget_seconds()
    deadline = time.monotonic() + budget
    if budget <= 0:
        return _defer(record, invocation, deps, "out of time before the record was started")
    try:
        message = parse_message(record.body)
    except PoisonMessage:
        logger.error("poison message", extra={"message_id": record.message_id})
        raise
    log = {"message_id": record.message_id, "job_id": message.job_id, "tenant_id": message.tenant_id}
    now = clock.now()
    job = deps.store.get(message.tenant_id, message.job_id)
    verdict = claim.check(job, message, now)
    if verdict.verdict is claim.Verdict.SKIP or job is None:
        logger.info(f"no-op: {verdict.reason}", extra=log)
        return f"skipped: {verdict.reason}"
    if verdict.verdict is claim.Verdict.NOT_DUE:
        deps.publisher.send(job, delay_seconds=verdict.delay_seconds)
        logger.info("not due yet: re-sent", extra={**log, "delay_seconds": verdict.delay_seconds})
        return "re-sent: not due"
    if invocation.started and budget < job.timeout_seconds:
        # It would not fit in what is left; a fresh invocation runs it with its full timeout.
        return _defer(record, invocation, deps, "the job's timeout does not fit in the time left")
    if not slots.acquire_slot(job):
        return _wait_for_slot(job, message, now, deps, log)
    claimed = claim.claim(deps.store, job, now)
    if claimed is None:
        slots.release_slot(job, requeued=True)
        logger.info("no-op: claim lost to a concurrent delivery", extra=log)
        return "skipped: claim lost"
    invocation.started += 1
    return _run_claimed(claimed, now, deadline, deps, log)


def _run_claimed(
    job: Job, claimed_at: datetime, deadline: float, deps: WorkerDeps, log: dict[str, Any]
) -> str:
    metrics = JobMetrics(job)
    metrics.queue_wait(claimed_at)
    try:
        # The job's own timeout, capped by what is left of this invocation.
        limit = max(0.1, min(float(job.timeout_seconds), deadline - time.monotonic()))
        result = runner.run(job, deps.registry, limit)
        recorded = outcome.record(job, result, deps.store, deps.publisher, metrics, clock.now(), deps.rng)
        if recorded is not None:
            # Released only when our write won: otherwise the sweeper recovered the job and
            # released its slot.
            slots.release_slot(job, requeued=recorded.status is JobStatus.QUEUED)
        status = recorded.status.value if recorded else "not recorded"
        logger.info(
            f"job attempt {job.attempts}: {result.kind.value} -> {status}",
            extra={**log, "attempt": job.attempts, "execution_ms": result.execution_ms},
        )
        return status
    finally:
        metrics.flush()


def _wait_for_slot(
    job: Job, message: JobMessage, now: datetime, deps: WorkerDeps, log: dict[str, Any]
) -> str:
    """The tenant is at its concurrency limit: the job stays queued and comes back later in a NEW
    message (`deferrals + 1`, DelaySeconds growing to 60 s), so its receive count starts again at
    0 and no limit ever pushes it toward the dead-letter queue; its retry budget is untouched.
    The received message is acknowledged (deleted by Lambda) once the new one is sent; a failed
    send reports the record as failed instead. docs/tenancy.md, "Waiting for a slot"."""
    delay = deferral_delay(message.deferrals, deps.rng)
    grace = get_settings().dispatch_grace_seconds
    # Push the sweeper's dispatch check past the wait, or it re-sends the job meanwhile.
    waiting = deps.store.transition(
        job.tenant_id,
        job.id,
        [JobStatus.QUEUED],
        {"status_reason": SLOT_WAIT_REASON},
        sweep_at=now + timedelta(seconds=delay + grace),
        condition=("#slot_att = :slot_att", {"#slot_att": "attempts"}, {":slot_att": job.attempts}),
    )
    if waiting is None:
        logger.info("no-op: the job moved on while waiting for a slot", extra=log)
        return "skipped: job moved on"
    deps.publisher.send(waiting, delay_seconds=delay, deferrals=message.deferrals + 1)
    job_metrics.emit(waiting, JOBS_DEFERRED)
    logger.info(
        "deferred: tenant at its concurrency limit",
        extra={**log, "deferrals": message.deferrals + 1, "delay_seconds": delay},
    )
    return "deferred: tenant at its concurrency limit"


def _defer(record: SQSRecord, invocation: Invocation, deps: WorkerDeps, why: str) -> str:
    receives = int(record.attributes.approximate_receive_count or 1)
    if receives >= RESEND_DEFERRED_FROM_RECEIVE:
        try:
            _send_copy(record, deps)
            logger.info("deferred: re-sent as a fresh message", extra={"message_id": record.message_id})
            return "deferred: re-sent"
        except Exception:
            logger.exception("deferred record not re-sent", extra={"message_id": record.message_id})
    invocation.deferred.append(record)
    raise RecordDeferred(why)


def _send_copy(record: SQSRecord, deps: WorkerDeps) -> None:
    params: dict[str, Any] = {"QueueUrl": record.queue_url, "MessageBody": record.body}
    if record.attributes.message_group_id:
        params["MessageGroupId"] = record.attributes.message_group_id
    deps.publisher.sqs.send_message(**params)


def _make_visible(records: list[SQSRecord], deps: WorkerDeps) -> None:
    """Best effort: deferred messages go back to the queue now, not after the visibility timeout."""
    by_queue: dict[str, list[SQSRecord]] = defaultdict(list)
    for record in records:
        by_queue[record.queue_url].append(record)
    for url, group in by_queue.items():
        for start in range(0, len(group), 10):
            entries = [
                {
                    "Id": str(i),
                    "ReceiptHandle": r.receipt_handle,
                    "VisibilityTimeout": DEFERRED_VISIBILITY_SECONDS,
                }
                for i, r in enumerate(group[start : start + 10])
            ]
            try:
                deps.publisher.sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
            except Exception:
                logger.warning("could not release deferred messages early", exc_info=True)
