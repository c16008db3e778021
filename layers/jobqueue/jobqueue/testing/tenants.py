"""In-memory tenant profiles and API keys (keys kept only as hashes, as on DynamoDB)."""

from __future__ import annotations

from datetime import datetime

from jobqueue import ids
from jobqueue.models.tenant import ApiKeyInfo, ApiKeyRecord, Role, Tenant
from jobqueue.ports import Clock
from jobqueue.testing.locking import synchronized
from jobqueue.times import iso


@synchronized
class InMemoryTenantRepository:
    def __init__(self, clock: Clock):
        self._clock = clock
        self._tenants: dict[str, Tenant] = {}
        self._reconcile_due: dict[str, datetime] = {}
        self._keys: dict[str, ApiKeyRecord] = {}
        self._refs: dict[str, dict[str, tuple[str, ApiKeyInfo]]] = {}

    def put(self, tenant: Tenant) -> Tenant:
        known = self._tenants.get(tenant.tenant_id)
        secret = (
            (known.signing_secret if known else None) or tenant.signing_secret or ids.new_signing_secret()
        )
        self._tenants[tenant.tenant_id] = tenant.model_copy(deep=True, update={"signing_secret": secret})
        self._reconcile_due.setdefault(tenant.tenant_id, self._clock.now())
        return self._tenants[tenant.tenant_id].model_copy(deep=True)

    def get(self, tenant_id: str) -> Tenant | None:
        tenant = self._tenants.get(tenant_id)
        return tenant.model_copy(deep=True) if tenant else None

    def list_all(self) -> list[Tenant]:
        return [self._tenants[t].model_copy(deep=True) for t in sorted(self._tenants)]

    def due_for_reconciliation(self, now: datetime, limit: int) -> list[str]:
        due = sorted((at, tenant_id) for tenant_id, at in self._reconcile_due.items() if at <= now)
        return [tenant_id for _, tenant_id in due[:limit]]

    def push_reconciliation(self, tenant_id: str, due: datetime) -> None:
        if tenant_id in self._tenants:
            self._reconcile_due[tenant_id] = due

    def issue_key(self, tenant_id: str | None, role: Role = Role.TENANT) -> tuple[str, str]:
        key_id, api_key = ids.new_api_key()
        key_hash = ids.hash_key(api_key)
        self._keys[key_hash] = ApiKeyRecord(key_id=key_id, role=role, tenant_id=tenant_id)
        if tenant_id is not None:
            info = ApiKeyInfo(key_id, tenant_id, iso(self._clock.now()))
            self._refs.setdefault(tenant_id, {})[key_id] = (key_hash, info)
        return key_id, api_key

    def list_keys(self, tenant_id: str) -> list[ApiKeyInfo]:
        return [info for _, info in self._refs.get(tenant_id, {}).values()]

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyInfo | None:
        ref = self._refs.get(tenant_id, {}).get(key_id)
        if ref is None:
            return None
        key_hash, info = ref
        self._keys.pop(key_hash, None)
        if info.revoked_at is None:
            info = ApiKeyInfo(info.key_id, tenant_id, info.created_at, iso(self._clock.now()))
            self._refs[tenant_id][key_id] = (key_hash, info)
        return info

    def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        return self._keys.get(key_hash)
