"""`/v1/admin`: tenant profiles and API keys (admin keys only)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jobqueue import cursors
from jobqueue.activity import queries
from jobqueue.api.caller import require_admin
from jobqueue.api.deps import ports_of
from jobqueue.api.openapi import IssuedKey, responses
from jobqueue.api.openapi_activity import AdminStats
from jobqueue.errors import NotFound
from jobqueue.models.tenant import BusEvents, Tenant
from jobqueue.ports import TenantRepository
from jobqueue.tiers import LimitOverrides

router = Router()

TenantId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")]


BUS_EVENTS_HELP = (
    "which `Job Status Changed` events of its jobs go to the event bus: `terminal` (changes into "
    "completed, failed, timed_out or cancelled), `all` or `none`; null: the deployment's "
    "choice (template parameter `LifecycleEvents`, default `terminal`)"
)


class TenantProfile(BaseModel):
    tenant_id: str
    name: str
    tier: int
    limits: dict[str, Any] = Field(description="effective: the tier's, with the overrides")
    overrides: dict[str, Any]
    suspended: bool = False
    bus_events: BusEvents | None = Field(default=None, description=BUS_EVENTS_HELP)
    signing_secret: str | None = Field(default=None, description="not in lists")


class TenantPage(BaseModel):
    tenants: list[TenantProfile]
    next_cursor: str | None


class TenantUpsert(BaseModel):
    """`PUT /v1/admin/tenants/{tenant_id}`: the whole profile; `limits` overrides the tier's."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    tier: int = Field(ge=1, le=4)
    limits: LimitOverrides = Field(default_factory=LimitOverrides)
    suspended: bool = Field(default=False, description="its keys are refused and its jobs wait")
    bus_events: BusEvents | None = Field(default=None, description=BUS_EVENTS_HELP)


def _existing(tenants: TenantRepository, tenant_id: str) -> Tenant:
    """The tenant's profile, or a 404."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("tenant not found", {"tenant_id": tenant_id})
    return tenant


def profile(tenant: Tenant, *, with_secret: bool = True) -> dict[str, Any]:
    answer = {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        "tier": tenant.tier,
        "limits": tenant.limits.model_dump(mode="json"),
        "overrides": tenant.overrides.model_dump(mode="json", exclude_none=True),
        "suspended": tenant.suspended,
        "bus_events": tenant.bus_events,
    }
    if with_secret:  # verifies the X-Jobqueue-Signature of the tenant's callbacks and alert webhooks
        answer["signing_secret"] = tenant.signing_secret
    return answer


@router.put(
    "/tenants/<tenant_id>",
    summary="Create or update a tenant",
    tags=["admin"],
    responses=responses(200, "the profile as stored", TenantProfile, body=True),
)
def put_tenant(tenant_id: TenantId, body: TenantUpsert) -> Any:
    require_admin(router.current_event.raw_event)
    tenant = Tenant(
        tenant_id=tenant_id,
        name=body.name,
        tier=body.tier,
        overrides=body.limits,
        suspended=body.suspended,
        bus_events=body.bus_events,
    )
    return profile(ports_of(router).tenants.put(tenant))  # the profile cache forgets the tenant


@router.get(
    "/tenants/<tenant_id>",
    summary="A tenant's profile: tier, effective limits, overrides, signing secret",
    tags=["admin"],
    responses=responses(200, "the profile", TenantProfile, 403, 404),
)
def get_tenant(tenant_id: TenantId) -> Any:
    require_admin(router.current_event.raw_event)
    return profile(_existing(ports_of(router).tenants, tenant_id))


@router.get(
    "/tenants",
    summary="Every tenant, by id, a page at a time (no secrets)",
    tags=["admin"],
    responses=responses(200, "a page of tenants", TenantPage, 400, 403),
)
def list_tenants(
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` of the last page")] = None,
) -> Any:
    require_admin(router.current_event.raw_event)
    after = ""
    if cursor:
        data = cursors.decode(cursor)
        if data.get("k") != "tenants" or not isinstance(data.get("after"), str):
            raise cursors.mismatch()
        after = data["after"]
    rest = [t for t in ports_of(router).tenants.list_all() if t.tenant_id > after]
    page = rest[:limit]
    more = len(rest) > limit
    return {
        "tenants": [profile(t, with_secret=False) for t in page],
        "next_cursor": cursors.encode({"k": "tenants", "after": page[-1].tenant_id}) if more else None,
    }


@router.post(
    "/tenants/<tenant_id>/keys",
    summary="Issue an API key (shown once)",
    tags=["admin"],
    responses=responses(201, "the key", IssuedKey, 404),
)
def issue_key(tenant_id: TenantId) -> Any:
    require_admin(router.current_event.raw_event)
    tenants = ports_of(router).tenants
    _existing(tenants, tenant_id)
    key_id, api_key = tenants.issue_key(tenant_id)
    return {"tenant_id": tenant_id, "key_id": key_id, "api_key": api_key}, 201


@router.get(
    "/stats",
    summary="System statistics of the last 24 h and the queues now",
    tags=["admin"],
    responses=responses(200, "the statistics", AdminStats, 403),
)
def get_stats() -> Any:
    require_admin(router.current_event.raw_event)
    return queries.system(ports_of(router))


class KeyView(BaseModel):
    key_id: str
    tenant_id: str
    created_at: str
    revoked_at: str | None
    status: str = Field(description="active | revoked")


class KeyList(BaseModel):
    keys: list[KeyView]


KeyId = Annotated[str, Path(pattern=r"^key_[0-9a-f]{6,64}$")]


@router.get(
    "/tenants/<tenant_id>/keys",
    summary="A tenant's API keys, active and revoked (never the keys themselves)",
    tags=["admin"],
    responses=responses(200, "the keys", KeyList, 404),
)
def list_keys(tenant_id: TenantId) -> Any:
    require_admin(router.current_event.raw_event)
    tenants = ports_of(router).tenants
    _existing(tenants, tenant_id)
    return {"keys": [key.view() for key in tenants.list_keys(tenant_id)]}


@router.delete(
    "/tenants/<tenant_id>/keys/<key_id>",
    summary="Revoke a key: refused from the next authorizer cache miss (at most 30 s)",
    tags=["admin"],
    responses=responses(200, "the revoked key (again: the same answer)", KeyView, 404),
)
def revoke_key(tenant_id: TenantId, key_id: KeyId) -> Any:
    require_admin(router.current_event.raw_event)
    revoked = ports_of(router).tenants.revoke_key(tenant_id, key_id)
    if revoked is None:
        raise NotFound("no such key for this tenant", {"tenant_id": tenant_id, "key_id": key_id})
    return revoked.view()
