"""An error answer raises the ApiError subclass of its status and code, with its details."""

from __future__ import annotations

import pytest

import jobq
from tests.client import samples
from tests.client.conftest import Answer, FakeApi

J = samples.JOB_ID


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "bad_request", jobq.BadRequest),
        (403, "forbidden", jobq.Forbidden),
        (403, "job_type_not_allowed", jobq.JobTypeNotAllowed),
        (404, "not_found", jobq.NotFound),
        (409, "invalid_state", jobq.InvalidState),
        (409, "idempotency_conflict", jobq.IdempotencyConflict),
        (413, "payload_too_large", jobq.PayloadTooLarge),
        (415, "unsupported_media_type", jobq.UnsupportedMediaType),
        (422, "validation_error", jobq.InvalidRequest),
        (429, "tenant_limit_exceeded", jobq.RateLimited),
        (500, "internal_error", jobq.ServerError),
        (503, "service_unavailable", jobq.ServiceUnavailable),
    ],
)
def test_each_error_answer_raises_its_class(api: FakeApi, client, status, code, cls):
    client.max_retries = 0
    api.on("GET", f"/v1/jobs/{J}", Answer(status, samples.error(code, "it went wrong", job_id=J)))

    with pytest.raises(cls) as raised:
        client.get(J)

    error = raised.value
    assert isinstance(error, jobq.ApiError) and type(error) is cls
    assert (error.status, error.code, error.message, error.details) == (
        status,
        code,
        "it went wrong",
        {"job_id": J},
    )
    assert str(error) == f"{status} {code}: it went wrong"


def test_the_conflict_classes_share_a_base_and_server_errors_cover_every_5xx(api: FakeApi, client):
    client.max_retries = 0
    api.on("GET", f"/v1/jobs/{J}", Answer(502, None))

    with pytest.raises(jobq.ServerError) as raised:
        client.get(J)

    assert raised.value.status == 502 and raised.value.code == "internal_error"
    assert issubclass(jobq.InvalidState, jobq.Conflict) and issubclass(
        jobq.IdempotencyConflict, jobq.Conflict
    )


def test_api_gateways_401_without_the_error_shape_is_unauthorized(api: FakeApi, client):
    api.on("GET", "/v1/usage", Answer(401, {"message": "Unauthorized"}))

    with pytest.raises(jobq.Unauthorized) as raised:
        client.usage()

    assert (raised.value.status, raised.value.code, raised.value.message) == (
        401,
        "unauthorized",
        "Unauthorized",
    )
    assert len(api.requests) == 1  # a 4xx is not retried


def test_a_rate_limit_carries_retry_after_and_the_limit_type(api: FakeApi, client):
    client.max_retries = 0
    body = samples.error(
        "tenant_limit_exceeded", "daily limit reached", limit_type="max_daily_jobs", limit=100
    )
    api.on("POST", "/v1/jobs", Answer(429, body, {"Retry-After": "3600"}))

    with pytest.raises(jobq.RateLimited) as raised:
        client.submit("echo")

    assert raised.value.retry_after == 3600 and raised.value.limit_type == "max_daily_jobs"


def test_a_validation_error_names_the_fields(api: FakeApi, client):
    body = samples.error(
        "validation_error", "payload does not match handler sleep", **{"payload.seconds": "bad"}
    )
    api.on("POST", "/v1/jobs", Answer(422, body))

    with pytest.raises(jobq.InvalidRequest) as raised:
        client.submit("sleep", {"seconds": "soon"})

    assert raised.value.details == {"payload.seconds": "bad"}


def test_an_answer_that_is_not_json_still_raises_with_the_status(api: FakeApi, client):
    client.max_retries = 0
    api.on("GET", "/v1/health", Answer(502, text="<html>Bad Gateway</html>"))

    with pytest.raises(jobq.ServerError) as raised:
        client.health()

    assert raised.value.status == 502 and raised.value.message == "Bad Gateway"
