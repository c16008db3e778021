"""The dead-letter queue: messages SQS gave up on after maxReceiveCount receives (the worker
crashed on them every time). Their jobs are failed, so nothing stays queued forever behind a
message that no longer exists.

A job is failed only when the message is its current one (the message's attempt is not older
than the job's) and the job is still waiting. A processing job's message is always older than
the job (the claim counted the attempt): the lease sweeper decides that job's fate by its
retries. Terminal jobs are left alone. A job failed here leaves the waiting jobs: its tenant's
waiting place is given back after the winning conditional write only. A body that is not a job
message is logged and dropped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from jobqueue import job_metrics
from jobqueue.messages import PoisonMessage, parse_message
from jobqueue.models.job import JobResult, JobStatus
from jobqueue.ports import Guard, Ports
from jobqueue.tenancy.waiting import give_back_place

logger = Logger(child=True)

_WAITING = (JobStatus.PENDING, JobStatus.QUEUED)


def process_dead_letters(event: dict[str, Any], context: Any, ports: Ports) -> dict[str, Any]:
    """Fail the jobs of a batch of dead-lettered messages; returns the partial batch response."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> str:
        return fail_dead_lettered(ports, record)

    return dict(process_partial_response(event, record_handler, processor, context))


def fail_dead_lettered(ports: Ports, record: SQSRecord) -> str:
    """Fail the job of one dead-lettered message if it still waits for it; returns what happened."""
    try:
        message = parse_message(record.body)
    except PoisonMessage as error:
        logger.error(
            "dead-lettered message is not a job message: dropped",
            extra={"message_id": record.message_id, "error": str(error)},
        )
        return "dropped: not a job message"
    log = {"message_id": record.message_id, "job_id": message.job_id, "tenant_id": message.tenant_id}
    job = ports.jobs.get(message.tenant_id, message.job_id)
    if job is None:
        logger.warning("dead-lettered message of a missing job: dropped", extra=log)
        return "dropped: no such job"
    if job.status not in _WAITING or message.attempt < job.attempts:
        logger.info(f"dead-lettered message left alone: job is {job.status.value}", extra=log)
        return f"left alone: {job.status.value}"
    source = (record.attributes.dead_letter_queue_source_arn or "").rpartition(":")[2] or "its queue"
    reason = f"message dead-lettered: {source} gave up on it after its maximum receives (the worker crashed)"
    failed = ports.jobs.transition(
        job.tenant_id,
        job.id,
        [job.status],
        {
            "status": JobStatus.FAILED,
            "completed_at": ports.clock.now(),
            "status_reason": reason,
            "last_result": JobResult(success=False, error_type="DeadLetter", error_message=reason),
        },
        clear_sweep=True,
        guard=Guard(attempts=job.attempts),
    )
    if failed is None:
        logger.info("dead-lettered message: the job moved on meanwhile", extra=log)
        return "left alone: job moved on"
    # The job left the waiting state by our winning write: give its waiting place back, once.
    give_back_place(ports.counters, failed)
    job_metrics.emit(failed, job_metrics.FAILED)
    logger.warning(reason, extra=log)
    return "failed"
