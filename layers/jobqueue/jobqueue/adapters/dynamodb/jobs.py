"""The job repository on DynamoDB: writes (every state change one conditional UpdateItem),
reads by key, the sweeper's index and the dependents set. Queries are in `job_reads`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from jobqueue.adapters.dynamodb import indexes, job_reads, keys
from jobqueue.adapters.dynamodb.indexes import SWEEP_INDEX
from jobqueue.adapters.dynamodb.items import (
    HISTORY,
    TableHolder,
    history_entry,
    is_condition_failure,
    item_to_job,
    job_to_item,
    to_attr,
)
from jobqueue.errors import ValidationFailed
from jobqueue.models.job import Job, JobStatus, status_change
from jobqueue.models.job_query import JobPage, JobQuery
from jobqueue.ports import Clock, Guard, SweepEntry
from jobqueue.times import iso, parse_iso

MAX_DEPENDENTS = 1000  # a 400 KB item holds ~12,000 ids; keep parents small and fast to read
_OPEN_STATUSES = (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING)


class DynamoJobRepository(TableHolder):
    """Items `T#<tenant>` / `JOB#<id>`; GSI1 by status, GSI2 the sweeper's sparse index."""

    def __init__(self, clock: Clock, table: Any = None, max_dependents: int = MAX_DEPENDENTS):
        super().__init__(table)
        self._clock = clock
        self._max_dependents = max_dependents

    # -- create and delete ------------------------------------------------------------------------
    def create(self, job: Job, sweep_at: datetime | None = None) -> bool:
        try:
            self.table.put_item(
                Item=job_to_item(job, sweep_at), ConditionExpression="attribute_not_exists(PK)"
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def create_many(self, jobs: Iterable[tuple[Job, datetime | None]]) -> None:
        """BatchWriteItem, 25 per request, unprocessed items retried (boto3's batch writer)."""
        with self.table.batch_writer() as batch:
            for job, sweep_at in jobs:
                batch.put_item(Item=job_to_item(job, sweep_at))

    def delete(self, tenant_id: str, job_id: str, expected: Iterable[JobStatus] | None = None) -> bool:
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

    # -- reads ------------------------------------------------------------------------------------
    def get(self, tenant_id: str, job_id: str, consistent: bool = True) -> Job | None:
        item = self.table.get_item(Key=keys.job_key(tenant_id, job_id), ConsistentRead=consistent).get("Item")
        return item_to_job(item) if item else None

    def get_many(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Job]:
        found = indexes.fetch(self.table, [keys.job_key(t, j) for t, j in wanted])
        jobs = (item_to_job(item) for item in found.values())
        return {(job.tenant_id, job.id): job for job in jobs}

    def list(self, tenant_id: str, query: JobQuery) -> JobPage:
        return job_reads.list_jobs(self.table, tenant_id, query, self._clock.now())

    def count(self, tenant_id: str, statuses: Iterable[JobStatus], *, schedules: bool = True) -> int:
        return job_reads.count(self.table, tenant_id, statuses, schedules=schedules)

    def waiting(self, tenant_id: str) -> Iterator[Job]:
        return job_reads.waiting(self.table, tenant_id)

    def finished_before(self, tenant_id: str, status: JobStatus, cutoff: datetime) -> Iterator[str]:
        return job_reads.finished_before(self.table, tenant_id, status, cutoff)

    # -- transitions ------------------------------------------------------------------------------
    def transition(
        self,
        tenant_id: str,
        job_id: str,
        expected: Iterable[JobStatus],
        changes: Mapping[str, Any],
        *,
        remove: Iterable[str] = (),
        sweep_at: datetime | None = None,
        clear_sweep: bool = False,
        guard: Guard | None = None,
        note: Mapping[str, Any] | None = None,
    ) -> Job | None:
        now = self._clock.now()
        changes = {**changes, "updated_at": now}
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
            names["#hist"] = HISTORY
            values[":hist"] = [history_entry(status_change(changes, now, note))]
            values[":none"] = []
            sets.append("#hist = list_append(if_not_exists(#hist, :none), :hist)")
        if sweep_at is not None:
            sets.append("GSI2PK = :gsi2pk, GSI2SK = :gsi2sk")
            values[":gsi2pk"] = keys.sweep_pk(job_id)
            values[":gsi2sk"] = iso(sweep_at)
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
        condition = f"attribute_exists(PK) AND #status IN ({', '.join(status_terms)})"
        condition += _guard_terms(guard, names, values)
        try:
            response = self.table.update_item(
                Key=keys.job_key(tenant_id, job_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return item_to_job(response["Attributes"])

    # -- the sweeper's index ----------------------------------------------------------------------
    def due_for_sweep(self, now: datetime, per_shard: int) -> list[SweepEntry]:
        """Up to `per_shard` due entries of each shard of the sweep index (keys only), the jobs
        fetched whole (strongly consistent). A job whose deadline was cleared or moved past
        `now` since the index was read is no longer due and is left out, as is a deleted one."""
        table, until = self.table, iso(now)
        due: list[dict[str, Any]] = []
        for shard in keys.sweep_shard_pks():
            response = table.query(
                IndexName=SWEEP_INDEX,
                KeyConditionExpression=Key("GSI2PK").eq(shard) & Key("GSI2SK").lte(until),
                Limit=per_shard,
            )
            due += response.get("Items", [])
        return [
            SweepEntry(item_to_job(item), parse_iso(item["GSI2SK"]))
            for item in indexes.whole(table, due)
            if item.get("GSI2SK") and item["GSI2SK"] <= until
        ]

    # -- dependents -------------------------------------------------------------------------------
    def add_dependent(self, parent: Job, child_id: str) -> bool:
        """`ADD dependents :child` on the parent's item, conditional on the parent being open."""
        key = keys.job_key(parent.tenant_id, parent.id)
        values: dict[str, Any] = {":child": {child_id}, ":max": self._max_dependents}
        values.update({f":s{i}": status.value for i, status in enumerate(_OPEN_STATUSES)})
        statuses = ", ".join(f":s{i}" for i in range(len(_OPEN_STATUSES)))
        try:
            self.table.update_item(
                Key=key,
                UpdateExpression="ADD dependents :child",
                ConditionExpression=(
                    f"attribute_exists(PK) AND #status IN ({statuses})"
                    " AND (attribute_not_exists(dependents) OR size(dependents) < :max)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
            if item and item.get("status") in {s.value for s in _OPEN_STATUSES}:
                if child_id in item.get("dependents", set()):
                    return True  # recorded by an earlier try of the same submission
                message = f"job {parent.id} has {self._max_dependents} dependents already"
                raise ValidationFailed(f"invalid depends_on: {message}", {"depends_on": message}) from error
            return False
        return True


def _guard_terms(guard: Guard | None, names: dict[str, str], values: dict[str, Any]) -> str:
    """The guard's conditions as ` AND ...` terms (the sweep deadline is the item's GSI2SK)."""
    if guard is None:
        return ""
    terms = []
    if guard.attempts is not None:
        names["#g_att"] = "attempts"
        values[":g_att"] = guard.attempts
        terms.append("#g_att = :g_att")
    if guard.sweep_due_by is not None:
        names["#g_due"] = "GSI2SK"
        values[":g_due"] = iso(guard.sweep_due_by)
        terms.append("#g_due <= :g_due")
    for i, (name, value) in enumerate((guard.unchanged or {}).items()):
        names[f"#g{i}"] = name
        if value is None:
            terms.append(f"attribute_not_exists(#g{i})")
        else:
            values[f":g{i}"] = to_attr(name, value)
            terms.append(f"#g{i} = :g{i}")
    return "".join(f" AND {term}" for term in terms)
