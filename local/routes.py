"""The HTTP API's routes, read from the template, and API Gateway's choice among them.

`routes_from_template()` turns the `HttpApi` events of the functions into `Route`s, each with
its API's Lambda authorizer (`DefaultAuthorizer`, or the route's `Auth.Authorizer`; `NONE` skips
it). `match_route()` picks the route for a request: literal segments over `{param}` over
`{proxy+}` over `$default`, an exact method over `ANY`.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from local.function_specs import FunctionSpec, events_of
from local.provision import Provisioned
from local.template import TemplateError


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
    for event in events_of(specs, "HttpApi"):
        spec, props, where = event.spec, event.props, event.where
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
