"""The errors a client raises: `ApiError` and its subclasses for the API's answers, and the
client's own (`ConnectionError`, `WaitTimeout`, `ConfigurationError`).

Every API error answer is `{"error": {"code", "message", "details"}}`; API Gateway's own 401 and
404 are `{"message": ...}`. `error_for` picks the most specific class by code, then by status.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any


class JobqError(Exception):
    """Base class of every error this package raises."""


class ConfigurationError(JobqError, ValueError):
    """No API URL or no API key: neither given nor in `JOBQ_URL` / `JOBQ_API_KEY`."""


class ConnectionError(JobqError, builtins.ConnectionError):
    """The API could not be reached (refused, reset, timed out), after the retries.

    Also a builtin `ConnectionError`, so `except ConnectionError` catches it either way.
    """


class WaitTimeout(JobqError, TimeoutError):
    """`wait()` or `wait_all()` reached its deadline before the jobs reached a terminal status.

    Attributes:
        jobs: the unfinished jobs as last read (a job never read is left out).
        job: the first of them, or None.
    """

    def __init__(self, message: str, jobs: Iterable[Any] = ()):
        super().__init__(message)
        self.jobs = [job for job in jobs if job is not None]
        self.job = self.jobs[0] if self.jobs else None


class ApiError(JobqError):
    """An error answer of the API.

    Attributes:
        status: the HTTP status.
        code: the error code (`not_found`, `validation_error`, ...).
        message: the API's message.
        details: the API's details (field paths, limits, the job's status, ...).
    """

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class BadRequest(ApiError):
    """400: a body that is not JSON, a malformed cursor."""


class Unauthorized(ApiError):
    """401: no API key, or a wrong one."""


class Forbidden(ApiError):
    """403: the wrong role for the route, or a job category the tenant may not use."""


class JobTypeNotAllowed(Forbidden):
    """403 `job_type_not_allowed`: the handler's category is not in `allowed_job_types`."""


class NotFound(ApiError):
    """404: no such job, tenant, alert or route (for this caller)."""


class Conflict(ApiError):
    """409: a state change not allowed now, or a reused Idempotency-Key."""


class InvalidState(Conflict):
    """409 `invalid_state`: cancel/retry/pause not allowed from the job's status."""


class IdempotencyConflict(Conflict):
    """409 `idempotency_conflict`: the key was used with another body, or is still running."""


class PayloadTooLarge(ApiError):
    """413: the payload is over the tenant's `max_job_payload_size`."""


class UnsupportedMediaType(ApiError):
    """415: a body that is not application/json."""


class InvalidRequest(ApiError):
    """422 `validation_error`: `details` maps each field path to its message."""


class RateLimited(ApiError):
    """429: a tenant limit; `retry_after` is the `Retry-After` header in seconds, if any.

    Attributes:
        retry_after: seconds until the limit resets (the daily limit: the next UTC midnight).
        limit_type: `max_queued_jobs` or `max_daily_jobs` when the API says which.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(status, code, message, details)
        self.retry_after = retry_after
        self.limit_type = self.details.get("limit_type")


class ServerError(ApiError):
    """5xx: an API bug (500) or a dependency that refused (503); worth retrying later."""


class ServiceUnavailable(ServerError):
    """503 `service_unavailable`: nothing was accepted; retry."""


_BY_CODE: dict[str, type[ApiError]] = {
    "job_type_not_allowed": JobTypeNotAllowed,
    "invalid_state": InvalidState,
    "idempotency_conflict": IdempotencyConflict,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InvalidRequest,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_class(status: int, code: str) -> type[ApiError]:
    """The class of an error answer: by code first, then by status (5xx: `ServerError`)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError


def error_for(
    status: int, body: Any, retry_after: float | None = None, fallback_message: str = ""
) -> ApiError:
    """The error for an answer's status and decoded body (any shape: the API's, API Gateway's, none)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or _default_code(status))
        message = str(error.get("message") or fallback_message)
        details = error.get("details") if isinstance(error.get("details"), dict) else {}
    else:
        code = _default_code(status)
        gateway = body.get("message") if isinstance(body, dict) else None
        message = str(gateway or fallback_message or f"HTTP {status}")
        details = {}
    cls = error_class(status, code)
    if issubclass(cls, RateLimited):
        return cls(status, code, message, details, retry_after=retry_after)
    return cls(status, code, message, details)


def _default_code(status: int) -> str:
    names = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited"}
    return names.get(status, "internal_error" if status >= 500 else f"http_{status}")
