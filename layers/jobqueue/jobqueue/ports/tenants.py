"""Tenant profiles, API keys and the per-tenant counters behind the limits."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from jobqueue.models.counters import CounterSnapshot, CounterUsage, Overwrite
from jobqueue.models.tenant import ApiKeyInfo, ApiKeyRecord, Role, Tenant


class TenantRepository(Protocol):
    """Tenant profiles and API keys (stored only as hashes)."""

    def put(self, tenant: Tenant) -> Tenant: ...

    def get(self, tenant_id: str) -> Tenant | None: ...

    def list_all(self) -> list[Tenant]:
        """Every tenant profile, by tenant id."""

    def due_for_reconciliation(self, now: datetime, limit: int) -> list[str]:
        """Up to `limit` tenant ids whose counter reconciliation is due, most overdue first."""

    def push_reconciliation(self, tenant_id: str, due: datetime) -> None: ...

    def issue_key(self, tenant_id: str | None, role: Role = Role.TENANT) -> tuple[str, str]:
        """A new key: (key_id, api_key); the key is shown once, only its hash is kept."""

    def find_key(self, key_hash: str) -> ApiKeyRecord | None: ...

    def list_keys(self, tenant_id: str) -> list[ApiKeyInfo]:
        """The tenant's keys, active and revoked, oldest first."""

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyInfo | None:
        """Revoke one of the tenant's keys (again: no change); None when it has no such key."""


class TenantCounters(Protocol):
    """Per-tenant counters behind the limits: waiting jobs, running slots, the UTC day's
    submissions. Each change is one atomic conditional write: two racing callers never both
    take the last place."""

    def reserve(
        self, tenant_id: str, waiting: int, daily: int, max_queued: int, max_daily: int, now: datetime
    ) -> None:
        """An admission: `waiting` places (0 for a submission that does not wait, a recurring
        schedule) and `daily` of the UTC day's count, both or neither. Raises TenantLimitExceeded
        (max_queued_jobs first, else max_daily_jobs with retry_after) and changes nothing."""

    def reserve_waiting(self, tenant_id: str, n: int, limit: int) -> None:
        """Raises TenantLimitExceeded (max_queued_jobs) when `n` more would pass `limit`."""

    def release_waiting(self, tenant_id: str, n: int = 1) -> bool:
        """Give back `n` places, never below 0; False when the counter had drifted."""

    def release_daily(self, tenant_id: str, n: int, now: datetime) -> bool:
        """Give back `n` of the day's count of `now`, never below 0; False when it had drifted."""

    def take_running(self, tenant_id: str, limit: int) -> bool:
        """Move one job from waiting to running if fewer than `limit` run; False otherwise."""

    def give_running(self, tenant_id: str, *, requeued: bool = False) -> bool:
        """Give a running slot back (`requeued`: the job is waiting again in the same step)."""

    def snapshot(self, tenant_id: str, consistent: bool = True) -> CounterSnapshot: ...

    def daily_count(self, tenant_id: str, now: datetime) -> int: ...

    def usage(self, tenant_id: str, now: datetime) -> CounterUsage: ...

    def overwrite(self, tenant_id: str, waiting: int, running: int, seen: CounterSnapshot) -> Overwrite:
        """Set the counter to these values unless it moved since `seen` was read."""
