"""API Gateway HTTP API in front of the template's functions: route, identity check, Lambda
authorizer (result cached per identity-source values for `ReauthorizeEvery` seconds),
integration. What API Gateway answers by itself is answered the same way here: 404
`{"message":"Not Found"}` for a route not in the template, 401 when an identity source is missing
(the authorizer is not called) or the authorizer fails with "Unauthorized", 403 when it denies,
500 when it or the integration fails, 503 when the integration times out.

`template_gateway()` is the gateway of the template's routes (local/routes.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from local.api_events import (
    Request,
    Response,
    authorization,
    authorizer_event,
    build_event,
    identity_values,
    new_request_id,
    to_response,
)
from local.errors import FunctionError
from local.function_specs import FunctionSpec
from local.provision import Provisioned
from local.routes import Route, match_route, routes_from_template

Invoker = Callable[[str, Any], Any]  # (function logical id, event) -> result; raises FunctionError


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
        request_id = new_request_id()
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


def template_gateway(
    provisioned: Provisioned,
    specs: dict[str, FunctionSpec],
    invoke: Invoker,
    *,
    account_id: str,
    region: str,
) -> HttpApiGateway:
    """The gateway of the template's routes, under its (first) HttpApi's id; raises TemplateError."""
    routes = routes_from_template(provisioned, specs)
    api_ids = [
        provisioned.resolver.refs[k] for k, t in provisioned.types.items() if t == "AWS::Serverless::HttpApi"
    ]
    return HttpApiGateway(
        routes,
        invoke,
        api_id=api_ids[0] if api_ids else "local",
        account_id=account_id,
        region=region,
    )
