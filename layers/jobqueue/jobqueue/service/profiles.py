"""The tenant profile behind a tenant key, cached in-process for a few seconds.

An admin change reaches this process at once (the admin route forgets the entry) and every
other warm API container within `TTL_SECONDS`.
"""

from __future__ import annotations

import time

from jobqueue.errors import Forbidden
from jobqueue.models.tenant import Tenant
from jobqueue.store.tenants import TenantStore

TTL_SECONDS = 5.0

_cache: dict[str, tuple[float, Tenant]] = {}


def tenant_profile(tenant_id: str, store: TenantStore | None = None) -> Tenant:
    """The tenant's profile; Forbidden (403) when the key's tenant has no profile."""
    now = time.monotonic()
    cached = _cache.get(tenant_id)
    if cached and cached[0] > now:
        return cached[1]
    tenant = (store or TenantStore()).get(tenant_id)
    if tenant is None:
        _cache.pop(tenant_id, None)
        raise Forbidden("this key's tenant has no profile", {"tenant_id": tenant_id})
    _cache[tenant_id] = (now + TTL_SECONDS, tenant)
    return tenant


def forget(tenant_id: str | None = None) -> None:
    """Drop one cached profile (after an admin change) or all of them (tests)."""
    if tenant_id is None:
        _cache.clear()
    else:
        _cache.pop(tenant_id, None)
