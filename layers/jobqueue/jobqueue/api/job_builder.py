"""A Job from a submission: the handler's rules, the tenant's limits, and the derived type.

Pure: no call outside the process, so every refusal (403/413/422) happens before anything is
written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from jobqueue.cron.dialect import next_run, validate_timezone
from jobqueue.cron.scheduler import validate_cron
from jobqueue.dependencies import validate_depends_on
from jobqueue.errors import JobTypeNotAllowed, NotFound, PayloadTooLarge, ValidationFailed
from jobqueue.ids import ulid
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS
from jobqueue.models.job import Category, Job, JobStatus, JobType, RetryPolicy, WaitingOn
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.registry import HandlerSpec, Registry
from jobqueue.settings import get_settings

MAX_AHEAD = timedelta(days=365)
# A run_at this little in the past is a clock skew or a slow request, not a mistake: it runs now.
RUN_AT_PAST_TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Timing:
    """When a submission runs: `scheduled_for` for a one-shot, the cron fields for a recurring job."""

    scheduled_for: datetime | None = None
    cron: str | None = None
    timezone: str | None = None
    next_run_at: datetime | None = None

    @property
    def recurring(self) -> bool:
        return self.cron is not None


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
    registry: Registry,
    tenant: Tenant,
    submission: JobSubmission,
    now: datetime,
    idempotency_key: str | None = None,
) -> Job:
    """A Job from a submission, or a 403/413/422 domain error. Writes nothing."""
    spec = _handler(registry, submission.handler)
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
    parsed = _validate_payload(spec, submission.payload)
    job_type = derive_type(spec.category, submission)
    timing = _timing(tenant, submission, now)
    depends_on = validate_depends_on(submission.depends_on)
    if depends_on and submission.cron is not None:
        raise ValidationFailed(
            "a recurring job cannot depend on other jobs", {"depends_on": "not allowed with cron"}
        )
    if job_type not in spec.job_types:
        raise ValidationFailed(
            f"handler {spec.name} does not run {job_type.value} jobs", {"handler": "job type not supported"}
        )
    if timing.recurring:
        waiting_on: WaitingOn | None = WaitingOn.SCHEDULE
    elif depends_on:
        waiting_on = WaitingOn.DEPENDENCIES
    elif timing.scheduled_for is not None and timing.scheduled_for > now:
        waiting_on = WaitingOn.TIME
    else:
        waiting_on = None
    return Job(
        id=ulid(now),
        tenant_id=tenant.tenant_id,
        type=job_type,
        handler=spec.name,
        category=spec.category,
        payload=submission.payload,
        priority=submission.priority or limits.default_job_priority,
        status=JobStatus.QUEUED if waiting_on is None else JobStatus.PENDING,
        waiting_on=waiting_on,
        max_retries=submission.max_retries,
        retry=submission.retry or RetryPolicy(),
        timeout_seconds=min(
            submission.timeout_seconds or _default_timeout(spec, parsed),
            limits.max_job_duration_seconds,
            get_settings().max_job_timeout_seconds,  # the worker's timeout minus a margin
        ),
        created_at=now,
        updated_at=now,
        scheduled_for=timing.scheduled_for,
        cron=timing.cron,
        timezone=timing.timezone,
        next_run_at=timing.next_run_at,
        max_runs=submission.max_runs if timing.recurring else None,
        end_at=submission.end_at if timing.recurring else None,
        enabled=True if timing.recurring else None,
        depends_on=depends_on,
        callback_url=submission.callback_url,
        metadata=submission.metadata,
        tier=tenant.tier,
        idempotency_key=idempotency_key,
    )


def _timing(tenant: Tenant, submission: JobSubmission, now: datetime) -> Timing:
    """Validate the when-fields (`delay_seconds`, `run_at`, `cron` + `timezone`/`max_runs`/
    `end_at`) and the `scheduled` category they need.

    `run_at` and `cron` always need `scheduled` allowed; `delay_seconds` only beyond 900 s (a
    short delay is an SQS delay like a retry backoff; a longer one uses EventBridge Scheduler).
    """
    delay = submission.delay_seconds or 0
    if submission.cron is not None or submission.run_at is not None or delay > MAX_QUEUE_DELAY_SECONDS:
        _require_scheduled(tenant, submission)
    if submission.cron is not None:
        expression = validate_cron(submission.cron)
        zone = validate_timezone(submission.timezone)
        if submission.end_at is not None and submission.end_at <= now:
            raise ValidationFailed("end_at is in the past", {"end_at": "must be in the future"})
        first = next_run(expression, zone, now)
        if first is None or (submission.end_at is not None and first > submission.end_at):
            raise ValidationFailed(
                "the cron expression never fires before end_at", {"end_at": "no run before it"}
            )
        return Timing(cron=expression, timezone=zone, next_run_at=first)
    if submission.run_at is not None:
        run_at = submission.run_at.astimezone(UTC)
        if run_at < now - RUN_AT_PAST_TOLERANCE:
            raise ValidationFailed("run_at is in the past", {"run_at": "must not be in the past"})
        if run_at > now + MAX_AHEAD:
            raise ValidationFailed("run_at is more than a year ahead", {"run_at": "at most 365 days ahead"})
        return Timing(scheduled_for=max(run_at, now))
    return Timing(scheduled_for=now + timedelta(seconds=delay) if delay else None)


def _require_scheduled(tenant: Tenant, submission: JobSubmission) -> None:
    allowed = tenant.limits.allowed_job_types
    if Category.SCHEDULED not in allowed:
        raise JobTypeNotAllowed(
            "scheduled jobs (run_at, cron, delays over 900 s) are not allowed for this tenant",
            {"handler": submission.handler, "category": Category.SCHEDULED.value, "allowed": allowed},
        )


def _handler(registry: Registry, name: str) -> HandlerSpec:
    try:
        return registry.get(name)
    except NotFound:
        raise ValidationFailed(f"no handler named {name!r}", {"handler": "unknown handler"}) from None


def _validate_payload(spec: HandlerSpec, payload: dict[str, Any]) -> Any:
    """The payload as the handler's model, or a 422 naming each bad field."""
    try:
        return spec.payload_model.model_validate(payload)
    except ValidationError as error:
        details = {".".join(["payload", *(str(p) for p in e["loc"])]): e["msg"] for e in error.errors()}
        raise ValidationFailed(f"payload does not match handler {spec.name}", details) from None


def _default_timeout(spec: HandlerSpec, payload: Any) -> int:
    """The handler's estimate for this payload, else its default; an estimate that fails is
    the handler's bug, answered as a 422 naming the payload."""
    try:
        return spec.default_timeout_for(payload)
    except Exception as error:
        raise ValidationFailed(
            f"handler {spec.name} could not estimate this payload's duration",
            {"payload": f"{type(error).__name__}: {error}"[:300]},
        ) from None
