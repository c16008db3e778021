"""Every error answers `{"error": {"code", "message", "details"}}`.

Domain errors carry their status and code; Powertools' request validation becomes 422
`validation_error` with details keyed by field path (`handler`, `payload.seconds`,
`jobs.3.handler`), except an unparsable body (400 `bad_request`); an unknown route is 404. Only
an unexpected exception is a 500, and it is logged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from jobqueue.errors import JobQueueError, TenantLimitExceeded

logger = Logger(child=True)

_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, **headers: str
) -> Response:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, default=str),
        headers=headers or None,
    )


def field_path(loc: Iterable[Any]) -> str:
    """("body", "jobs", 3, "handler") -> "jobs.3.handler"; the request part is dropped."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_details(errors: Sequence[dict[str, Any]]) -> dict[str, str]:
    """One entry per field. A rule over several fields names each of them (`ctx["fields"]`)."""
    details: dict[str, str] = {}
    for error in errors:
        loc = list(error.get("loc", ()))
        fields = (error.get("ctx") or {}).get("fields")
        paths = [field_path([*loc, name]) for name in fields] if fields else [field_path(loc) or "body"]
        for path in paths:
            details.setdefault(path, str(error.get("msg", "invalid")))
    return details


def is_malformed_json(errors: Sequence[dict[str, Any]]) -> bool:
    return any(error.get("type") == "json_invalid" for error in errors)


def register_error_handlers(app: ApiGatewayResolver) -> None:
    @app.exception_handler(JobQueueError)
    def domain_error(error: JobQueueError) -> Response:
        headers = {}
        if isinstance(error, TenantLimitExceeded) and error.retry_after:
            headers["Retry-After"] = str(error.retry_after)
        return error_response(error.status, error.code, error.message, error.details, **headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if is_malformed_json(errors):
            return error_response(400, "bad_request", "request body is not valid JSON")
        details = validation_details(errors)
        return error_response(422, "validation_error", "request is not valid", details)

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_media(error: RequestUnsupportedContentType) -> Response:
        return error_response(415, "unsupported_media_type", "send the body as application/json")

    @app.not_found
    def no_route(error: NotFoundError) -> Response:
        event = app.current_event
        return error_response(404, "not_found", f"no route {event.http_method} {event.path}")

    @app.exception_handler(Exception)
    def bug(error: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "internal error")
