"""Queries of a tenant's jobs: the filtered list with its tenant-bound cursor, counts by status,
finished jobs before a time, and the jobs created in a window.

Job ids are ULIDs (time-ordered), so `SK` order is creation order and `created_after/before`
become key conditions; GSI1 (`T#<tenant>#S#<status>`, sort key the job id) answers `status=`.
GSI1 projects only the attributes its filters read (indexes.STATUS_INDEX_ATTRIBUTES): a reader
that answers whole jobs fetches them by key (indexes.whole), in the index's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from jobqueue import cursors
from jobqueue.adapters.dynamodb import indexes, keys
from jobqueue.adapters.dynamodb.indexes import STATUS_INDEX
from jobqueue.adapters.dynamodb.items import item_to_job
from jobqueue.ids import ulid_ceiling, ulid_floor
from jobqueue.models.job import WAITING_STATUSES, Job, JobStatus
from jobqueue.models.job_query import JobPage, JobQuery
from jobqueue.times import iso

_MAX_ROUNDS = 10  # a filtered page may come back short: read on, within bounds


def presented(status: JobStatus, now: datetime) -> Any:
    """A filter for jobs of the waiting partition whose status as of `now` is `status`: a job
    pending only for its time counts as queued once it is due."""
    due_timer = (
        Attr("status").eq(JobStatus.PENDING.value)
        & Attr("waiting_on").eq("time")
        & (Attr("scheduled_for").not_exists() | Attr("scheduled_for").lte(iso(now)))
    )
    if status is JobStatus.QUEUED:
        return Attr("status").eq(JobStatus.QUEUED.value) | due_timer
    return Attr("status").eq(JobStatus.PENDING.value) & ~due_timer


JOB_ID_TOP = "~"  # sorts after every ULID character


def list_jobs(table: Any, tenant_id: str, query: JobQuery, now: datetime) -> JobPage:
    start_key = _decode_cursor(query.cursor, tenant_id, query) if query.cursor else None
    low = ulid_floor(query.created_after) if query.created_after else None
    high = ulid_ceiling(query.created_before) if query.created_before else None
    if query.status:
        params: dict[str, Any] = {"IndexName": STATUS_INDEX}
        key = Key("GSI1PK").eq(keys.status_index_pk(tenant_id, query.status.value))
        sort_name, prefix = "GSI1SK", ""
    else:
        params = {}
        key = Key("PK").eq(keys.tenant_pk(tenant_id))
        sort_name, prefix = "SK", keys.JOB_SK_PREFIX
    if low and high:
        key &= Key(sort_name).between(prefix + low, prefix + high)
    elif low and prefix:  # bounded above too: the partition holds more than jobs after JOB#
        key &= Key(sort_name).between(prefix + low, prefix + JOB_ID_TOP)
    elif low:
        key &= Key(sort_name).gte(low)
    elif high and prefix:
        key &= Key(sort_name).between(prefix, prefix + high)
    elif high:  # an index sort key holds the id alone: no empty lower bound (DynamoDB refuses "")
        key &= Key(sort_name).lte(high)
    elif prefix:
        key &= Key(sort_name).begins_with(prefix)
    params["KeyConditionExpression"] = key
    params["ScanIndexForward"] = False  # newest first
    condition = list_condition(query, now)
    if condition is not None:
        params["FilterExpression"] = condition
    page = JobPage()
    for _ in range(_MAX_ROUNDS):
        if start_key:
            params["ExclusiveStartKey"] = start_key
        params["Limit"] = query.limit - len(page.jobs) if condition is None else 100
        response = table.query(**params)
        last = _take(table, response.get("Items", []), page, query.limit, bool(query.status))
        start_key = _key_of(last, bool(query.status)) if last else response.get("LastEvaluatedKey")
        if len(page.jobs) == query.limit or not start_key:
            break
    page.next_cursor = _encode_cursor(start_key, query) if start_key else None
    return page


def list_condition(query: JobQuery, now: datetime) -> Any:
    """The filter of a list query (None: none): the status as presented at `now`, the others."""
    condition = presented(query.status, now) if query.status in WAITING_STATUSES else None
    for name, value in query.filters().items():
        term = Attr(name).eq(value)
        condition = term if condition is None else condition & term
    return condition


def _take(table: Any, items: list[dict[str, Any]], page: JobPage, limit: int, by_status: bool) -> Any:
    """Adds the jobs of one query response to `page` up to `limit`; the item the page ended on
    (None: the response was used up). From the status index, the jobs are fetched whole, only
    as many as the page takes; a job deleted since its index entry was read is left out."""
    if not by_status:
        for item in items:
            page.jobs.append(item_to_job(item))
            if len(page.jobs) == limit:
                return item
        return None
    start = 0
    while start < len(items):
        chunk = items[start : start + limit - len(page.jobs)]
        start += len(chunk)
        found = indexes.fetch(table, chunk)
        for item in chunk:
            whole = found.get(indexes.key_of(item))
            if whole is not None:
                page.jobs.append(item_to_job(whole))
            if len(page.jobs) == limit:
                return item
    return None


def count(table: Any, tenant_id: str, statuses: Iterable[JobStatus], *, schedules: bool = True) -> int:
    """A COUNT query of the status index partition of `statuses` (stored statuses, all in one
    partition: see keys.status_index_pk); a recurring schedule has `cron` and no `parent_id`."""
    statuses = list(statuses)
    partitions = {keys.status_index_pk(tenant_id, s.value) for s in statuses}
    if len(partitions) != 1:
        raise ValueError(f"{statuses} are not one status-index partition")
    params: dict[str, Any] = {
        "IndexName": STATUS_INDEX,
        "KeyConditionExpression": Key("GSI1PK").eq(partitions.pop()),
        "Select": "COUNT",
        "FilterExpression": count_condition(statuses, schedules=schedules),
    }
    total = 0
    for response in _pages(table, params):
        total += int(response.get("Count", 0))
    return total


def count_condition(statuses: list[JobStatus], *, schedules: bool) -> Any:
    """A recurring schedule has `cron` and no `parent_id` (its runs have a parent)."""
    condition = Attr("status").is_in([s.value for s in statuses])
    if not schedules:
        condition &= Attr("cron").not_exists() | Attr("parent_id").exists()
    return condition


def waiting(table: Any, tenant_id: str) -> Iterator[Job]:
    """The tenant's pending and queued jobs (the waiting partition of the status index), fetched
    whole a query page at a time."""
    params: dict[str, Any] = {
        "IndexName": STATUS_INDEX,
        "KeyConditionExpression": Key("GSI1PK").eq(keys.status_index_pk(tenant_id, JobStatus.QUEUED.value)),
    }
    for response in _pages(table, params):
        yield from (item_to_job(item) for item in indexes.whole(table, response.get("Items", [])))


def finished_condition(cutoff: datetime) -> Any:
    return Attr("completed_at").lt(iso(cutoff))


def finished_before(table: Any, tenant_id: str, status: JobStatus, cutoff: datetime) -> Iterator[str]:
    """Ids of the jobs in `status` completed before `cutoff` (the id is the index's sort key)."""
    params: dict[str, Any] = {
        "IndexName": STATUS_INDEX,
        "KeyConditionExpression": Key("GSI1PK").eq(keys.status_index_pk(tenant_id, status.value)),
        "FilterExpression": finished_condition(cutoff),
        "ProjectionExpression": "GSI1SK",
    }
    for response in _pages(table, params):
        for item in response.get("Items", []):
            yield str(item["GSI1SK"])


def _pages(table: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    params = dict(params)
    while True:
        response = table.query(**params)
        yield response
        start = response.get("LastEvaluatedKey")
        if not start:
            return
        params["ExclusiveStartKey"] = start


def _key_of(item: dict[str, Any], by_status: bool) -> dict[str, Any]:
    key = {"PK": item["PK"], "SK": item["SK"]}
    if by_status:
        key.update(GSI1PK=item["GSI1PK"], GSI1SK=item["GSI1SK"])
    return key


def _encode_cursor(start_key: dict[str, Any], query: JobQuery) -> str:
    return cursors.encode({"k": start_key, "f": query.fingerprint()})


def _decode_cursor(cursor: str, tenant_id: str, query: JobQuery) -> dict[str, Any]:
    """A cursor is only valid for the tenant and the filters it was issued for."""
    data = cursors.decode(cursor)
    start_key = data.get("k")
    if not isinstance(start_key, dict) or data.get("f") != query.fingerprint():
        raise cursors.mismatch()
    allowed = {"PK", "SK", "GSI1PK", "GSI1SK"}
    if set(start_key) - allowed or start_key.get("PK") != keys.tenant_pk(tenant_id):
        raise cursors.mismatch()
    if "GSI1PK" in start_key and not str(start_key["GSI1PK"]).startswith(keys.tenant_pk(tenant_id) + "#"):
        raise cursors.mismatch()
    if not all(isinstance(v, str) for v in start_key.values()):
        raise cursors.malformed()
    return start_key
