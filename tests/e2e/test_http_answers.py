"""What the API answers to bad requests and wrong callers (docs/api.md), and what API Gateway
answers by itself (no identity source, a route not in the template)."""

from __future__ import annotations

import pytest

from local.stack import LocalStack
from tests.e2e.conftest import Api

pytestmark = pytest.mark.e2e


def test_liveness_needs_no_key(stack: LocalStack) -> None:
    response = Api(stack.api_url, None).call("GET", "/healthz")

    assert response.status_code == 200


def test_request_without_a_key_is_401_from_api_gateway(stack: LocalStack) -> None:
    response = Api(stack.api_url, None).call("GET", "/v1/jobs")

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_request_with_an_unknown_key_is_401(stack: LocalStack) -> None:
    response = Api(stack.api_url, "jq_not-a-real-key").call("GET", "/v1/jobs")

    assert response.status_code == 401


def test_route_not_in_the_template_is_404_from_api_gateway(tenant: Api) -> None:
    response = tenant.call("GET", "/v1/no-such-route")

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_unknown_job_is_404_with_an_error_body(tenant: Api) -> None:
    response = tenant.call("GET", "/v1/jobs/01J00000000000000000000000")

    assert response.status_code == 404
    assert "code" in response.json()["error"]


def test_job_of_another_tenant_is_404_like_a_missing_one(new_tenant) -> None:
    owner, stranger = new_tenant(), new_tenant()
    job = owner.submit({"handler": "echo", "payload": {}, "delay_seconds": 300})

    seen = stranger.call("GET", f"/v1/jobs/{job['id']}")
    cancel = stranger.call("POST", f"/v1/jobs/{job['id']}/cancel")

    assert seen.status_code == 404
    assert cancel.status_code == 404
    assert owner.job(job["id"])["status"] in ("queued", "pending")


def test_malformed_json_is_400(tenant: Api) -> None:
    response = tenant.call(
        "POST", "/v1/jobs", data='{"handler": ', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "error" in response.json()


def test_payload_failing_the_handler_schema_is_422_naming_the_field(tenant: Api) -> None:
    response = tenant.call("POST", "/v1/jobs", json={"handler": "sleep", "payload": {"seconds": -1}})

    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert "seconds" in str(body.get("details"))


def test_submission_without_a_handler_is_422(tenant: Api) -> None:
    response = tenant.call("POST", "/v1/jobs", json={"payload": {}})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_tenant_key_on_an_admin_route_is_403(tenant: Api) -> None:
    response = tenant.call("PUT", "/v1/admin/tenants/someone-else", json={"name": "x", "tier": 4})

    assert response.status_code == 403


def test_bad_input_changes_nothing(tenant: Api) -> None:
    tenant.call("POST", "/v1/jobs", json={"handler": "sleep", "payload": {"seconds": -1}})
    tenant.call("POST", "/v1/jobs", data="not json", headers={"Content-Type": "application/json"})

    assert tenant.call("GET", "/v1/jobs").json()["jobs"] == []
