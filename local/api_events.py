"""HTTP API payload format 2.0: the `Request` the server read and the `Response` it writes, the
event an integration gets for a request (`build_event`), the REQUEST authorizer's event,
identity sources and answer (`authorizer_event`, `identity_values`, `authorization`), and the
integration's answer as the HTTP response (`to_response`)."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from local.routes import Authorizer, Route

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/graphql",
)


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    note: str = ""  # for the log line

    @classmethod
    def message(cls, status: int, message: str, note: str = "") -> Response:
        body = json.dumps({"message": message}).encode()
        return cls(status, [("content-type", "application/json")], body, note)


def new_request_id() -> str:
    return base64.b64encode(secrets.token_bytes(12)).decode()[:15] + "="


def build_event(
    request: Request,
    route: Route,
    path_params: dict[str, str],
    *,
    api_id: str,
    account_id: str,
    domain: str,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event for `request` (headers lower-cased, repeats joined
    with commas, cookies split out, binary bodies base64-encoded)."""
    now = now or datetime.now(UTC)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    query: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or new_request_id(),
        "routeKey": route.key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if path_params:
        event["pathParameters"] = path_params
    if request.body:
        content_type = headers.get("content-type", "").lower()
        text = None
        if content_type.startswith(_TEXT_TYPES) or "+json" in content_type or "+xml" in content_type:
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
            event["isBase64Encoded"] = False
    else:
        event["isBase64Encoded"] = False
    return event


def authorizer_event(event: dict[str, Any], route_arn: str, identity: list[str]) -> dict[str, Any]:
    """The REQUEST authorizer event (payload 2.0): the request, plus type, routeArn, identitySource."""
    out = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn, "identitySource": identity}
    out.update({k: v for k, v in event.items() if k not in ("body", "isBase64Encoded", "version")})
    return out


def identity_values(sources: tuple[str, ...], event: dict[str, Any]) -> list[str] | None:
    """Values of the identity sources, or None when one is missing or empty (-> 401)."""
    values = []
    for source in sources:
        value: Any = None
        if source.startswith("$request.header."):
            value = event["headers"].get(source.removeprefix("$request.header.").lower())
        elif source.startswith("$request.querystring."):
            value = (event.get("queryStringParameters") or {}).get(
                source.removeprefix("$request.querystring.")
            )
        elif source.startswith("$context."):
            value = event["requestContext"]
            for part in source.removeprefix("$context.").split("."):
                value = value.get(part) if isinstance(value, dict) else None
        elif source.startswith("$stageVariables."):
            value = (event.get("stageVariables") or {}).get(source.removeprefix("$stageVariables."))
        if value is None or value == "":
            return None
        values.append(str(value))
    return values


def authorization(result: Any, authorizer: Authorizer, route_arn: str) -> tuple[bool, dict[str, Any]]:
    """(allowed, context) from an authorizer's answer; ValueError if the answer is malformed."""
    if not isinstance(result, dict):
        raise ValueError("authorizer response is not a JSON object")
    context = result.get("context") or {}
    if not isinstance(context, dict):
        raise ValueError("authorizer context is not an object")
    if authorizer.simple_responses and "isAuthorized" in result:
        if not isinstance(result["isAuthorized"], bool):
            raise ValueError("isAuthorized is not a boolean")
        return result["isAuthorized"], context
    policy = result.get("policyDocument")
    if not isinstance(policy, dict) or "principalId" not in result:
        raise ValueError("authorizer response has neither isAuthorized nor principalId + policyDocument")
    allowed = False
    statements = policy.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        if not any(fnmatchcase(route_arn, r) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False, context
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed, {**context, "principalId": result["principalId"]}


def to_response(result: Any) -> Response:
    """The integration's answer as HTTP API sends it (payload 2.0 rules, incl. inferred answers)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(200, [("content-type", "application/json")], body.encode())
    try:
        status = int(result["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError(status)
        raw_body = result.get("body")
        if raw_body is None:
            body = b""
        elif result.get("isBase64Encoded"):
            body = base64.b64decode(str(raw_body), validate=True)
        else:
            body = (raw_body if isinstance(raw_body, str) else json.dumps(raw_body)).encode()
    except (ValueError, TypeError, binascii.Error):
        return Response.message(500, "Internal Server Error", "malformed integration response")
    headers = [(str(k).lower(), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name).lower(), str(v)) for v in values]
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or []]
    return Response(status, headers, body)
