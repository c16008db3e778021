"""HTTP API Lambda authorizer, payload 2.0 with simple responses.

`Authorization: Bearer <key>` -> SHA-256. The admin key is compared (constant time) with
`ADMIN_KEY_HASH`; any other key is looked up as `KEY#<hash>`. A tenant key's tier is read from the
tenant profile (not copied onto the key item): one more GetItem per authorizer cache miss (API
Gateway caches the answer 30 s per key), but a tier change needs no rewrite of the tenant's keys,
and a key whose tenant was removed, or suspended, stops working. The API re-reads the profile for limits, so the
tier in the context is for logging and routing hints only.

A missing or bad key fails the invocation with the message "Unauthorized", which API Gateway
answers with 401 (a simple `isAuthorized: false` would answer 403, the status of a wrong role);
see docs/decisions. The key itself is never logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.ids import hash_key
from jobqueue.models.tenant import Role
from jobqueue.ports import TenantRepository
from jobqueue.settings import get_settings

logger = Logger(child=True)

MAX_KEY_LENGTH = 512


class Unauthorized(Exception):
    """Fails the authorizer so that API Gateway answers 401: the message must be exactly this."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def bearer_token(headers: Mapping[str, str] | None) -> str | None:
    """The key of `Authorization: Bearer <key>` (header names are lower-case in payload 2.0)."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "authorization"), None)
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_KEY_LENGTH:
        return None
    return token


def is_admin_hash(key_hash: str, admin_hash: str) -> bool:
    return bool(admin_hash) and hmac.compare_digest(key_hash, admin_hash.strip().lower())


def authorize(event: Mapping[str, Any], tenants: TenantRepository) -> dict[str, Any]:
    """`{"isAuthorized": True, "context": {...}}`, or raises Unauthorized for a missing or bad key."""
    token = bearer_token(event.get("headers"))
    if token is None:
        logger.info("denied: no bearer key")
        raise Unauthorized()
    key_hash = hash_key(token)
    if is_admin_hash(key_hash, get_settings().admin_key_hash):
        return _allow(role=Role.ADMIN.value, key_id="admin")
    record = tenants.find_key(key_hash)
    if record is None:
        logger.info("denied: unknown key")
        raise Unauthorized()
    if record.role is Role.ADMIN:
        return _allow(role=Role.ADMIN.value, key_id=record.key_id)
    tenant = tenants.get(record.tenant_id) if record.tenant_id else None
    if tenant is None:
        logger.info("denied: key of a tenant without a profile", extra={"key_id": record.key_id})
        raise Unauthorized()
    if tenant.suspended:
        logger.info("denied: the tenant is suspended", extra={"key_id": record.key_id})
        raise Unauthorized()
    return _allow(role=Role.TENANT.value, key_id=record.key_id, tenant_id=tenant.tenant_id, tier=tenant.tier)


def _allow(**context: Any) -> dict[str, Any]:
    logger.info("allowed", extra={"principal": context})
    return {"isAuthorized": True, "context": context}
