"""Admin routes: tenant profiles and API keys."""

from __future__ import annotations

from jobqueue.adapters.dynamodb.keys import tenant_profile_key
from jobqueue.ids import hash_key
from tests.integration.api.conftest import ADMIN, principal

TENANT_BODY = {"name": "Initech", "tier": 1, "limits": {"max_daily_jobs": 7}}


def _put(api, tenant_id="initech", body=None, **overrides):
    overrides.setdefault("principal", ADMIN)
    return api.call("api_put_tenant", tenant_id=tenant_id, body=body or TENANT_BODY, **overrides)


def test_putting_a_tenant_answers_its_effective_limits(api):
    response = _put(api)

    assert response.status == 200
    assert response.body["tenant_id"] == "initech" and response.body["tier"] == 1
    limits = response.body["limits"]
    assert limits["max_daily_jobs"] == 7 and limits["max_queued_jobs"] == 10
    assert limits["allowed_job_types"] == ["notification"]


def test_a_tenant_gets_a_signing_secret_once_and_keeps_it_across_updates(api):
    first = _put(api).body["signing_secret"]
    again = _put(api, body={"name": "Initech Corp", "tier": 2}).body["signing_secret"]

    assert first.startswith("whsec_") and len(first) > 30
    assert again == first
    assert _put(api, tenant_id="other").body["signing_secret"] != first


def test_a_tenant_change_takes_effect_at_once(api):
    _put(api)
    refused = api.submit(principal=principal("initech", 1))

    _put(api, body={"name": "Initech", "tier": 1, "limits": {"allowed_job_types": ["custom_processing"]}})
    accepted = api.submit(principal=principal("initech", 1))

    assert refused.status == 403 and accepted.status == 201


def test_a_tenant_id_outside_the_pattern_answers_422(api):
    response = _put(api, tenant_id="Bad.Tenant")

    assert response.status == 422 and "tenant_id" in response.details


def test_a_tier_outside_1_to_4_answers_422(api):
    response = _put(api, body={"name": "X", "tier": 5})

    assert response.status == 422 and "tier" in response.details


def test_an_unknown_limit_answers_422_naming_it(api):
    response = _put(api, body={"name": "X", "tier": 2, "limits": {"max_coffee": 3}})

    assert response.status == 422 and "limits.max_coffee" in response.details


def test_a_tenants_bus_events_are_stored_shown_and_cleared_by_a_put_without_them(api):
    put = _put(api, body={**TENANT_BODY, "bus_events": "all"})
    got = api.call("api_get_tenant", tenant_id="initech", principal=ADMIN)
    item = api.aws.table().get_item(Key=tenant_profile_key("initech"))["Item"]
    listed = api.call("api_list_tenants", principal=ADMIN).body["tenants"]

    cleared = _put(api)  # a PUT is the whole profile: without bus_events, the deployment's choice
    item_after = api.aws.table().get_item(Key=tenant_profile_key("initech"))["Item"]

    assert put.status == 200 and put.body["bus_events"] == "all"
    assert got.body["bus_events"] == "all" and item["bus_events"] == "all"
    assert [t["bus_events"] for t in listed if t["tenant_id"] == "initech"] == ["all"]
    assert cleared.body["bus_events"] is None and "bus_events" not in item_after
    assert api.call("api_get_tenant", tenant_id="initech", principal=ADMIN).body["bus_events"] is None


def test_bus_events_outside_terminal_all_none_answer_422_naming_them(api):
    response = _put(api, body={**TENANT_BODY, "bus_events": "some"})

    assert response.status == 422 and response.error_code == "validation_error"
    assert "bus_events" in response.details
    assert api.call("api_get_tenant", tenant_id="initech", principal=ADMIN).status == 404


def test_the_openapi_document_describes_bus_events(api):
    schemas = api.call("api_openapi", principal=None).body["components"]["schemas"]

    for model in ("TenantUpsert", "TenantProfile"):
        field = schemas[model]["properties"]["bus_events"]
        assert {"type": "string", "enum": ["terminal", "all", "none"]} in field["anyOf"], model
        assert {"type": "null"} in field["anyOf"] and "LifecycleEvents" in field["description"], model


def test_a_tenant_key_cannot_put_tenants(api):
    response = _put(api, principal=principal())

    assert response.status == 403 and response.error_code == "forbidden"


def test_issuing_a_key_answers_201_and_stores_only_its_hash(api):
    response = api.call("api_issue_key", principal=ADMIN)

    assert response.status == 201
    api_key = response.body["api_key"]
    assert response.body["key_id"].startswith("key_") and api_key.startswith("jq_")
    items = api.aws.table().scan()["Items"]
    assert not any(api_key in str(item) for item in items)
    assert any(item["PK"] == f"KEY#{hash_key(api_key)}" for item in items)


def test_issuing_a_key_for_an_unknown_tenant_answers_404(api):
    response = api.call("api_issue_key", tenant_id="nobody", principal=ADMIN)

    assert response.status == 404 and response.error_code == "not_found"


def test_a_tenant_key_cannot_issue_keys(api):
    response = api.call("api_issue_key")

    assert response.status == 403


def test_a_tenant_reads_back_as_it_was_put_with_its_secret(api):
    put = _put(api).body

    got = api.call("api_get_tenant", tenant_id="initech", principal=ADMIN)

    assert got.status == 200 and got.body == put


def test_reading_an_unknown_tenant_answers_404(api):
    response = api.call("api_get_tenant", tenant_id="nobody", principal=ADMIN)

    assert response.status == 404 and response.details == {"tenant_id": "nobody"}


def test_tenants_list_by_id_a_page_at_a_time_without_secrets(api):
    for tenant_id in ("delta", "alpha", "charlie", "bravo", "echo"):
        _put(api, tenant_id=tenant_id, body={"name": tenant_id.title(), "tier": 2})

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.call("api_list_tenants", principal=ADMIN, query=query)
        assert page.status == 200
        assert all("signing_secret" not in t for t in page.body["tenants"])
        seen += [t["tenant_id"] for t in page.body["tenants"]]
        pages += 1
        cursor = page.body["next_cursor"]
        if cursor is None:
            break

    mine = ["alpha", "bravo", "charlie", "delta", "echo"]
    assert seen == sorted(seen) and len(seen) == len(set(seen))  # the fixture's tenants too
    assert [t for t in seen if t in mine] == mine
    assert pages == -(-len(seen) // 2)


def test_a_bad_tenants_cursor_answers_400_and_a_tenant_key_403(api):
    bad = api.call("api_list_tenants", principal=ADMIN, query={"cursor": "not-a-cursor"})
    forbidden = api.call("api_list_tenants", principal=principal("acme"))
    other_cursor = api.call("api_list_tenants", principal=ADMIN, query={"cursor": "eyJrIjoiam9iIn0"})

    assert bad.status == 400 and bad.error_code == "bad_request"
    assert other_cursor.status == 400 and other_cursor.details == {"cursor": "mismatch"}
    assert forbidden.status == 403
