"""In-memory tenant profiles and API keys (keys kept only as hashes, as on DynamoDB)."""

from __future__ import annotations

from datetime import datetime

from jobqueue import ids
from jobqueue.models.tenant import ApiKeyRecord, Role, Tenant
from jobqueue.ports import Clock


class InMemoryTenantRepository:
    def __init__(self, clock: Clock):
        self._clock = clock
        self._tenants: dict[str, Tenant] = {}
        self._reconcile_due: dict[str, datetime] = {}
        self._keys: dict[str, ApiKeyRecord] = {}

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
        self._keys[ids.hash_key(api_key)] = ApiKeyRecord(key_id=key_id, role=role, tenant_id=tenant_id)
        return key_id, api_key

    def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        return self._keys.get(key_hash)
