"""The caller from the authorizer context, role checks, and the tenant profile cache."""

from __future__ import annotations

import pytest

from jobqueue.api.caller import principal_of, require_admin, require_tenant
from jobqueue.errors import Forbidden, Unauthorized
from jobqueue.models.tenant import Role, Tenant
from jobqueue.tenancy.profiles import TTL_SECONDS, CachedTenants, require_profile
from jobqueue.testing import FrozenClock
from jobqueue.testing.tenants import InMemoryTenantRepository
from tests.support.events import load_event


class CountingStore(InMemoryTenantRepository):
    def __init__(self, clock: FrozenClock, tenants: list[Tenant]):
        super().__init__(clock)
        for tenant in tenants:
            self.put(tenant)
        self.reads = 0

    def get(self, tenant_id: str) -> Tenant | None:
        self.reads += 1
        return super().get(tenant_id)


ACME = Tenant(tenant_id="acme", name="Acme", tier=2)


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
    clock = FrozenClock()
    store = CountingStore(clock, [ACME])
    cached = CachedTenants(store, clock)

    cached.get("acme")
    clock.advance(TTL_SECONDS - 0.1)
    cached.get("acme")

    assert store.reads == 1


def test_a_profile_is_read_again_after_the_cache_time():
    clock = FrozenClock()
    store = CountingStore(clock, [ACME])
    cached = CachedTenants(store, clock)
    cached.get("acme")

    clock.advance(TTL_SECONDS + 0.1)
    cached.get("acme")

    assert store.reads == 2


def test_a_profile_put_through_the_cache_is_read_again():
    clock = FrozenClock()
    store = CountingStore(clock, [ACME])
    cached = CachedTenants(store, clock)
    cached.get("acme")

    cached.put(ACME.model_copy(update={"tier": 3}))

    assert cached.get("acme").tier == 3 and store.reads == 2


def test_a_tenant_without_a_profile_is_forbidden():
    clock = FrozenClock()
    with pytest.raises(Forbidden):
        require_profile(CachedTenants(CountingStore(clock, []), clock), "ghost")
