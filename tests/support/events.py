"""Sample events from events/, adjusted per test, and a stand-in Lambda context."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
SAMPLE_JOB_ID = "01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"
_UNSET: Any = object()


@cache
def _raw(name: str) -> str:
    return (EVENTS_DIR / f"{name}.json").read_text()


def load_event(
    name: str,
    *,
    body: Any = _UNSET,
    path: str | None = None,
    job_id: str | None = None,
    tenant_id: str | None = None,
    method: str | None = None,
    headers: dict[str, str | None] | None = None,
    query: dict[str, str] | None = None,
    principal: Any = _UNSET,
    base64_body: bool = False,
) -> dict[str, Any]:
    """A copy of events/<name>.json with some parts replaced.

    Args:
        body: a dict/list (sent as JSON), a str (sent as is) or None (no body).
        path: the request path (rawPath and requestContext.http.path).
        job_id: replaces the sample job id in the path and pathParameters.
        tenant_id: the admin events' path tenant.
        headers: merged into the headers; a None value removes that header.
        query: the query string parameters.
        principal: the authorizer's context (`requestContext.authorizer.lambda`); None removes it.
        base64_body: `body` is already base64 (`isBase64Encoded`), as API Gateway sends bytes.
    """
    event = json.loads(_raw(name))
    http = event["requestContext"]["http"] if "http" in event.get("requestContext", {}) else {}
    if job_id is not None:
        path = (path or event["rawPath"]).replace(SAMPLE_JOB_ID, job_id)
        event.setdefault("pathParameters", {})["id"] = job_id
    if tenant_id is not None:
        path = (path or event["rawPath"]).replace("/tenants/acme", f"/tenants/{tenant_id}")
        event.setdefault("pathParameters", {})["tenant_id"] = tenant_id
    if path is not None:
        event["rawPath"] = http["path"] = path
    if method is not None:
        http["method"] = method
    if body is not _UNSET:
        if body is None:
            event.pop("body", None)
        else:
            event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["isBase64Encoded"] = base64_body
    for header, value in (headers or {}).items():
        if value is None:
            event["headers"].pop(header.lower(), None)
        else:
            event["headers"][header.lower()] = value
    if query is not None:
        event["queryStringParameters"] = dict(query)
        event["rawQueryString"] = urlencode(query)
    if principal is not _UNSET:
        if principal is None:
            event["requestContext"].pop("authorizer", None)
        else:
            event["requestContext"]["authorizer"] = {"lambda": copy.deepcopy(principal)}
    return event


@dataclass
class FakeLambdaContext:
    function_name: str = "jobqueue-test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:jobqueue-test-function"
    aws_request_id: str = "11111111-2222-3333-4444-555555555555"
    log_group_name: str = "/aws/lambda/jobqueue-test-function"
    log_stream_name: str = "2025/03/12/[$LATEST]0123456789abcdef"
    remaining_ms: int = 29_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
