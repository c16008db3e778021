"""Tenant profiles and API keys in the single table. Keys are stored only as their SHA-256 hash."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from jobqueue import ids
from jobqueue.adapters.dynamodb import indexes, keys
from jobqueue.adapters.dynamodb.indexes import SWEEP_INDEX
from jobqueue.adapters.dynamodb.items import TableHolder, is_condition_failure
from jobqueue.models.tenant import ApiKeyInfo, ApiKeyRecord, Role, Tenant
from jobqueue.ports import Clock
from jobqueue.tiers import LimitOverrides
from jobqueue.times import iso


class DynamoTenantRepository(TableHolder):
    """Profiles (`TENANT#<id>`/`PROFILE`) and keys (`KEY#<hash>`/`KEY`)."""

    def __init__(self, clock: Clock, table: Any = None):
        super().__init__(table)
        self._clock = clock

    # -- profiles -------------------------------------------------------------------------
    def put(self, tenant: Tenant) -> Tenant:
        """Create or replace a tenant's name, tier, overrides, suspension and bus events (created_at
        and the signing secret are kept); returns the profile as stored."""
        now = iso(self._clock.now())
        values: dict[str, Any] = {
            ":id": tenant.tenant_id,
            ":name": tenant.name,
            ":tier": tenant.tier,
            ":overrides": tenant.overrides.model_dump_json(exclude_none=True),
            ":suspended": tenant.suspended,
            ":now": now,
            ":tenants": keys.TENANTS_INDEX_PK,
            ":secret": tenant.signing_secret or ids.new_signing_secret(),
        }
        bus_events = " REMOVE bus_events"  # None: the deployment's choice, no attribute
        if tenant.bus_events is not None:
            bus_events = ", bus_events = :bus_events"
            values[":bus_events"] = tenant.bus_events
        stored = self.table.update_item(
            Key=keys.tenant_profile_key(tenant.tenant_id),
            UpdateExpression=(
                "SET tenant_id = :id, #name = :name, tier = :tier, overrides = :overrides, "
                "suspended = :suspended, "
                "updated_at = :now, created_at = if_not_exists(created_at, :now), "
                "signing_secret = if_not_exists(signing_secret, :secret), "
                # The sparse tenant list of the sweeper's counter reconciliation (GSI2).
                "GSI2PK = :tenants, GSI2SK = if_not_exists(GSI2SK, :now)" + bus_events
            ),
            ExpressionAttributeNames={"#name": "name"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return _tenant(stored)

    def due_for_reconciliation(self, now: datetime, limit: int) -> list[str]:
        """Up to `limit` tenant ids whose reconciliation is due (oldest due first): one query of
        the sparse GSI2 partition `TENANTS`, sort key = the tenant's next due time (the index
        projects keys only: the id is read from the profile's PK)."""
        response = self.table.query(
            IndexName=SWEEP_INDEX,
            KeyConditionExpression=Key("GSI2PK").eq(keys.TENANTS_INDEX_PK) & Key("GSI2SK").lte(iso(now)),
            ProjectionExpression="PK",
            Limit=limit,
        )
        found = (keys.tenant_of_profile(item["PK"]) for item in response.get("Items", []))
        return [tenant_id for tenant_id in found if tenant_id]

    def push_reconciliation(self, tenant_id: str, due: datetime) -> None:
        """The tenant's next reconciliation is at `due` (only if the profile exists)."""
        try:
            self.table.update_item(
                Key=keys.tenant_profile_key(tenant_id),
                UpdateExpression="SET GSI2PK = :tenants, GSI2SK = :due",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":tenants": keys.TENANTS_INDEX_PK, ":due": iso(due)},
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def get(self, tenant_id: str) -> Tenant | None:
        item = self.table.get_item(Key=keys.tenant_profile_key(tenant_id), ConsistentRead=True).get("Item")
        return _tenant(item) if item else None

    def list_all(self) -> list[Tenant]:
        """Every profile: the keys of the sparse GSI2 partition `TENANTS` (a page of 1 MB holds
        thousands), the profiles fetched by key, sorted by id."""
        table, tenants, start = self.table, [], None
        while True:
            page = table.query(
                IndexName=SWEEP_INDEX,
                KeyConditionExpression=Key("GSI2PK").eq(keys.TENANTS_INDEX_PK),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            profiles = indexes.whole(table, page.get("Items", []))
            tenants += [_tenant(item) for item in profiles if "tenant_id" in item]
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(tenants, key=lambda t: t.tenant_id)

    # -- API keys -------------------------------------------------------------------------
    def issue_key(self, tenant_id: str | None, role: Role = Role.TENANT) -> tuple[str, str]:
        """A new key for a tenant (or an admin key): returns (key_id, api_key); only the hash is
        kept, on the key item the authorizer reads and, for a tenant's key, on a reference in the
        tenant's partition (`TENANT#<id>`/`APIKEY#<key_id>`) that lists and revokes it."""
        key_id, api_key = ids.new_api_key()
        key_hash = ids.hash_key(api_key)
        created = iso(self._clock.now())
        item: dict[str, Any] = {**keys.api_key_key(key_hash), "key_id": key_id, "role": role.value}
        item["created_at"] = created
        if tenant_id is not None:
            item["tenant_id"] = tenant_id
            ref = {**keys.api_key_ref_key(tenant_id, key_id), "key_hash": key_hash, "created_at": created}
            self.table.put_item(Item={**ref, "key_id": key_id, "tenant_id": tenant_id})
        self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        return key_id, api_key

    def list_keys(self, tenant_id: str) -> list[ApiKeyInfo]:
        pk = keys.api_key_ref_key(tenant_id, "")["PK"]
        found, start = [], None
        while True:
            page = self.table.query(
                KeyConditionExpression=Key("PK").eq(pk) & Key("SK").begins_with(keys.API_KEY_REF_PREFIX),
                ConsistentRead=True,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            found += [_key_info(item) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(found, key=lambda k: (k.created_at, k.key_id))

    def revoke_key(self, tenant_id: str, key_id: str) -> ApiKeyInfo | None:
        """The key item goes (the authorizer no longer finds it), the reference stays, marked."""
        ref = self.table.get_item(Key=keys.api_key_ref_key(tenant_id, key_id), ConsistentRead=True).get(
            "Item"
        )
        if ref is None:
            return None
        self.table.delete_item(Key=keys.api_key_key(ref["key_hash"]))
        if ref.get("revoked_at"):
            return _key_info(ref)
        stored = self.table.update_item(
            Key=keys.api_key_ref_key(tenant_id, key_id),
            UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :now)",
            ExpressionAttributeValues={":now": iso(self._clock.now())},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return _key_info(stored)

    def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        item = self.table.get_item(Key=keys.api_key_key(key_hash), ConsistentRead=True).get("Item")
        if not item:
            return None
        return ApiKeyRecord(key_id=item["key_id"], role=Role(item["role"]), tenant_id=item.get("tenant_id"))


def _key_info(item: dict[str, Any]) -> ApiKeyInfo:
    return ApiKeyInfo(
        key_id=item["key_id"],
        tenant_id=item["tenant_id"],
        created_at=item["created_at"],
        revoked_at=item.get("revoked_at"),
    )


def _tenant(item: dict[str, Any]) -> Tenant:
    return Tenant(
        tenant_id=item["tenant_id"],
        name=item["name"],
        tier=int(item["tier"]),
        overrides=LimitOverrides.model_validate(json.loads(item.get("overrides") or "{}")),
        signing_secret=item.get("signing_secret"),
        suspended=bool(item.get("suspended", False)),
        bus_events=item.get("bus_events"),
    )
