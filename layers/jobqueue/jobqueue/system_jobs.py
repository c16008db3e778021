"""Jobs the service itself puts in a tenant's queue (a finished job's callback, an alert's
webhook), so they get the queue's retries and appear in the tenant's job list. They take a
waiting place without the tenant's limit (they come from jobs it ran) and count against no
daily quota. Their ids are derived from what they deliver: a repeat writes nothing."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.deadlines import dispatch_check_at
from jobqueue.models.job import Category, Job, JobStatus, JobType, Priority, RetryPolicy
from jobqueue.ports import Ports

logger = Logger(child=True)

DELIVERY_RETRIES = 8
DELIVERY_RETRY = RetryPolicy(base_seconds=5, max_seconds=600)  # 5 s .. 10 min, about an hour in all


def delivery_job(
    job_id: str, tenant_id: str, tier: int, handler: str, payload: dict[str, Any], now: datetime
) -> Job:
    return Job(
        id=job_id,
        tenant_id=tenant_id,
        type=JobType.NOTIFICATION,
        handler=handler,
        category=Category.NOTIFICATION,
        payload=payload,
        priority=Priority.HIGH,
        status=JobStatus.QUEUED,
        max_retries=DELIVERY_RETRIES,
        retry=DELIVERY_RETRY,
        timeout_seconds=30,
        created_at=now,
        updated_at=now,
        tier=tier,
    )


def enqueue(ports: Ports, job: Job) -> bool:
    """Write and send a service job; False when it was written before (nothing done then).
    A send that fails is left to the sweeper, as for any queued job."""
    ports.counters.reserve_waiting(job.tenant_id, 1, sys.maxsize)
    try:
        created = ports.jobs.create(job, sweep_at=dispatch_check_at(job, ports.clock.now()))
    except BaseException:
        ports.counters.release_waiting(job.tenant_id)
        raise
    if not created:
        ports.counters.release_waiting(job.tenant_id)
        return False
    try:
        ports.queue.send(job)
    except Exception:
        logger.exception("send failed; the sweeper will re-send it", extra={"job_id": job.id})
    return True
