"""Tenant profiles as the functions read them: cached a few seconds, and the effective limits.

`CachedTenants` wraps the tenant repository (it is one itself): `get` answers from a cache of
`TTL_SECONDS`, `put` forgets the tenant's entry. An admin change therefore reaches the process
that made it at once and every other warm container within `TTL_SECONDS`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue.errors import Forbidden
from jobqueue.models.tenant import ApiKeyInfo, ApiKeyRecord, Role, Tenant
from jobqueue.ports import Clock, TenantRepository
from jobqueue.tiers import TIER_LIMITS, TenantLimits

logger = Logger(child=True)

TTL_SECONDS = 5.0


class CachedTenants:
    def __init__(self, inner: TenantRepository, clock: Clock, ttl_seconds: float = TTL_SECONDS):
        self.inner = inner
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._cache: dict[str, tuple[datetime, Tenant]] = {}

    def get(self, tenant_id: str) -> Tenant | None:
        now = self._clock.now()
        cached = self._cache.get(tenant_id)
        if cached and cached[0] > now:
            return cached[1]
        tenant = self.inner.get(tenant_id)
        if tenant is None:
            self._cache.pop(tenant_id, None)
        else:
            self._cache[tenant_id] = (now + self._ttl, tenant)
        return tenant

    def put(self, tenant: Tenant) -> Tenant:
        self.forget(tenant.tenant_id)
        return self.inner.put(tenant)

    def forget(self, tenant_id: str | None = None) -> None:
        """Drop one cached profile, or all of them."""
        if tenant_id is None:
            self._cache.clear()
        else:
            self._cache.pop(tenant_id, None)

    def list_all(self) -> list[Tenant]:
        return self.inner.list_all()

    def due_for_reconciliation(self, now: datetime, limit: int) -> list[str]:
        return self.inner.due_for_reconciliation(now, limit)

    def push_reconciliation(self, tenant_id: str, due: datetime) -> None:
        self.inner.push_reconciliation(tenant_id, due)

    def issue_key(self, tenant_id: str | None, role: Role = Role.TENANT) -> tuple[str, str]:
        return self.inner.issue_key(tenant_id, role)

    def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        return self.inner.find_key(key_hash)

    def list_keys(self, tenant_id: str) -> list[ApiKeyInfo]:
        return self.inner.list_keys(tenant_id)

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyInfo | None:
        return self.inner.revoke_key(tenant_id, key_id)


def require_profile(tenants: TenantRepository, tenant_id: str) -> Tenant:
    """The tenant's profile; Forbidden (403) when the key's tenant has no profile."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise Forbidden("this key's tenant has no profile", {"tenant_id": tenant_id})
    return tenant


def effective_limits(tenants: TenantRepository, tenant_id: str, tier: int = 1) -> TenantLimits:
    """The tenant's limits with its overrides; the tier's limits when the profile is gone."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        logger.warning("tenant has no profile: tier limits used", extra={"tenant_id": tenant_id})
        return TIER_LIMITS.get(tier, TIER_LIMITS[1])
    return tenant.limits
