"""Tenants, API key records, and the caller identity the authorizer hands to the API.

Limits and the table of tiers are in `jobqueue.tiers`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

from pydantic import BaseModel, Field

from jobqueue.tiers import TIER_LIMITS, LimitOverrides, TenantLimits

# Which job status changes go to the event bus as `Job Status Changed` events: only those into a
# terminal status (the default), every one, or none (docs/decisions/012).
BusEvents = Literal["terminal", "all", "none"]
BUS_EVENTS: tuple[str, ...] = get_args(BusEvents)
DEFAULT_BUS_EVENTS: BusEvents = "terminal"


class Role(StrEnum):
    TENANT = "tenant"
    ADMIN = "admin"


class Principal(BaseModel):
    """Who is calling: from the authorizer context, never from the request."""

    role: Role
    tenant_id: str | None = None
    tier: int | None = None
    key_id: str | None = None


class Tenant(BaseModel):
    tenant_id: str
    name: str
    tier: int = Field(ge=1, le=4)
    overrides: LimitOverrides = Field(default_factory=LimitOverrides)
    # HMAC key of the tenant's callbacks and alert webhooks: made when the profile is first
    # written, kept on every update, shown to admins only.
    signing_secret: str | None = Field(default=None, repr=False)
    # A suspended tenant's keys are refused and its jobs wait (nothing is lost); false again
    # and they run.
    suspended: bool = False
    # The tenant's lifecycle events on the bus; None: the deployment's choice (`LIFECYCLE_EVENTS`).
    bus_events: BusEvents | None = None

    @property
    def limits(self) -> TenantLimits:
        base = TIER_LIMITS[self.tier].model_dump()
        base.update(self.overrides.model_dump(exclude_none=True))
        return TenantLimits.model_validate(base)


@dataclass(frozen=True)
class ApiKeyInfo:
    """A tenant's key as admins list it: never the key nor its hash."""

    key_id: str
    tenant_id: str
    created_at: str
    revoked_at: str | None = None

    def view(self) -> dict[str, str | None]:
        status = "revoked" if self.revoked_at else "active"
        return {
            "key_id": self.key_id,
            "tenant_id": self.tenant_id,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "status": status,
        }


@dataclass(frozen=True)
class ApiKeyRecord:
    """What a key hash maps to: never the key itself."""

    key_id: str
    role: Role
    tenant_id: str | None = None
