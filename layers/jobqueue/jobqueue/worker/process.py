"""One SQS batch: for each record, parse -> claim -> run -> record, with partial batch responses.

Whether a record is reported as a batch item failure (and so comes back from SQS) follows one
rule: only when nothing was decided about its job.

- success (acknowledged): the job ran and its outcome is written; or the message was a no-op
  (duplicate, stale, cancelled, missing job); or it was re-sent (early, deferred too often, or
  waiting for a tenant slot: `jobqueue.worker.waits`).
- failure (redelivered): the invocation ran short of time before the record was started
  (deferred: the job is not touched, so its retry budget is not spent); the body is not a job
  message (poison); something crashed (a bug, DynamoDB unavailable). Crashes and poison bodies
  go on to the dead-letter queue after the queue's maxReceiveCount receives.

A job's fate is decided by its retries, never by SQS receive counts.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from jobqueue.errors import NotFound
from jobqueue.job_metrics import JobMetrics
from jobqueue.messages import Delivery, JobMessage, PoisonMessage, parse_message
from jobqueue.models.job import WAITING_STATUSES, Job
from jobqueue.ports import Ports
from jobqueue.registry import Registry
from jobqueue.settings import get_settings
from jobqueue.tenancy.slots import give_slot, slot_limit, take_slot
from jobqueue.worker import claim, results, runner
from jobqueue.worker.prefetch import Prefetched, prefetch
from jobqueue.worker.side_by_side import RunGate, process_side_by_side
from jobqueue.worker.waits import RecordDeferred, defer, delivery_of, wait_for_slot, wait_while_suspended

logger = Logger(child=True)

# Stop starting records when less than this is left of the invocation: enough to write an
# outcome and answer the batch.
SAFETY_MARGIN_MS = 5_000

_RNG = random.Random()


class Invocation:
    """One Lambda invocation: its time budget, what it started and what it handed back (shared
    by the record threads), the jobs of its records read in one call, and the gate of its
    `run_alone` jobs."""

    def __init__(self, context: Any, prefetched: Prefetched, margin_ms: int = SAFETY_MARGIN_MS):
        self._context = context
        self.prefetched = prefetched
        self._margin_seconds = margin_ms / 1000
        self._lock = threading.Lock()
        self.started = 0
        self.deferred: list[Delivery] = []
        self.gate = RunGate()

    def note_started(self) -> None:
        with self._lock:
            self.started += 1

    def budget_seconds(self) -> float:
        """Seconds that may still be spent on work (remaining time minus the safety margin)."""
        remaining = getattr(self._context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return math.inf
        return remaining() / 1000 - self._margin_seconds


def process_batch(
    event: dict[str, Any],
    context: Any,
    ports: Ports,
    registry: Registry,
    rng: random.Random = _RNG,
    threads: int | None = None,
) -> dict[str, Any]:
    """Process an SQS event, up to `threads` records side by side (default the deployment's
    `WORKER_RECORD_CONCURRENCY`); returns the partial batch response (`batchItemFailures`)."""
    # Tenants take turns inside the batch: with more records than threads, one tenant's many
    # records must not put another tenant's job behind all of them.
    event = {**event, "Records": fair_order(event.get("Records", []))}
    repeats = repeated_deliveries(event["Records"])
    invocation = Invocation(context, prefetch(ports.jobs, event["Records"], skip=repeats))

    def record_handler(record: SQSRecord) -> str:
        if record.message_id in repeats:
            logger.info(
                "no-op: the same job and attempt as another record of the batch",
                extra={"message_id": record.message_id},
            )
            return "skipped: a repeat in the batch"
        try:
            return handle_record(record, invocation, ports, registry, rng)
        except (RecordDeferred, PoisonMessage):
            raise
        except Exception:
            logger.exception("record crashed; SQS redelivers it", extra={"message_id": record.message_id})
            raise

    width = threads if threads is not None else get_settings().worker_record_concurrency
    response = process_side_by_side(event, record_handler, width, context)
    if invocation.deferred:
        ports.queue.redeliver_now(invocation.deferred)
    logger.info(
        "batch done",
        extra={
            "records": len(event.get("Records", [])),
            "threads": width,
            "started": invocation.started,
            "deferred": len(invocation.deferred),
            "failed": len(response.get("batchItemFailures", [])),
        },
    )
    return response


def repeated_deliveries(records: list[dict[str, Any]]) -> set[str]:
    """The message ids of the records that name the same job and attempt as an earlier record
    of the batch (SQS delivers at least once): acknowledged without running, so two threads never
    race for one job's slot and claim (the loser's give-back could then count a waiting place
    twice). Bodies that do not parse are left to the record handler."""
    seen: set[tuple[str, str, int]] = set()
    repeats: set[str] = set()
    for record in records:
        try:
            message = parse_message(record.get("body"))
        except PoisonMessage:
            continue
        key = (message.tenant_id, message.job_id, message.attempt)
        if key in seen:
            repeats.add(str(record.get("messageId")))
        seen.add(key)
    return repeats


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


def handle_record(
    record: SQSRecord, invocation: Invocation, ports: Ports, registry: Registry, rng: random.Random
) -> str:
    """Process one record; returns what happened (for logs). Raises to have it redelivered."""
    try:
        message = parse_message(record.body)
    except PoisonMessage:
        logger.error("poison message", extra={"message_id": record.message_id})
        raise
    log = {"message_id": record.message_id, "job_id": message.job_id, "tenant_id": message.tenant_id}
    job = invocation.prefetched.job_of(message)
    verdict = claim.check(job, message, ports.clock.now())
    if verdict.verdict is claim.Verdict.SKIP or job is None:
        logger.info(f"no-op: {verdict.reason}", extra=log)
        return f"skipped: {verdict.reason}"
    if verdict.verdict is claim.Verdict.NOT_DUE:
        ports.queue.send(job, delay_seconds=verdict.delay_seconds)
        logger.info("not due yet: re-sent", extra={**log, "delay_seconds": verdict.delay_seconds})
        return "re-sent: not due"
    with invocation.gate.hold(_runs_alone(registry, job)):
        return _start(record, job, message, invocation, ports, registry, rng, log)


def _runs_alone(registry: Registry, job: Job) -> bool:
    try:
        return registry.get(job.handler).run_alone
    except NotFound:  # recorded as invalid by the runner, beside the others
        return False


def _start(
    record: SQSRecord,
    job: Job,
    message: JobMessage,
    invocation: Invocation,
    ports: Ports,
    registry: Registry,
    rng: random.Random,
    log: dict[str, Any],
) -> str:
    """Take a slot, claim, run: or hand the record back when the time left is too short."""
    budget = invocation.budget_seconds()  # read here: a job to run alone may have waited its turn
    deadline = time.monotonic() + budget
    if budget <= 0:
        return defer(
            ports, delivery_of(record), invocation.deferred, "out of time before the record was started"
        )
    if invocation.started and budget < job.timeout_seconds:
        # It would not fit in what is left; a fresh invocation runs it with its full timeout.
        why = "the job's timeout does not fit in the time left"
        return defer(ports, delivery_of(record), invocation.deferred, why)
    now = ports.clock.now()
    tenant = ports.tenants.get(job.tenant_id)  # cached a few seconds
    if tenant is not None and tenant.suspended:
        return wait_while_suspended(ports, job, log)
    if not take_slot(ports.counters, ports.tenants, job, tenant):
        return wait_for_slot(ports, job, message, now, rng, log, slot_limit(ports.tenants, job, tenant))
    claimed = claim.claim(ports.jobs, job, now)
    if claimed is None:
        give_slot(ports.counters, job, requeued=True)
        logger.info("no-op: claim lost to a concurrent delivery", extra=log)
        return "skipped: claim lost"
    invocation.note_started()
    return _run_claimed(claimed, now, deadline, ports, registry, rng, log)


def _run_claimed(
    job: Job,
    claimed_at: datetime,
    deadline: float,
    ports: Ports,
    registry: Registry,
    rng: random.Random,
    log: dict[str, Any],
) -> str:
    metrics = JobMetrics(job)
    metrics.queue_wait(claimed_at)
    try:
        # The job's own timeout, capped by what is left of this invocation.
        limit = max(0.1, min(float(job.timeout_seconds), deadline - time.monotonic()))
        result = runner.run(job, registry, limit)
        recorded = results.record(job, result, ports.jobs, ports.queue, metrics, ports.clock.now(), rng)
        if recorded is not None:
            # Given back only when our write won: otherwise the sweeper recovered the job and
            # gave its slot back.
            give_slot(ports.counters, job, requeued=recorded.status in WAITING_STATUSES)
        status = recorded.status.value if recorded else "not recorded"
        logger.info(
            f"job attempt {job.attempts}: {result.kind.value} -> {status}",
            extra={**log, "attempt": job.attempts, "execution_ms": result.execution_ms},
        )
        return status
    finally:
        metrics.flush()
