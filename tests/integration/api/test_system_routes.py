"""Liveness, the handler catalogue, the OpenAPI document and unknown routes."""

from __future__ import annotations

from tests.integration.api.conftest import ADMIN


def test_healthz_answers_ok_without_credentials(api):
    response = api.call("api_healthz", principal=None)

    assert response.status == 200 and response.body == {"status": "ok"}


def test_handlers_lists_each_handler_with_its_payload_schema_and_job_types(api):
    response = api.call("api_list_handlers")

    sleep = next(h for h in response.body["handlers"] if h["name"] == "sleep")
    assert sleep["category"] == "custom_processing" and sleep["default_timeout_seconds"] == 30
    assert "seconds" in sleep["payload_schema"]["properties"]
    assert "immediate" in sleep["job_types"]


def test_handlers_are_listed_for_admin_keys_too(api):
    assert api.call("api_list_handlers", principal=ADMIN).status == 200


def test_the_openapi_document_describes_the_routes_and_the_submission(api):
    response = api.call("api_openapi", principal=None)

    assert response.status == 200
    paths = response.body["paths"]
    assert {"/v1/jobs", "/v1/jobs/batch", "/v1/jobs/{job_id}", "/v1/handlers", "/healthz"} <= set(paths)
    assert "JobSubmission" in response.body["components"]["schemas"]
    assert "tier" not in response.body["components"]["schemas"]["JobView"]["properties"]


def test_the_docs_route_serves_swagger_ui(api):
    response = api.call("api_healthz", path="/v1/docs", principal=None)

    assert response.status == 200 and response.headers["Content-Type"] == "text/html"


def test_an_unknown_route_answers_404_in_the_error_shape(api):
    response = api.call("api_healthz", path="/v1/nowhere")

    assert response.status == 404 and response.error_code == "not_found"


def test_a_request_the_authorizer_did_not_identify_answers_401(api):
    response = api.submit(principal=None)

    assert response.status == 401 and response.error_code == "unauthorized"
