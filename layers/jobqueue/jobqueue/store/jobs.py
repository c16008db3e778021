"""Job records in DynamoDB: create, read, list, and conditional state transitions."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from jobqueue import clock, keys
from jobqueue.errors import BadRequest
from jobqueue.ids import ulid_ceiling, ulid_floor
from jobqueue.models.job import Job, JobStatus
from jobqueue.store.serialize import item_to_job, job_to_item, to_attr
from jobqueue.store.table import TableAdapter

_FILTER_FIELDS = ("type", "handler", "priority", "parent_id")


@dataclass
class JobQuery:
    status: JobStatus | None = None
    type: str | None = None
    handler: str | None = None
    priority: str | None = None
    parent_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    limit: int = 50
    cursor: str | None = None

    def fingerprint(self) -> str:
        parts = [
            self.status,
            self.type,
            self.handler,
            self.priority,
            self.parent_id,
            self.created_after,
            self.created_before,
        ]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@dataclass
class JobPage:
    jobs: list[Job] = field(default_factory=list)
    next_cursor: str | None = None


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class JobStore(TableAdapter):
    """The job repository. All writes of a job's state go through `transition`."""

    # -- create ---------------------------------------------------------------------------
    def create(self, job: Job, sweep_at: datetime | None = None) -> bool:
        """Write a new job; False when a job with this id exists already (a duplicate)."""
        item = job_to_item(job)
        _add_sweep(item, job.id, sweep_at)
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def create_many(self, jobs: Iterable[tuple[Job, datetime | None]]) -> None:
        """Batch-write new jobs with fresh ids (BatchWriteItem, 25 per request, retried)."""
        with self.table.batch_writer() as batch:
            for job, sweep_at in jobs:
                item = job_to_item(job)
                _add_sweep(item, job.id, sweep_at)
                batch.put_item(Item=item)

    def delete(self, tenant_id: str, job_id: str, expected: Iterable[JobStatus] | None = None) -> bool:
        """Delete a job (only while its status is one of `expected`, when given); False when it
        is missing or in another status."""
        params: dict[str, Any] = {"Key": keys.job_key(tenant_id, job_id)}
        condition = "attribute_exists(PK)"
        if expected is not None:
            values = {f":e{i}": status.value for i, status in enumerate(expected)}
            condition += f" AND #status IN ({', '.join(values)})"
            params.update(ExpressionAttributeNames={"#status": "status"}, ExpressionAttributeValues=values)
        try:
            self.table.delete_item(ConditionExpression=condition, **params)
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    # -- read -----------------------------------------------------------------------------
    def get(self, tenant_id: str, job_id: str, consistent: bool = True) -> Job | None:
        response = self.table.get_item(Key=keys.job_key(tenant_id, job_id), ConsistentRead=consistent)
        item = response.get("Item")
        return item_to_job(item) if item else None

    def list(self, tenant_id: str, query: JobQuery) -> JobPage:
        start_key = _decode_cursor(query.cursor, tenant_id, query) if query.cursor else None
        low = ulid_floor(query.created_after) if query.created_after else None
        high = ulid_ceiling(query.created_before) if query.created_before else None
        if query.status:
            params: dict[str, Any] = {"IndexName": "GSI1"}
            key = Key("GSI1PK").eq(keys.status_index_pk(tenant_id, query.status.value))
            sort_name, prefix = "GSI1SK", ""
        else:
            params = {}
            key = Key("PK").eq(keys.tenant_pk(tenant_id))
            sort_name, prefix = "SK", keys.JOB_SK_PREFIX
        if low and high:
            key &= Key(sort_name).between(prefix + low, prefix + high)
        elif low:
            key &= Key(sort_name).gte(prefix + low)
        elif high:
            key &= Key(sort_name).between(prefix, prefix + high)
        elif prefix:
            key &= Key(sort_name).begins_with(prefix)
        params["KeyConditionExpression"] = key
        params["ScanIndexForward"] = False  # newest first
        condition = None
        for name in _FILTER_FIELDS:
            value = getattr(query, name)
            if value is not None:
                term = Attr(name).eq(value)
                condition = term if condition is None else condition & term
        if condition is not None:
            params["FilterExpression"] = condition
        page = JobPage()
        for _ in range(10):  # a filtered page may come back short: read on, within bounds
            if start_key:
                params["ExclusiveStartKey"] = start_key
            params["Limit"] = query.limit - len(page.jobs) if condition is None else 100
            response = self.table.query(**params)
            for item in response.get("Items", []):
                page.jobs.append(item_to_job(item))
                if len(page.jobs) == query.limit:
                    start_key = _key_of(item, bool(query.status))
                    break
            else:
                start_key = response.get("LastEvaluatedKey")
            if len(page.jobs) == query.limit or not start_key:
                break
        page.next_cursor = _encode_cursor(start_key, query) if start_key else None
        return page

    # -- transitions ----------------------------------------------------------------------
    def transition(
        self,
        tenant_id: str,
        job_id: str,
        expected: Iterable[JobStatus],
        changes: dict[str, Any],
        remove: Iterable[str] = (),
        sweep_at: datetime | None = None,
        clear_sweep: bool = False,
        condition: tuple[str, dict[str, str], dict[str, Any]] | None = None,
    ) -> Job | None:
        """Conditionally update a job whose status is one of `expected`.

        Args:
            changes: job fields to set; a `status` change moves the job in the status index.
            remove: job fields to remove.
            sweep_at: when the sweeper should look at the job next (lease expiry, dispatch check).
            clear_sweep: take the job out of the sweeper's index.
            condition: an extra condition `(expression, names, values)`, for example
                `("#att = :att", {"#att": "attempts"}, {":att": 3})`.

        Returns:
            The job after the update, or None when the job is missing or not in `expected`
            (a duplicate delivery, a lost race): the caller treats that as a no-op.
        """
        expected = list(expected)
        changes = {**changes, "updated_at": clock.now()}
        names: dict[str, str] = {"#status": "status"}
        values: dict[str, Any] = {}
        sets: list[str] = []
        for i, (name, value) in enumerate(changes.items()):
            names[f"#f{i}"] = name
            values[f":v{i}"] = to_attr(name, value)
            sets.append(f"#f{i} = :v{i}")
        if "status" in changes:
            sets.append("GSI1PK = :gsi1pk")
            values[":gsi1pk"] = keys.status_index_pk(tenant_id, to_attr("status", changes["status"]))
        if sweep_at is not None:
            sets.append("GSI2PK = :gsi2pk, GSI2SK = :gsi2sk")
            values[":gsi2pk"] = keys.sweep_pk(job_id)
            values[":gsi2sk"] = clock.iso(sweep_at)
        removes = []
        for j, name in enumerate(remove):
            names[f"#r{j}"] = name
            removes.append(f"#r{j}")
        if clear_sweep and sweep_at is None:
            removes += ["GSI2PK", "GSI2SK"]
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        status_terms = []
        for k, status in enumerate(expected):
            values[f":e{k}"] = status.value
            status_terms.append(f":e{k}")
        cond = f"attribute_exists(PK) AND #status IN ({', '.join(status_terms)})"
        if condition is not None:
            extra, extra_names, extra_values = condition
            cond += f" AND ({extra})"
            names.update(extra_names)
            values.update(extra_values)
        params: dict[str, Any] = {
            "Key": keys.job_key(tenant_id, job_id),
            "UpdateExpression": expression,
            "ConditionExpression": cond,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
        }
        try:
            response = self.table.update_item(**params)
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return item_to_job(response["Attributes"])

    # -- sweeper --------------------------------------------------------------------------
    def due_for_sweep(self, now: datetime, limit: int = 100) -> list[Job]:
        return [item_to_job(item) for item in self.due_for_sweep_items(now, limit)]

    def due_for_sweep_items(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """The raw items due in the sweeper's index (oldest first per shard, `limit` per shard),
        with their internal attributes (`dispatches`, `GSI2SK`)."""
        items: list[dict[str, Any]] = []
        for shard in keys.sweep_shard_pks():
            response = self.table.query(
                IndexName="GSI2",
                KeyConditionExpression=Key("GSI2PK").eq(shard) & Key("GSI2SK").lte(clock.iso(now)),
                Limit=limit,
            )
            items.extend(response.get("Items", []))
        return items

    def raw_item(self, tenant_id: str, job_id: str) -> dict[str, Any] | None:
        return self.table.get_item(Key=keys.job_key(tenant_id, job_id), ConsistentRead=True).get("Item")


def _add_sweep(item: dict[str, Any], job_id: str, sweep_at: datetime | None) -> None:
    if sweep_at is not None:
        item["GSI2PK"] = keys.sweep_pk(job_id)
        item["GSI2SK"] = clock.iso(sweep_at)


def _key_of(item: dict[str, Any], by_status: bool) -> dict[str, Any]:
    key = {"PK": item["PK"], "SK": item["SK"]}
    if by_status:
        key.update(GSI1PK=item["GSI1PK"], GSI1SK=item["GSI1SK"])
    return key


def _encode_cursor(start_key: dict[str, Any], query: JobQuery) -> str:
    raw = json.dumps({"k": start_key, "f": query.fingerprint()}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, tenant_id: str, query: JobQuery) -> dict[str, Any]:
    """A cursor is only valid for the tenant and the filters it was issued for."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        start_key = data["k"]
        fingerprint = data["f"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise BadRequest("cursor is not valid", {"cursor": "malformed"}) from error
    if not isinstance(start_key, dict) or fingerprint != query.fingerprint():
        raise BadRequest("cursor does not belong to this query", {"cursor": "mismatch"})
    allowed = {"PK", "SK", "GSI1PK", "GSI1SK"}
    if set(start_key) - allowed or start_key.get("PK") != keys.tenant_pk(tenant_id):
        raise BadRequest("cursor does not belong to this query", {"cursor": "mismatch"})
    if "GSI1PK" in start_key and not str(start_key["GSI1PK"]).startswith(keys.tenant_pk(tenant_id) + "#"):
        raise BadRequest("cursor does not belong to this query", {"cursor": "mismatch"})
    if not all(isinstance(v, str) for v in start_key.values()):
        raise BadRequest("cursor is not valid", {"cursor": "malformed"})
    return start_key
