"""Error mapping: field paths, and the error shape of every status the resolver can answer.

The requests here are refused before any AWS call, so they run with sockets disabled.
"""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from jobqueue.api import routes_handlers, routes_jobs
from jobqueue.api.app import create_app
from jobqueue.api.errors import field_path, is_malformed_json, validation_details
from jobqueue.api.openapi import JobView
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.job import Category
from jobqueue.models.tenant import LimitOverrides, Tenant
from jobqueue.service import submit
from tests.support.events import FakeLambdaContext, load_event
from tests.support.factories import make_job

TENANT = {"tenant_id": "acme", "role": "tenant", "key_id": "key_1", "tier": 2}
ADMIN = {"role": "admin", "key_id": "admin"}
ANY_JOB = Tenant(
    tenant_id="acme", name="A", tier=4, overrides=LimitOverrides(allowed_job_types=list(Category))
)


@pytest.fixture(scope="module")
def app():
    return create_app()


def _call(app, name, **overrides):
    response = app.resolve(load_event(name, **overrides), FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("body", "handler"), "handler"),
        (("body", "jobs", 3, "payload", "seconds"), "jobs.3.payload.seconds"),
        (("query", "limit"), "limit"),
        (("header", "idempotency-key"), "idempotency-key"),
        (("body",), "body"),
        (("payload", "x"), "payload.x"),
    ],
)
def test_a_field_path_drops_the_request_part(loc, path):
    assert field_path(loc) == path


def test_a_rule_over_several_fields_names_each_of_them():
    errors = [{"loc": ("body", "jobs", 2), "msg": "pick one", "ctx": {"fields": ["run_at", "cron"]}}]

    assert validation_details(errors) == {"jobs.2.run_at": "pick one", "jobs.2.cron": "pick one"}


def test_a_json_decode_error_is_recognised_as_malformed_json():
    assert is_malformed_json([{"type": "json_invalid", "loc": ("body", 3)}])
    assert not is_malformed_json([{"type": "missing", "loc": ("body",)}])


def test_malformed_json_answers_400_bad_request(app):
    status, body = _call(app, "api_submit_job", body="{nope", principal=TENANT)

    assert status == 400 and body["error"]["code"] == "bad_request"
    assert set(body["error"]) == {"code", "message", "details"}


def test_a_non_json_content_type_answers_415(app):
    status, body = _call(app, "api_submit_job", headers={"content-type": "text/plain"}, principal=TENANT)

    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


def test_a_bad_query_value_answers_422_naming_it(app):
    status, body = _call(app, "api_list_jobs", query={"limit": "zero"}, principal=TENANT)

    assert status == 422 and body["error"] == {
        "code": "validation_error",
        "message": "request is not valid",
        "details": {"limit": "Input should be a valid integer, unable to parse string as an integer"},
    }


def test_an_admin_key_on_a_tenant_route_answers_403(app):
    status, body = _call(app, "api_get_job", principal=ADMIN)

    assert status == 403 and body["error"]["details"] == {"role": "admin"}


def test_a_tenant_key_on_an_admin_route_answers_403(app):
    status, body = _call(app, "api_issue_key", principal=TENANT)

    assert status == 403 and body["error"]["code"] == "forbidden"


def test_no_authorizer_context_answers_401(app):
    status, body = _call(app, "api_get_job", principal=None)

    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_an_unknown_route_answers_404_in_the_error_shape(app):
    status, body = _call(app, "api_get_job", path="/v2/jobs", principal=TENANT)

    assert status == 404 and body["error"]["code"] == "not_found"


def test_a_tenant_limit_answers_429_with_the_limit_details_and_retry_after(app, monkeypatch):
    monkeypatch.setattr(routes_jobs, "current_tenant", lambda event: ANY_JOB)

    def full(tenant, n_jobs):
        raise TenantLimitExceeded("max_queued_jobs", 1000, 1000, retry_after=30)

    monkeypatch.setattr(submit, "admit", full)

    response = app.resolve(load_event("api_submit_job", body={"handler": "echo"}), FakeLambdaContext())

    assert response["statusCode"] == 429 and response["headers"]["Retry-After"] == "30"
    details = json.loads(response["body"])["error"]["details"]
    assert details == {"limit_type": "max_queued_jobs", "current": 1000, "limit": 1000}


@pytest.mark.parametrize(
    "error",
    [IdempotencyValidationError("x"), IdempotencyAlreadyInProgressError("x")],
    ids=["body", "running"],
)
def test_idempotency_errors_answer_409_idempotency_conflict(app, monkeypatch, error):
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(routes_jobs, "current_tenant", lambda event: ANY_JOB)
    monkeypatch.setattr(routes_jobs, "run_once", refuse)

    status, body = _call(app, "api_submit_job", headers={"Idempotency-Key": "k"}, principal=TENANT)

    assert status == 409 and body["error"]["code"] == "idempotency_conflict"


def test_an_unexpected_exception_answers_500_internal_error_without_details(app, monkeypatch):
    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(routes_handlers, "get_registry", broken)

    status, body = _call(app, "api_list_handlers", principal=TENANT)

    assert status == 500 and body["error"] == {
        "code": "internal_error",
        "message": "internal error",
        "details": {},
    }


def test_the_documented_job_schema_has_exactly_the_public_job_fields():
    assert set(JobView.model_json_schema()["properties"]) == set(make_job().public())
