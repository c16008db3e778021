"""API Gateway HTTP API (payload format 2.0) in front of the template's functions.

Routes come from the `HttpApi` events of the template's functions; the Lambda authorizer from the
API's `Auth` (REQUEST type, payload 2.0, simple or IAM responses, identity sources, result
caching for `ReauthorizeEvery` seconds). What API Gateway answers by itself is answered the same
way here: 404 `{"message":"Not Found"}` for a route not in the template, 401 when an identity
source is missing (the authorizer is not called) or the authorizer fails with "Unauthorized",
403 when it denies, 500 when it or the integration fails, 503 when the integration times out.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.functions import FunctionError, FunctionSpec
from local.provision import Provisioned
from local.template import TemplateError

Invoker = Callable[[str, Any], Any]  # (function logical id, event) -> result; raises FunctionError
LogLine = Callable[[str], None]

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/graphql",
)


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str  # logical id
    identity_sources: tuple[str, ...]  # "$request.header.Authorization", ...
    ttl_seconds: int
    simple_responses: bool
    payload_version: str = "2.0"


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ..., or ANY
    path: str  # /v1/jobs/{id}, /{proxy+} or $default
    function: str  # logical id
    authorizer: Authorizer | None
    timeout_seconds: float = 30.0

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


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


# ---------------------------------------------------------------------------- template -> routes


def routes_from_template(provisioned: Provisioned, specs: dict[str, FunctionSpec]) -> list[Route]:
    """Every HttpApi event of every function, with its API's authorizer (or none)."""
    apis = _apis(provisioned, specs)
    api_ids = {  # !Ref HttpApi resolves to the API's id; back to its logical id
        provisioned.resolver.refs[logical_id]: logical_id
        for logical_id, kind in provisioned.types.items()
        if kind == "AWS::Serverless::HttpApi"
    }
    routes: list[Route] = []
    for spec in specs.values():
        for event_id, event in spec.events.items():
            if event.get("Type") != "HttpApi":
                continue
            props = event["Properties"]
            where = f"{spec.logical_id}.Events.{event_id}"
            api_ref = props.get("ApiId")
            api_id = "ServerlessHttpApi" if api_ref is None else api_ids.get(api_ref, api_ref)
            api = apis.get(api_id)
            if api is None:
                raise TemplateError(
                    f"{where}: ApiId {api_id} is not an AWS::Serverless::HttpApi of this template"
                )
            version = str(props.get("PayloadFormatVersion", "2.0"))
            if version != "2.0":
                raise TemplateError(f"{where}: PayloadFormatVersion {version} is not emulated (2.0 only)")
            auth_name = (props.get("Auth") or {}).get("Authorizer", api["default"])
            authorizer = None
            if auth_name and auth_name != "NONE":
                if auth_name not in api["authorizers"]:
                    raise TemplateError(f"{where}: unknown authorizer {auth_name}")
                authorizer = api["authorizers"][auth_name]
            path = props.get("Path") or "$default"
            method = str(props.get("Method") or "ANY").upper()
            timeout = float(props.get("TimeoutInMillis", 30000)) / 1000
            routes.append(Route(method, path, spec.logical_id, authorizer, timeout))
    return routes


def _apis(provisioned: Provisioned, specs: dict[str, FunctionSpec]) -> dict[str, dict[str, Any]]:
    by_arn = {spec.arn: spec.logical_id for spec in specs.values()}
    globals_ = (provisioned.template.get("Globals") or {}).get("HttpApi") or {}
    apis: dict[str, dict[str, Any]] = {"ServerlessHttpApi": {"default": None, "authorizers": {}}}
    for logical_id, kind in provisioned.types.items():
        if kind != "AWS::Serverless::HttpApi":
            continue
        props = provisioned.template["Resources"][logical_id].get("Properties") or {}
        auth = provisioned.resolver.resolve(
            props.get("Auth") or globals_.get("Auth") or {}, f"{logical_id}.Auth"
        )
        authorizers = {}
        for name, config in (auth.get("Authorizers") or {}).items():
            where = f"{logical_id}.Auth.Authorizers.{name}"
            if "FunctionArn" not in config:
                raise TemplateError(f"{where}: only Lambda authorizers are emulated (JWT is not)")
            function = by_arn.get(config["FunctionArn"])
            if function is None:
                raise TemplateError(
                    f"{where}: FunctionArn {config['FunctionArn']} is not a function of this template"
                )
            identity = config.get("Identity") or {}
            sources = (
                [f"$request.header.{h}" for h in identity.get("Headers") or []]
                + [f"$request.querystring.{q}" for q in identity.get("QueryStrings") or []]
                + [f"$context.{c}" for c in identity.get("Context") or []]
                + [f"$stageVariables.{s}" for s in identity.get("StageVariables") or []]
            )
            authorizers[name] = Authorizer(
                name=name,
                function=function,
                identity_sources=tuple(sources),
                ttl_seconds=int(identity.get("ReauthorizeEvery", 0)) if sources else 0,
                simple_responses=bool(config.get("EnableSimpleResponses", False)),
                payload_version=str(config.get("AuthorizerPayloadFormatVersion", "2.0")),
            )
        default = auth.get("DefaultAuthorizer")
        if default and default not in authorizers:
            raise TemplateError(f"{logical_id}.Auth: DefaultAuthorizer {default} is not defined")
        apis[logical_id] = {"default": default, "authorizers": authorizers}
    return apis


