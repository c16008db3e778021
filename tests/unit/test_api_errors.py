"""Error mapping: field paths, and the error shape of every status the resolver can answer.

The requests run through the real resolver on in-memory ports, with sockets disabled.
"""

from __future__ import annotations

import pytest

from jobqueue.api.errors import field_path, is_malformed_json, validation_details
from jobqueue.api.openapi import JobView
from jobqueue.errors import IdempotencyConflict
from tests.support.factories import make_job
from tests.support.fakes import ADMIN, TENANT, api_ports, call


@pytest.fixture
def ports():
    return api_ports()


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


def test_malformed_json_answers_400_bad_request(ports):
    answer = call(ports, "api_submit_job", body="{nope")

    assert answer.status == 400 and answer.body["error"]["code"] == "bad_request"
    assert set(answer.body["error"]) == {"code", "message", "details"}


def test_a_non_json_content_type_answers_415(ports):
    answer = call(ports, "api_submit_job", headers={"content-type": "text/plain"})

    assert answer.status == 415 and answer.body["error"]["code"] == "unsupported_media_type"


def test_a_bad_query_value_answers_422_naming_it(ports):
    answer = call(ports, "api_list_jobs", query={"limit": "zero"})

    assert answer.status == 422 and answer.body["error"] == {
        "code": "validation_error",
        "message": "request is not valid",
        "details": {"limit": "Input should be a valid integer, unable to parse string as an integer"},
    }


def test_an_admin_key_on_a_tenant_route_answers_403(ports):
    answer = call(ports, "api_get_job", principal=ADMIN)

    assert answer.status == 403 and answer.body["error"]["details"] == {"role": "admin"}


def test_a_tenant_key_on_an_admin_route_answers_403(ports):
    answer = call(ports, "api_issue_key", principal=TENANT)

    assert answer.status == 403 and answer.body["error"]["code"] == "forbidden"


def test_no_authorizer_context_answers_401(ports):
    answer = call(ports, "api_get_job", principal=None)

    assert answer.status == 401 and answer.body["error"]["code"] == "unauthorized"


def test_an_unknown_route_answers_404_in_the_error_shape(ports):
    answer = call(ports, "api_get_job", path="/v2/jobs")

    assert answer.status == 404 and answer.body["error"]["code"] == "not_found"


def test_the_daily_limit_answers_429_with_the_limit_details_and_retry_after_midnight(ports):
    limit = ports.tenants.get("acme").limits.max_daily_jobs
    ports.counters.reserve("acme", 0, limit, 0, limit, ports.clock.now())  # 09:00 UTC: 15 h to go

    answer = call(ports, "api_submit_job", body={"handler": "echo"})

    assert answer.status == 429 and answer.headers["Retry-After"] == str(15 * 3600)
    assert answer.body["error"]["details"] == {
        "limit_type": "max_daily_jobs",
        "current": limit,
        "limit": limit,
    }
    assert ports.jobs.all() == [] and ports.queue.sent == []


def test_an_idempotency_key_reused_with_another_body_answers_409(ports):
    first = call(ports, "api_submit_job", body={"handler": "echo"}, headers={"Idempotency-Key": "k"})
    again = call(
        ports,
        "api_submit_job",
        body={"handler": "echo", "payload": {"n": 2}},
        headers={"Idempotency-Key": "k"},
    )

    assert first.status == 201
    assert again.status == 409 and again.body["error"]["code"] == "idempotency_conflict"
    assert len(ports.jobs.all()) == 1


class _StillRunning:
    def run_once(self, *args, **kwargs):
        raise IdempotencyConflict("a request with this Idempotency-Key is still in progress")


def test_a_repeat_while_the_first_request_runs_answers_409(ports):
    busy = type(ports)(**{**ports.__dict__, "idempotency": _StillRunning()})

    answer = call(busy, "api_submit_job", headers={"Idempotency-Key": "k"})

    assert answer.status == 409 and answer.body["error"]["code"] == "idempotency_conflict"


class _BrokenRegistry:
    def all(self):
        raise RuntimeError("secret internals")


def test_an_unexpected_exception_answers_500_internal_error_without_details(ports):
    answer = call(ports, "api_list_handlers", registry=_BrokenRegistry())

    assert answer.status == 500 and answer.body["error"] == {
        "code": "internal_error",
        "message": "internal error",
        "details": {},
    }


def test_the_documented_job_schema_has_exactly_the_public_job_fields():
    assert set(JobView.model_json_schema()["properties"]) == set(make_job().public())
