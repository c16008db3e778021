"""A Job from a submission: the handler's rules, the tenant's limits, and the derived type.

Pure apart from the handler registry: no AWS call, so every refusal (403/413/422) happens
before anything is written.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from jobqueue.errors import JobTypeNotAllowed, NotFound, PayloadTooLarge, ValidationFailed
from jobqueue.ids import ulid
from jobqueue.models.job import Category, Job, JobStatus, JobType, RetryPolicy
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.registry import HandlerSpec, get_registry

NOT_YET = "scheduling not available yet"


def derive_type(category: Category, submission: JobSubmission) -> JobType:
    """recurring (cron) > scheduled (run_at) > notification (category) > delayed > immediate."""
    if submission.cron is not None:
        return JobType.RECURRING
    if submission.run_at is not None:
        return JobType.SCHEDULED
    if category is Category.NOTIFICATION:
        return JobType.NOTIFICATION
    if submission.delay_seconds:
        return JobType.DELAYED
    return JobType.IMMEDIATE


def payload_size(payload: dict[str, Any]) -> int:
    """Bytes of the payload's compact JSON, as stored."""
    return len(json.dumps(payload, separators=(",", ":")).encode())


def build_job(
    tenant: Tenant, submission: JobSubmission, now: datetime, idempotency_key: str | None = None
) -> Job:
    """A queued Job from a submission, or a 403/413/422 domain error. Writes nothing."""
    spec = _handler(submission.handler)
    limits = tenant.limits
    if spec.category not in limits.allowed_job_types:
        raise JobTypeNotAllowed(
            f"job category {spec.category.value} is not allowed for this tenant",
            {"handler": spec.name, "category": spec.category.value, "allowed": limits.allowed_job_types},
        )
    size = payload_size(submission.payload)
    if size > limits.max_job_payload_size:
        raise PayloadTooLarge(
            f"payload is {size} bytes, the limit is {limits.max_job_payload_size}",
            {"size": size, "limit": limits.max_job_payload_size},
        )
    _validate_payload(spec, submission.payload)
    job_type = derive_type(spec.category, submission)
    if submission.cron is not None or submission.run_at is not None:
        field = "cron" if submission.cron is not None else "run_at"
        raise ValidationFailed(NOT_YET, {field: NOT_YET})
    if submission.depends_on:
        raise ValidationFailed("dependencies not available yet", {"depends_on": "not available yet"})
    if job_type not in spec.job_types:
        raise ValidationFailed(
            f"handler {spec.name} does not run {job_type.value} jobs", {"handler": "job type not supported"}
        )
    delay = submission.delay_seconds or 0
    return Job(
        id=ulid(now),
        tenant_id=tenant.tenant_id,
        type=job_type,
        handler=spec.name,
        category=spec.category,
        payload=submission.payload,
        priority=submission.priority or limits.default_job_priority,
        status=JobStatus.QUEUED,
        max_retries=submission.max_retries,
        retry=submission.retry or RetryPolicy(),
        timeout_seconds=min(
            submission.timeout_seconds or spec.default_timeout_seconds, limits.max_job_duration_seconds
        ),
        created_at=now,
        updated_at=now,
        scheduled_for=now + timedelta(seconds=delay) if delay else None,
        callback_url=submission.callback_url,
        metadata=submission.metadata,
        tier=tenant.tier,
        idempotency_key=idempotency_key,
    )


def _handler(name: str) -> HandlerSpec:
    try:
        return get_registry().get(name)
    except NotFound:
        raise ValidationFailed(f"no handler named {name!r}", {"handler": "unknown handler"}) from None


def _validate_payload(spec: HandlerSpec, payload: dict[str, Any]) -> None:
    try:
        spec.payload_model.model_validate(payload)
    except ValidationError as error:
        details = {".".join(["payload", *(str(p) for p in e["loc"])]): e["msg"] for e in error.errors()}
        raise ValidationFailed(f"payload does not match handler {spec.name}", details) from None
