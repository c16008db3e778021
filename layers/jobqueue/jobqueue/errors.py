"""Domain exceptions. Each carries the HTTP status and error code the API answers with."""

from __future__ import annotations

from typing import Any


class JobQueueError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class BadRequest(JobQueueError):
    status = 400
    code = "bad_request"


class Unauthorized(JobQueueError):
    status = 401
    code = "unauthorized"


class Forbidden(JobQueueError):
    status = 403
    code = "forbidden"


class JobTypeNotAllowed(Forbidden):
    code = "job_type_not_allowed"


class NotFound(JobQueueError):
    status = 404
    code = "not_found"


class InvalidState(JobQueueError):
    status = 409
    code = "invalid_state"


class IdempotencyConflict(JobQueueError):
    status = 409
    code = "idempotency_conflict"


class PayloadTooLarge(JobQueueError):
    status = 413
    code = "payload_too_large"


class ValidationFailed(JobQueueError):
    status = 422
    code = "validation_error"


class TenantLimitExceeded(JobQueueError):
    status = 429
    code = "tenant_limit_exceeded"

    def __init__(self, limit_type: str, current: int, limit: int, retry_after: int | None = None):
        super().__init__(
            f"tenant limit {limit_type} reached ({current}/{limit})",
            {"limit_type": limit_type, "current": current, "limit": limit},
        )
        self.retry_after = retry_after


class ServiceUnavailable(JobQueueError):
    """A dependency (EventBridge Scheduler, DynamoDB) failed and nothing was accepted: retry."""

    status = 503
    code = "service_unavailable"


class HandlerError(Exception):
    """Raised by a job handler. `retryable=False` fails the job at once."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class NonRetryableError(HandlerError):
    def __init__(self, message: str):
        super().__init__(message, retryable=False)


class PublishError(Exception):
    """Some messages were not accepted by the queue; their jobs stay queued for the sweeper."""

    def __init__(self, job_ids: list[str]):
        super().__init__(f"{len(job_ids)} message(s) not sent")
        self.job_ids = job_ids
