"""Who is calling: the Principal the Lambda authorizer put in `requestContext.authorizer.lambda`.

The tenant always comes from there (from the API key), never from the request body or path.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from jobqueue.errors import Forbidden, Unauthorized
from jobqueue.models.tenant import Principal, Role, Tenant
from jobqueue.ports import TenantRepository
from jobqueue.tenancy.profiles import require_profile


def principal_of(event: dict[str, Any]) -> Principal:
    """The caller of an HTTP API v2 event; 401 when the authorizer left no identity."""
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda")
    if not isinstance(context, dict):
        raise Unauthorized("no credentials")
    try:
        return Principal.model_validate(context)
    except ValidationError:
        raise Unauthorized("credentials not understood") from None


def require_tenant(event: dict[str, Any]) -> Principal:
    principal = principal_of(event)
    if principal.role is not Role.TENANT or not principal.tenant_id:
        raise Forbidden("this route needs a tenant API key", {"role": principal.role.value})
    return principal


def require_admin(event: dict[str, Any]) -> Principal:
    principal = principal_of(event)
    if principal.role is not Role.ADMIN:
        raise Forbidden("this route needs an admin API key", {"role": principal.role.value})
    return principal


def current_tenant(event: dict[str, Any], tenants: TenantRepository) -> Tenant:
    """The calling tenant's profile (cached a few seconds); 403 for admin keys or unknown tenants."""
    principal = require_tenant(event)
    assert principal.tenant_id is not None
    return require_profile(tenants, principal.tenant_id)
