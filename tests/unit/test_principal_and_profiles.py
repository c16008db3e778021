"""The caller from the authorizer context, role checks, and the tenant profile cache."""

from __future__ import annotations

import pytest

from jobqueue.api.auth import principal_of, require_admin, require_tenant
from jobqueue.errors import Forbidden, Unauthorized
from jobqueue.models.tenant import Role, Tenant
from jobqueue.service import profiles
from tests.support.events import load_event


class CountingStore:
    def __init__(self, tenants: dict[str, Tenant]):
        self.tenants = tenants
        self.reads = 0

    def get(self, tenant_id: str) -> Tenant | None:
        self.reads += 1
        return self.tenants.get(tenant_id)


@pytest.fixture(autouse=True)
def _empty_cache():
    profiles.forget()
    yield
    profiles.forget()


def test_the_principal_comes_from_the_authorizer_lambda_context():
    principal = principal_of(load_event("api_get_job"))

    assert principal.role is Role.TENANT and principal.tenant_id == "acme"
    assert principal.tier == 2 and principal.key_id == "key_3f9a1c2b7d4e"


def test_an_event_without_authorizer_context_is_unauthorized():
    with pytest.raises(Unauthorized):
        principal_of(load_event("api_get_job", principal=None))


def test_a_context_with_an_unknown_role_is_unauthorized():
    with pytest.raises(Unauthorized):
        principal_of(load_event("api_get_job", principal={"role": "root"}))


def test_tenant_routes_refuse_admin_keys_and_admin_routes_refuse_tenant_keys():
    with pytest.raises(Forbidden):
        require_tenant(load_event("api_get_job", principal={"role": "admin"}))
    with pytest.raises(Forbidden):
        require_admin(load_event("api_get_job"))


def test_a_profile_is_read_once_within_the_cache_time():
    store = CountingStore({"acme": Tenant(tenant_id="acme", name="Acme", tier=2)})

    profiles.tenant_profile("acme", store)
    profiles.tenant_profile("acme", store)

    assert store.reads == 1


def test_a_profile_is_read_again_after_the_cache_time(monkeypatch):
    store = CountingStore({"acme": Tenant(tenant_id="acme", name="Acme", tier=2)})
    now = [1000.0]
    monkeypatch.setattr(profiles.time, "monotonic", lambda: now[0])
    profiles.tenant_profile("acme", store)

    now[0] += profiles.TTL_SECONDS + 0.1
    profiles.tenant_profile("acme", store)

    assert store.reads == 2


def test_a_forgotten_profile_is_read_again():
    store = CountingStore({"acme": Tenant(tenant_id="acme", name="Acme", tier=2)})
    profiles.tenant_profile("acme", store)

    profiles.forget("acme")
    profiles.tenant_profile("acme", store)

    assert store.reads == 2


def test_a_tenant_without_a_profile_is_forbidden():
    with pytest.raises(Forbidden):
        profiles.tenant_profile("ghost", CountingStore({}))
