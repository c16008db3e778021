"""A request described once (`Call`), sent by either client, and its answer decoded.

A `Call` says what to send and how to read the answer; `Client` and `AsyncClient` only differ in
how they send it. `resend_safe` says whether the call may be sent again after a failure that
leaves unknown whether the server acted (a 5xx, a connection lost after sending).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from jobq.errors import error_for

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API request and the reader of its answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    resend_safe: bool = True
    keyed: bool = False  # carries an Idempotency-Key: a 409 to a resend means "first one still running"

    def query(self) -> dict[str, str]:
        """The query parameters as strings, unset (None) ones left out."""
        return {name: _query_value(value) for name, value in self.params.items() if value is not None}

    def request_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"params": self.query(), "headers": dict(self.headers)}
        if self.json is not None:
            kwargs["json"] = self.json
        return kwargs


def segment(value: str) -> str:
    """A path segment: an id with a slash or a `?` cannot reach another route."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"an id must be a non-empty string, not {value!r}")
    return quote(value, safe="")


def to_json(value: Any) -> Any:
    """A value of a request body as JSON: datetimes in RFC 3339, models dumped, enums by value."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, datetime):
        return _rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(v) for v in value]
    return value


def _rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone: the API needs an offset (use tz=UTC)")
    return value.isoformat().replace("+00:00", "Z")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    converted = to_json(value)
    return str(converted)


def decode(call: Call[T], response: httpx.Response, *, retry_after: float | None = None) -> T:
    """The answer read by `call.parse`, or the `ApiError` of an error answer."""
    body = _body(response)
    if response.is_success:
        return call.parse(body)
    raise error_for(
        response.status_code, body, retry_after=retry_after, fallback_message=response.reason_phrase
    )


def error_code(response: httpx.Response) -> str | None:
    """The `error.code` of an error answer, if it has the API's shape."""
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
