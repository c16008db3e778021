"""HTTP API emulation: the payload 2.0 event, route matching, the Lambda authorizer (identity
sources, caching, answers) and how integration answers become HTTP responses (local/routes.py,
local/api_events.py, local/gateway.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from local.api_events import (
    Request,
    authorization,
    authorizer_event,
    build_event,
    identity_values,
    to_response,
)
from local.errors import FunctionError
from local.gateway import HttpApiGateway
from local.routes import Authorizer, Route, match_route

AUTH = Authorizer("KeyAuthorizer", "AuthFn", ("$request.header.Authorization",), 30, True)
ROUTES = [
    Route("POST", "/v1/jobs", "ApiFn", AUTH),
    Route("POST", "/v1/jobs/batch", "ApiFn", AUTH),
    Route("GET", "/v1/jobs/{id}", "ApiFn", AUTH),
    Route("POST", "/v1/jobs/{id}/cancel", "ApiFn", AUTH),
    Route("GET", "/healthz", "ApiFn", None),
]


def _request(
    method: str = "GET", path: str = "/v1/jobs/abc", query: str = "", headers=None, body: bytes = b""
) -> Request:
    headers = [("Authorization", "Bearer k")] if headers is None else headers
    return Request(method, path, query, headers, body, "10.0.0.1")


def _event(request: Request, route: Route | None = None, params=None) -> dict[str, Any]:
    return build_event(
        request,
        route or ROUTES[2],
        params or {"id": "abc"},
        api_id="api123",
        account_id="123456789012",
        domain="127.0.0.1:3000",
        request_id="rid=",
        now=datetime(2025, 3, 12, 19, 3, 58, tzinfo=UTC),
    )


def test_event_has_the_payload_2_shape() -> None:
    event = _event(_request())

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/jobs/{id}"
    assert event["rawPath"] == "/v1/jobs/abc"
    assert event["pathParameters"] == {"id": "abc"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/v1/jobs/abc",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.1",
        "userAgent": "",
    }
    assert (context["stage"], context["routeKey"], context["requestId"]) == (
        "$default",
        "GET /v1/jobs/{id}",
        "rid=",
    )
    assert (context["accountId"], context["apiId"]) == ("123456789012", "api123")
    assert context["time"] == "12/Mar/2025:19:03:58 +0000"
    assert context["timeEpoch"] == 1741806238000
    assert "body" not in event and "queryStringParameters" not in event and "cookies" not in event


def test_headers_are_lower_cased_and_repeats_joined_with_commas() -> None:
    event = _event(_request(headers=[("X-Thing", "a"), ("x-thing", "b"), ("Authorization", "Bearer k")]))

    assert event["headers"]["x-thing"] == "a,b"
    assert event["headers"]["authorization"] == "Bearer k"


def test_query_string_repeats_are_comma_joined_and_raw_query_kept() -> None:
    event = _event(_request(query="status=queued&status=failed&limit=2&q=a%20b"))

    assert event["rawQueryString"] == "status=queued&status=failed&limit=2&q=a%20b"
    assert event["queryStringParameters"] == {"status": "queued,failed", "limit": "2", "q": "a b"}


def test_cookies_move_out_of_the_headers() -> None:
    event = _event(_request(headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")]))

    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_json_body_is_text_and_binary_body_is_base64() -> None:
    text = _event(_request("POST", headers=[("Content-Type", "application/json")], body=b'{"a": 1}'))
    binary = _event(
        _request("POST", headers=[("Content-Type", "application/octet-stream")], body=b"\x00\xff")
    )

    assert (text["body"], text["isBase64Encoded"]) == ('{"a": 1}', False)
    assert (binary["body"], binary["isBase64Encoded"]) == (base64.b64encode(b"\x00\xff").decode(), True)


@pytest.mark.parametrize(
    ("method", "path", "expected_key", "params"),
    [
        ("POST", "/v1/jobs/batch", "POST /v1/jobs/batch", {}),  # the literal route beats /v1/jobs/{id}
        ("GET", "/v1/jobs/batch", "GET /v1/jobs/{id}", {"id": "batch"}),
        ("POST", "/v1/jobs/j1/cancel", "POST /v1/jobs/{id}/cancel", {"id": "j1"}),
        ("GET", "/v1/jobs/a%2Fb", "GET /v1/jobs/{id}", {"id": "a/b"}),
    ],
)
def test_route_matching_prefers_literal_segments(method, path, expected_key, params) -> None:
    route, found = match_route(ROUTES, method, path)

    assert route.key == expected_key
    assert found == params


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/v1/jobs/x"), ("GET", "/v1/jobs/x/y"), ("GET", "/v1")]
)
def test_no_route_for_unknown_method_or_path(method: str, path: str) -> None:
    assert match_route(ROUTES, method, path) is None


def test_greedy_and_default_routes() -> None:
    routes = [Route("ANY", "/files/{proxy+}", "F", None), Route("ANY", "$default", "D", None)]

    assert match_route(routes, "PUT", "/files/a/b") == (routes[0], {"proxy": "a/b"})
    assert match_route(routes, "GET", "/other") == (routes[1], {})


def test_identity_sources_must_all_be_present_and_non_empty() -> None:
    sources = ("$request.header.Authorization", "$request.querystring.tenant")

    assert identity_values(sources, _event(_request(query="tenant=t1"))) == ["Bearer k", "t1"]
    assert identity_values(sources, _event(_request())) is None
    assert identity_values(sources[:1], _event(_request(headers=[("Authorization", "")]))) is None


def test_authorizer_event_carries_route_arn_and_identity_source() -> None:
    event = authorizer_event(
        _event(_request()), "arn:aws:execute-api:r:a:api/$default/GET/v1/jobs/abc", ["Bearer k"]
    )

    assert event["type"] == "REQUEST"
    assert event["version"] == "2.0"
    assert event["identitySource"] == ["Bearer k"]
    assert event["routeArn"].endswith("/GET/v1/jobs/abc")
    assert event["headers"]["authorization"] == "Bearer k"


def test_simple_and_iam_authorizer_answers() -> None:
    arn = "arn:aws:execute-api:r:a:api/$default/GET/v1/jobs"
    policy = {
        "principalId": "me",
        "policyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ["arn:*"]}]
        },
        "context": {"tenant_id": "t"},
    }

    assert authorization({"isAuthorized": True, "context": {"a": 1}}, AUTH, arn) == (True, {"a": 1})
    assert authorization({"isAuthorized": False}, AUTH, arn) == (False, {})
    assert authorization(policy, AUTH, arn) == (True, {"tenant_id": "t", "principalId": "me"})
    with pytest.raises(ValueError):
        authorization({"isAuthorized": "yes"}, AUTH, arn)
    with pytest.raises(ValueError):
        authorization(None, AUTH, arn)


def test_integration_answers_become_http_responses() -> None:
    full = to_response(
        {"statusCode": 201, "headers": {"X-A": "1"}, "body": '{"id": 1}', "cookies": ["s=1; Path=/"]}
    )
    inferred = to_response({"message": "hello"})
    text = to_response("hello")
    binary = to_response(
        {"statusCode": 200, "body": base64.b64encode(b"\x00").decode(), "isBase64Encoded": True}
    )
    broken = to_response({"statusCode": "abc"})

    assert (full.status, full.body) == (201, b'{"id": 1}')
    assert ("x-a", "1") in full.headers and ("set-cookie", "s=1; Path=/") in full.headers
    assert (inferred.status, json.loads(inferred.body)) == (200, {"message": "hello"})
    assert ("content-type", "application/json") in inferred.headers
    assert (text.status, text.body) == (200, b"hello")
    assert binary.body == b"\x00"
    assert broken.status == 500


class FakeFunctions:
    def __init__(self, authorizer_answer: Any = None, error: FunctionError | None = None):
        self.calls: list[tuple[str, dict]] = []
        self.authorizer_answer = authorizer_answer or {"isAuthorized": True, "context": {"tenant_id": "t1"}}
        self.error = error

    def __call__(self, function: str, event: dict, timeout: float | None = None) -> Any:
        self.calls.append((function, event))
        if function == "AuthFn":
            if self.error:
                raise self.error
            return self.authorizer_answer
        return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}

    def count(self, function: str) -> int:
        return sum(1 for name, _ in self.calls if name == function)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _gateway(functions: FakeFunctions, clock: Clock | None = None) -> HttpApiGateway:
    return HttpApiGateway(ROUTES, functions, api_id="api", account_id="1", region="r", clock=clock or Clock())


def test_missing_identity_source_is_401_without_calling_the_authorizer() -> None:
    functions = FakeFunctions()

    response = _gateway(functions).handle(_request(headers=[]), "h")

    assert response.status == 401
    assert json.loads(response.body) == {"message": "Unauthorized"}
    assert functions.calls == []


def test_authorizer_context_reaches_the_integration_under_lambda() -> None:
    functions = FakeFunctions()

    response = _gateway(functions).handle(_request(), "h")

    assert response.status == 200
    assert json.loads(response.body) == {"lambda": {"tenant_id": "t1"}}


def test_authorizer_result_is_cached_per_identity_for_the_ttl() -> None:
    functions, clock = FakeFunctions(), Clock()
    gateway = _gateway(functions, clock)

    gateway.handle(_request(), "h")
    gateway.handle(_request(), "h")
    gateway.handle(_request(headers=[("Authorization", "Bearer other")]), "h")
    clock.now += 31
    gateway.handle(_request(), "h")

    assert functions.count("AuthFn") == 3
    assert functions.count("ApiFn") == 4


def test_denied_is_403_and_unauthorized_error_is_401_and_other_errors_500() -> None:
    denied = _gateway(FakeFunctions({"isAuthorized": False})).handle(_request(), "h")
    unauthorized = _gateway(FakeFunctions(error=FunctionError("Exception", "Unauthorized"))).handle(
        _request(), "h"
    )
    crashed = _gateway(FakeFunctions(error=FunctionError("KeyError", "x"))).handle(_request(), "h")
    malformed = _gateway(FakeFunctions({"allow": True})).handle(_request(), "h")

    assert (denied.status, json.loads(denied.body)) == (403, {"message": "Forbidden"})
    assert unauthorized.status == 401
    assert crashed.status == 500 and malformed.status == 500


def test_route_without_authorizer_skips_it_and_unknown_route_is_404() -> None:
    functions = FakeFunctions()
    gateway = _gateway(functions)

    health = gateway.handle(_request(path="/healthz", headers=[]), "h")
    missing = gateway.handle(_request(path="/nope"), "h")

    assert health.status == 200
    assert (missing.status, json.loads(missing.body)) == (404, {"message": "Not Found"})
    assert functions.count("AuthFn") == 0


def test_integration_error_is_500_and_timeout_503() -> None:
    def failing(error: FunctionError):
        def invoke(function: str, event: dict, timeout: float | None = None) -> Any:
            if function == "ApiFn":
                raise error
            return {"isAuthorized": True}

        return invoke

    error = _gateway(failing(FunctionError("ValueError", "boom"))).handle(_request(), "h")
    timeout = _gateway(failing(FunctionError("Sandbox.Timedout", "late"))).handle(_request(), "h")

    assert (error.status, json.loads(error.body)) == (500, {"message": "Internal Server Error"})
    assert timeout.status == 503
