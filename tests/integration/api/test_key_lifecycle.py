"""A tenant's keys listed (never the secrets) and revoked; a suspended tenant's keys refused and
its jobs kept waiting, then run once it is resumed. On moto, through the functions' handlers."""

from __future__ import annotations

import authorizer_app
import pytest

from jobqueue.authorizer.authorize import Unauthorized
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import ADMIN
from tests.support.events import FakeLambdaContext, load_event

TENANT = {"name": "Acme", "tier": 2}


def _authorize(api_key: str) -> dict:
    event = load_event("authorizer_request", headers={"authorization": f"Bearer {api_key}"})
    return authorizer_app.lambda_handler(event, FakeLambdaContext())


def _issue(api) -> dict:
    answer = api.call("api_issue_key", tenant_id="acme", principal=ADMIN)
    assert answer.status == 201
    return answer.body


def test_keys_are_listed_oldest_first_without_their_secrets(api):
    first, second = _issue(api), _issue(api)

    listed = api.call("api_list_keys", tenant_id="acme", principal=ADMIN)

    assert listed.status == 200
    assert [k["key_id"] for k in listed.body["keys"]] == [first["key_id"], second["key_id"]]
    assert all(k["status"] == "active" and k["revoked_at"] is None for k in listed.body["keys"])
    text = str(listed.body)
    assert first["api_key"] not in text and second["api_key"] not in text and "hash" not in text


def test_a_revoked_key_is_refused_and_shows_revoked_while_the_others_work(api):
    kept, revoked = _issue(api), _issue(api)
    assert _authorize(revoked["api_key"])["isAuthorized"] is True

    answer = api.call(
        "api_revoke_key",
        path=f"/v1/admin/tenants/acme/keys/{revoked['key_id']}",
        tenant_id="acme",
        principal=ADMIN,
    )
    again = api.call(
        "api_revoke_key",
        path=f"/v1/admin/tenants/acme/keys/{revoked['key_id']}",
        tenant_id="acme",
        principal=ADMIN,
    )

    assert answer.status == 200 and answer.body["status"] == "revoked" and answer.body["revoked_at"]
    assert again.status == 200 and again.body["revoked_at"] == answer.body["revoked_at"]
    with pytest.raises(Unauthorized):
        _authorize(revoked["api_key"])
    assert _authorize(kept["api_key"])["context"]["tenant_id"] == "acme"
    statuses = {
        k["key_id"]: k["status"]
        for k in api.call("api_list_keys", tenant_id="acme", principal=ADMIN).body["keys"]
    }
    assert statuses == {kept["key_id"]: "active", revoked["key_id"]: "revoked"}


def test_revoking_a_key_of_another_tenant_or_none_answers_404(api):
    other = api.call("api_issue_key", tenant_id="globex", principal=ADMIN)
    key = _issue(api)

    cross = api.call(
        "api_revoke_key",
        path=f"/v1/admin/tenants/globex/keys/{key['key_id']}",
        tenant_id="globex",
        principal=ADMIN,
    )
    missing = api.call("api_revoke_key", tenant_id="acme", principal=ADMIN)
    as_tenant = api.call("api_list_keys", tenant_id="acme")

    assert other.status == 201 and cross.status == 404 and missing.status == 404
    assert as_tenant.status == 403
    assert _authorize(key["api_key"])["isAuthorized"] is True


def test_a_suspended_tenants_keys_are_refused_until_it_is_resumed(api):
    key = _issue(api)

    suspended = api.call(
        "api_put_tenant", tenant_id="acme", principal=ADMIN, body={**TENANT, "suspended": True}
    )
    default_ports().tenants.forget()  # the authorizer's profile cache (5 s), as a new container has
    with pytest.raises(Unauthorized):
        _authorize(key["api_key"])
    resumed = api.call("api_put_tenant", tenant_id="acme", principal=ADMIN, body=TENANT)
    default_ports().tenants.forget()

    assert suspended.status == 200 and suspended.body["suspended"] is True
    assert resumed.body["suspended"] is False
    assert _authorize(key["api_key"])["isAuthorized"] is True
