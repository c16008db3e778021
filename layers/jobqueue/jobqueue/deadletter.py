"""The dead-letter queue: messages SQS gave up on after maxReceiveCount receives (the worker
crashed on them every time). Their jobs are settled as `failed`, so nothing stays queued forever
behind a message that no longer exists.

A job is failed only when the message is its current one (the message's attempt is not older
than the job's) and the job is still waiting. A processing job's message is always older than
the job (the claim counted the attempt): the lease sweeper decides that job's fate by its
retries. Terminal jobs are left alone. A job failed here leaves the waiting state: its tenant's
waiting place is given back after the winning conditional write only. A body that is not a job message is logged and dropped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from jobqueue import clock, job_metrics
from jobqueue.models.job import JobResult, JobStatus
from jobqueue.store.jobs import JobStore
from jobqueue.tenancy import waiting
from jobqueue.worker.message import PoisonMessage, parse_message

logger = Logger(child=True)

_WAITING = (JobStatus.PENDING, JobStatus.QUEUED)


def process_dead_letters(
    event: dict[str, Any], context: Any, store: JobStore | None = None
) -> dict[str, Any]:
    """Settle the jobs of a batch of dead-lettered messages; returns the partial batch response."""
    store = store or JobStore()
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> str:
        return settle(record, store)

    return dict(process_partial_response(event, record_handler, processor, context))


def settle(record: SQSRecord, store: JobStore) -> str:
    """Fail the job of one dead-lettered message if it is still waiting for it; returns what happened."""
    try:
        message = parse_message(record.body)
    except PoisonMessage as error:
        logger.error(
            "dead-lettered message is not a job message: dropped",
            extra={"message_id": record.message_id, "error": str(error)},
        )
        return "dropped: not a job message"
    log = {"message_id": record.message_id, "job_id": message.job_id, "tenant_id": message.tenant_id}
    job = store.get(message.tenant_id, message.job_id)
    if job is None:
        logger.warning("dead-lettered message of a missing job: dropped", extra=log)
        return "dropped: no such job"
    if job.status not in _WAITING or message.attempt < job.attempts:
        logger.info(f"dead-lettered message left alone: job is {job.status.value}", extra=log)
        return f"left alone: {job.status.value}"
    source = (record.attributes.dead_letter_queue_source_arn or "").rpartition(":")[2] or "its queue"
    reason = f"message dead-lettered: {source} gave up on it after its maximum receives (the worker crashed)"
    now = clock.now()
    failed = store.transition(
        job.tenant_id,
        job.id,
        [job.status],
        {
            "status": JobStatus.FAILED,
            "completed_at": now,
            "status_reason": reason,
            "last_result": JobResult(success=False, error_type="DeadLetter", error_message=reason),
        },
        clear_sweep=True,
        condition=("#dl_att = :dl_att", {"#dl_att": "attempts"}, {":dl_att": job.attempts}),
    )
    if failed is None:
        logger.info("dead-lettered message: the job moved on meanwhile", extra=log)
        return "left alone: job moved on"
    # The job left the waiting state by our winning write: give its waiting place back, once.
    waiting.left_waiting(failed)
    job_metrics.emit(failed, job_metrics.FAILED)
    logger.warning(reason, extra=log)
    return "failed"
