"""The authorizer function: key -> principal, and its context driving the API."""

from __future__ import annotations

import authorizer_app
import pytest

from jobqueue.authorizer.authorize import Unauthorized
from jobqueue.models.tenant import Role
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import ADMIN_KEY, put_tenant
from tests.support.events import FakeLambdaContext, load_event


def _authorize(authorization: str | None) -> dict:
    event = load_event("authorizer_request", headers={"authorization": authorization})
    return authorizer_app.lambda_handler(event, FakeLambdaContext())


def test_the_admin_key_is_authorized_as_admin(api):
    answer = _authorize(f"Bearer {ADMIN_KEY}")

    assert answer == {"isAuthorized": True, "context": {"role": "admin", "key_id": "admin"}}


def test_a_tenant_key_is_authorized_with_its_tenant_and_tier(api):
    key_id, api_key = default_ports().tenants.issue_key("acme")

    answer = _authorize(f"Bearer {api_key}")

    assert answer["isAuthorized"] is True
    assert answer["context"] == {"role": "tenant", "key_id": key_id, "tenant_id": "acme", "tier": 2}


def test_a_tier_change_shows_in_the_next_authorization(api):
    _, api_key = default_ports().tenants.issue_key("acme")

    put_tenant("acme", 4)

    assert _authorize(f"Bearer {api_key}")["context"]["tier"] == 4


def test_an_issued_admin_key_is_authorized_as_admin(api):
    key_id, api_key = default_ports().tenants.issue_key(None, role=Role.ADMIN)

    answer = _authorize(f"Bearer {api_key}")

    assert answer["context"] == {"role": "admin", "key_id": key_id}


@pytest.mark.parametrize(
    "authorization", ["Bearer jq_made_up", "Basic abc", None], ids=["unknown", "basic", "none"]
)
def test_a_missing_or_bad_key_fails_with_unauthorized_which_api_gateway_answers_401(api, authorization):
    with pytest.raises(Unauthorized) as caught:
        _authorize(authorization)

    assert str(caught.value) == "Unauthorized"


def test_a_key_of_a_tenant_without_a_profile_is_unauthorized(api):
    _, api_key = default_ports().tenants.issue_key("ghost")

    with pytest.raises(Unauthorized):
        _authorize(f"Bearer {api_key}")


def test_the_key_never_reaches_the_logs(api, capsys):
    _, api_key = default_ports().tenants.issue_key("acme")

    _authorize(f"Bearer {api_key}")
    with pytest.raises(Unauthorized):
        _authorize("Bearer jq_made_up_and_secret")

    logged = capsys.readouterr()
    assert api_key not in logged.out + logged.err
    assert "jq_made_up_and_secret" not in logged.out + logged.err


def test_the_authorizer_context_drives_the_api(api):
    _, api_key = default_ports().tenants.issue_key("acme")
    context = _authorize(f"Bearer {api_key}")["context"]

    response = api.submit(principal=context)

    assert response.status == 201 and response.body["tenant_id"] == "acme"