# ---------------------------------------------------------------------------- matching


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """API Gateway's choice: a full match beats a greedy {proxy+} match, which beats $default;
    among matches the one with more literal segments and an exact method wins."""
    best: tuple[tuple[int, int, int], Route, dict[str, str]] | None = None
    for route in routes:
        if route.method not in (method, "ANY") or route.path == "$default":
            continue
        params = _match_path(route.path, path)
        if params is None:
            continue
        greedy = route.path.rstrip("/").endswith("+}")
        literals = sum(1 for s in route.path.split("/") if s and not s.startswith("{"))
        score = (0 if greedy else 1, literals, 1 if route.method == method else 0)
        if best is None or score > best[0]:
            best = (score, route, params)
    if best:
        return best[1], best[2]
    for route in routes:
        if route.path == "$default":
            return route, {}
    return None


def _match_path(template: str, path: str) -> dict[str, str] | None:
    wanted = template.split("/")
    actual = path.split("/")
    params: dict[str, str] = {}
    for i, segment in enumerate(wanted):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = actual[i:]
            if not rest or rest == [""]:
                return None
            params[segment[1:-2]] = urllib.parse.unquote("/".join(rest))
            return params
        if i >= len(actual):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            if not actual[i]:
                return None
            params[segment[1:-1]] = urllib.parse.unquote(actual[i])
        elif segment != actual[i]:
            return None
    return params if len(actual) == len(wanted) else None


# ---------------------------------------------------------------------------- events


def _request_id() -> str:
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
        "requestId": request_id or _request_id(),
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


# ---------------------------------------------------------------------------- the gateway


class HttpApiGateway:
    """Turns requests into events: route, identity check, authorizer (cached), integration."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Invoker,
        *,
        api_id: str,
        account_id: str,
        region: str,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.routes = routes
        self.invoke = invoke
        self.api_id = api_id
        self.account_id = account_id
        self.region = region
        self.clock = clock
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, bool, dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()

    def handle(self, request: Request, domain: str) -> Response:
        matched = match_route(self.routes, request.method, request.path)
        if matched is None:
            return Response.message(404, "Not Found")
        route, params = matched
        request_id = _request_id()
        event = build_event(
            request,
            route,
            params,
            api_id=self.api_id,
            account_id=self.account_id,
            domain=domain,
            request_id=request_id,
        )
        note = ""
        if route.authorizer is not None:
            denied, context, note = self._authorize(route, event)
            if denied is not None:
                return denied
            event["requestContext"]["authorizer"] = {"lambda": context}
        try:
            result = self.invoke(route.function, event, timeout=route.timeout_seconds)
        except FunctionError as exc:
            if exc.error_type == "Sandbox.Timedout" and route.timeout_seconds <= 30:
                return Response.message(503, "Service Unavailable", exc.error_type)
            return Response.message(500, "Internal Server Error", exc.error_type)
        response = to_response(result)
        response.headers.append(("apigw-requestid", request_id))
        response.note = (note + " " + response.note).strip()
        return response

    def _authorize(self, route: Route, event: dict[str, Any]) -> tuple[Response | None, dict[str, Any], str]:
        authorizer = route.authorizer
        assert authorizer is not None
        identity = identity_values(authorizer.identity_sources, event)
        if identity is None:
            return Response.message(401, "Unauthorized", "no identity source"), {}, ""
        key = (authorizer.name, tuple(identity))
        route_arn = (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/$default/"
            f"{event['requestContext']['http']['method']}{event['rawPath']}"
        )
        now = self.clock()
        cached = None
        if authorizer.ttl_seconds > 0 and authorizer.identity_sources:
            with self._cache_lock:
                cached = self._cache.get(key)
            if cached and cached[0] <= now:
                cached = None
        note = "auth=cached" if cached else "auth=called"
        if cached:
            allowed, context = cached[1], cached[2]
        else:
            try:
                result = self.invoke(authorizer.function, authorizer_event(event, route_arn, identity))
                allowed, context = authorization(result, authorizer, route_arn)
            except FunctionError as exc:
                if exc.message == "Unauthorized":
                    return Response.message(401, "Unauthorized", "authorizer: Unauthorized"), {}, note
                return (
                    Response.message(500, "Internal Server Error", f"authorizer {exc.error_type}"),
                    {},
                    note,
                )
            except ValueError as exc:
                return Response.message(500, "Internal Server Error", f"authorizer: {exc}"), {}, note
            if authorizer.ttl_seconds > 0 and authorizer.identity_sources:
                with self._cache_lock:
                    self._cache[key] = (now + authorizer.ttl_seconds, allowed, context)
        if not allowed:
            return Response.message(403, "Forbidden", note + " denied"), {}, note
        return None, context, note


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-http-api"
    sys_version = ""
    server: HttpServer

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.monotonic()
        parsed = urllib.parse.urlsplit(self.path)
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            body, bad_request = b"", True
        else:
            bad_request = False
        request = Request(
            method=self.command,
            path=parsed.path or "/",
            query=parsed.query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        domain = (
            self.headers.get("host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        )
        try:
            if bad_request:
                response = Response.message(400, "Bad Request", "unreadable body")
            else:
                response = self.server.gateway.handle(request, domain)
        except Exception as exc:  # a bug of the local stack must not kill the connection silently
            response = Response.message(500, "Internal Server Error", f"local stack error: {exc!r}")
        self.send_response(response.status)
        names = {name for name, _ in response.headers}
        for name, value in response.headers:
            if name not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if "content-type" not in names and response.body:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        elapsed = (time.monotonic() - started) * 1000
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        self.server.log_line(
            f"{self.command} {target} {response.status} {elapsed:.0f}ms {response.note}".rstrip()
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request is written by _serve


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, gateway: HttpApiGateway, log_line: LogLine):
        self.gateway = gateway
        self.log_line = log_line
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: not worth a traceback
        super().handle_error(request, client_address)
