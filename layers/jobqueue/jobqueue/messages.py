"""The queue message of a job, and a message as a worker received it.

Body: `{"job_id": ..., "tenant_id": ..., "attempt": n}`, plus `"deferrals": k` on a message
re-sent because the tenant had no free running slot. The body names a job and the attempt it
was sent for; nothing else in it is trusted: the job record decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jobqueue.models.job import Job, JobStatus, WaitingOn

# The longest a queue holds a message back (SQS DelaySeconds): a job due later waits `pending`
# for an EventBridge Scheduler one-shot instead.
MAX_QUEUE_DELAY_SECONDS = 900


class PoisonMessage(ValueError):
    """The body is not a job message: a bug or a stranger on the queue."""


class JobMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    job_id: str = Field(min_length=1, max_length=128)
    tenant_id: str = Field(min_length=1, max_length=128)
    attempt: int = Field(ge=0)
    deferrals: int = Field(default=0, ge=0)


def message_body(job: Job, deferrals: int = 0) -> str:
    """The message of a job; `deferrals` counts re-sends of a job that waited for a tenant
    concurrency slot."""
    body: dict[str, object] = {"job_id": job.id, "tenant_id": job.tenant_id, "attempt": job.attempts}
    if deferrals:
        body["deferrals"] = deferrals
    return json.dumps(body)


def parse_message(body: str | None) -> JobMessage:
    """Parse and validate a message body.

    Raises:
        PoisonMessage: when the body is not JSON or lacks the job id, tenant id or attempt.
    """
    try:
        data = json.loads(body or "")
        return JobMessage.model_validate(data)
    except (ValueError, TypeError, ValidationError) as error:
        raise PoisonMessage(f"not a job message: {str(error)[:200]}") from error


def sent_at_once(job: Job, now: datetime) -> bool:
    """Whether a job's message goes out when it is written: a queued job, or one pending for a
    time the queue can hold its message until (the rest wait for a schedule or a release)."""
    if job.status is JobStatus.QUEUED:
        return True
    near = job.scheduled_for is not None and job.scheduled_for <= now + timedelta(
        seconds=MAX_QUEUE_DELAY_SECONDS
    )
    return job.status is JobStatus.PENDING and job.waiting_on is WaitingOn.TIME and near


@dataclass(frozen=True)
class Delivery:
    """One received message (an SQS record): what is needed to send it again or return it."""

    message_id: str
    queue_url: str
    receipt_handle: str
    body: str
    group_id: str | None = None
    receive_count: int = 1
