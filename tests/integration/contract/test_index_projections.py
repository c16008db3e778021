"""The slim index projections (docs/decisions/013): GSI1 holds the keys and the attributes its
filters read, GSI2 keys only, and every reader answers what it answered when both indexes
projected ALL: the same jobs, tenants, order, cursors and page sizes, on a table of each layout.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import ConditionExpressionBuilder

from jobqueue.adapters import aws
from jobqueue.adapters.dynamodb import indexes
from jobqueue.adapters.dynamodb.job_reads import count_condition, finished_condition, list_condition
from jobqueue.adapters.dynamodb.jobs import DynamoJobRepository
from jobqueue.adapters.dynamodb.tenants import DynamoTenantRepository
from jobqueue.ids import ulid
from jobqueue.models.job import WAITING_STATUSES, Job, JobStatus, JobType, Priority, WaitingOn
from jobqueue.models.job_query import JobQuery
from jobqueue.models.tenant import Tenant
from jobqueue.testing import FrozenClock
from tests.support.factories import make_job
from tests.support.moto_env import TABLE_NAME, create_jobs_table, jobs_table_indexes

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_TABLE = "jobqueue-test-jobs-projection-all"
TABLE_KEYS = {"PK", "SK"}
JOBS = 300
TENANTS = 110  # more than one BatchGetItem of profiles
# pending, queued, processing, completed, failed, timed_out, cancelled: > 100 jobs waiting
STATUS_WEIGHTS = (3, 3, 1, 3, 1, 1, 1)


# ------------------------------------------------------------------ the layout


def test_the_table_has_the_templates_slim_projections(aws_env):
    described = boto3.client("dynamodb").describe_table(TableName=TABLE_NAME)["Table"]
    projections = {i["IndexName"]: i["Projection"] for i in described["GlobalSecondaryIndexes"]}

    assert projections == {i["IndexName"]: i["Projection"] for i in jobs_table_indexes()}
    assert projections[indexes.STATUS_INDEX] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": list(indexes.STATUS_INDEX_ATTRIBUTES),
    }
    assert projections[indexes.SWEEP_INDEX] == {"ProjectionType": "KEYS_ONLY"}


def test_the_indexes_hold_only_their_keys_and_projected_attributes(aws_env):
    clock = FrozenClock(NOW)
    job = make_job(
        now=NOW,
        status=JobStatus.PENDING,
        waiting_on=WaitingOn.TIME,
        scheduled_for=NOW + timedelta(minutes=5),
        parent_id="parent",
        metadata={"big": "x" * 500},
    )
    DynamoJobRepository(clock).create(job, sweep_at=NOW)
    DynamoTenantRepository(clock).put(Tenant(tenant_id="initech", name="Initech", tier=2))
    table = aws.table(TABLE_NAME)

    status_entry = _only(table, indexes.STATUS_INDEX, "GSI1PK", "T#acme#S#waiting")
    sweep_entries = [
        *_all(table, indexes.SWEEP_INDEX, "GSI2PK", "TENANTS"),
        *(e for shard in range(8) for e in _all(table, indexes.SWEEP_INDEX, "GSI2PK", f"SWEEP#{shard}")),
    ]

    stored = table.get_item(Key={"PK": "T#acme", "SK": f"JOB#{job.id}"})["Item"]
    projected = set(indexes.STATUS_INDEX_ATTRIBUTES) & set(stored)
    assert set(status_entry) == TABLE_KEYS | {"GSI1PK", "GSI1SK"} | projected
    assert projected == {"status", "waiting_on", "scheduled_for", "type", "handler", "priority", "parent_id"}
    assert {k: status_entry[k] for k in projected} == {k: stored[k] for k in projected}
    assert len(sweep_entries) == 2  # the job's and the profile's
    assert all(set(entry) == TABLE_KEYS | {"GSI2PK", "GSI2SK"} for entry in sweep_entries)


@pytest.mark.parametrize("status", [None, *JobStatus])
def test_every_attribute_a_status_index_filter_reads_is_projected(status):
    query = JobQuery(status=status, type="delayed", handler="echo", priority="high", parent_id="p")
    conditions = [
        list_condition(query, NOW),
        count_condition(list(WAITING_STATUSES), schedules=False),
        finished_condition(NOW),
    ]

    for condition in conditions:
        names = set(
            ConditionExpressionBuilder().build_expression(condition).attribute_name_placeholders.values()
        )
        assert names <= set(indexes.STATUS_INDEX_ATTRIBUTES), names


# ------------------------------------------------------------------ the same answers as with ALL


@pytest.fixture
def layouts(aws_env) -> tuple[DynamoJobRepository, DynamoJobRepository]:
    """The same jobs in the slim table (template.yaml) and in one whose indexes project ALL."""
    all_indexes = [{**index, "Projection": {"ProjectionType": "ALL"}} for index in jobs_table_indexes()]
    create_jobs_table(ALL_TABLE, indexes=all_indexes)
    clock = FrozenClock(NOW)
    slim, full = (DynamoJobRepository(clock, aws.table(name)) for name in (TABLE_NAME, ALL_TABLE))
    jobs = list(_jobs(random.Random(13)))
    for repository in (slim, full):
        repository.create_many(jobs)
    return slim, full


QUERIES = [
    {},
    {"handler": "resize"},
    {"priority": "high", "type": "delayed"},
    {"parent_id": "schedule-1"},
    {"created_after": NOW - timedelta(minutes=150), "created_before": NOW - timedelta(minutes=40)},
]


@pytest.mark.parametrize(
    "status", [JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING, JobStatus.FAILED]
)
def test_list_pages_are_those_of_a_table_projecting_all(layouts, status):
    slim, full = layouts

    for filters in QUERIES:
        query = dict(status=status, limit=20, **filters)
        slim_pages, full_pages = _pages(slim, query), _pages(full, query)
        assert slim_pages == full_pages, (query, len(slim_pages), len(full_pages))
        assert sum(len(jobs) for jobs, _ in slim_pages) > 0, query


def test_a_page_of_more_than_100_jobs_from_the_status_index_is_fetched_in_chunks(layouts):
    slim, full = layouts
    done = [
        make_job(now=NOW - timedelta(seconds=i), status=JobStatus.COMPLETED, completed_at=NOW)
        for i in range(160)
    ]
    for repository in layouts:
        repository.create_many((job, None) for job in done)
    query = {"status": JobStatus.COMPLETED, "limit": 150}
    completed = _pages(full, query)
    calls: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(sum(len(r["Keys"]) for r in params["RequestItems"].values()))

    client = aws.table(TABLE_NAME).meta.client
    client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", record)
    try:
        first = slim.list("acme", JobQuery(**query))
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.BatchGetItem", record)

    assert len(first.jobs) == 150 and first.next_cursor
    assert ([j.public(NOW) for j in first.jobs], first.next_cursor) == completed[0]
    assert calls == [100, 50]


def test_counts_waiting_jobs_and_finished_ones_are_those_of_a_table_projecting_all(layouts):
    slim, full = layouts

    assert slim.count("acme", WAITING_STATUSES) > 100  # more than one BatchGetItem of waiting jobs
    for statuses in ([JobStatus.PENDING], list(WAITING_STATUSES), [JobStatus.PROCESSING], [JobStatus.FAILED]):
        for schedules in (True, False):
            assert slim.count("acme", statuses, schedules=schedules) == full.count(
                "acme", statuses, schedules=schedules
            )
    assert [j.public(NOW) for j in slim.waiting("acme")] == [j.public(NOW) for j in full.waiting("acme")]
    for status in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED):
        cutoff = NOW - timedelta(minutes=60)
        found = list(slim.finished_before("acme", status, cutoff))
        assert found and found == list(full.finished_before("acme", status, cutoff))


@pytest.mark.parametrize("per_shard", [3, 50])
def test_the_sweepers_entries_are_those_of_a_table_projecting_all(layouts, per_shard):
    slim, full = layouts

    entries = [(e.job.public(), e.due_at) for e in slim.due_for_sweep(NOW, per_shard)]

    assert entries == [(e.job.public(), e.due_at) for e in full.due_for_sweep(NOW, per_shard)]
    assert len(entries) > 8


def test_tenant_lists_are_those_of_a_table_projecting_all(layouts):
    clock = FrozenClock(NOW)
    slim, full = (DynamoTenantRepository(clock, aws.table(name)) for name in (TABLE_NAME, ALL_TABLE))
    for i in range(TENANTS):
        tenant = Tenant(tenant_id=f"t{i:03d}", name=f"T {i}", tier=1 + i % 4, signing_secret=f"s{i}")
        for repository in (slim, full):
            repository.put(tenant)
            repository.push_reconciliation(tenant.tenant_id, NOW - timedelta(seconds=(i * 37) % 500))

    assert len(slim.list_all()) == TENANTS
    assert slim.list_all() == full.list_all()
    assert slim.due_for_reconciliation(NOW, 50) == full.due_for_reconciliation(NOW, 50)
    assert len(slim.due_for_reconciliation(NOW, 50)) == 50


# ------------------------------------------------------------------ items changed after the index read


class _ChangesAfterQuery:
    """The table, with `change` run once right after the first index query: a write that lands
    between a reader's index query and its fetch by key."""

    def __init__(self, table: Any, change):
        self._table, self._change = table, change

    def query(self, **params: Any) -> dict[str, Any]:
        response = self._table.query(**params)
        if self._change and "IndexName" in params:
            change, self._change = self._change, None
            change()
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def test_a_job_deleted_after_the_index_read_is_left_out_and_the_page_still_fills(aws_env):
    clock = FrozenClock(NOW)
    jobs = [make_job(now=NOW - timedelta(minutes=i), status=JobStatus.QUEUED) for i in range(8)]
    plain = DynamoJobRepository(clock)
    plain.create_many((job, None) for job in jobs)
    table = aws.table(TABLE_NAME)
    victim = jobs[1]
    racing = DynamoJobRepository(clock, _ChangesAfterQuery(table, lambda: plain.delete("acme", victim.id)))

    first = racing.list("acme", JobQuery(status=JobStatus.QUEUED, limit=5))
    rest = plain.list("acme", JobQuery(status=JobStatus.QUEUED, limit=5, cursor=first.next_cursor))

    assert [j.id for j in first.jobs] == [jobs[i].id for i in (0, 2, 3, 4, 5)]
    assert [j.id for j in rest.jobs] == [jobs[i].id for i in (6, 7)] and rest.next_cursor is None


def test_a_sweep_entry_whose_deadline_moved_after_the_index_read_is_left_out(aws_env):
    clock = FrozenClock(NOW)
    plain = DynamoJobRepository(clock)
    moved, due = (make_job(now=NOW, status=JobStatus.PROCESSING) for _ in range(2))
    plain.create(moved, sweep_at=NOW - timedelta(minutes=1))
    plain.create(due, sweep_at=NOW - timedelta(minutes=1))

    def renew_lease() -> None:
        plain.transition("acme", moved.id, [JobStatus.PROCESSING], {}, sweep_at=NOW + timedelta(minutes=5))

    racing = DynamoJobRepository(clock, _ChangesAfterQuery(aws.table(TABLE_NAME), renew_lease))

    assert [e.job.id for e in racing.due_for_sweep(NOW, 50)] == [due.id]


# ------------------------------------------------------------------ helpers


def _jobs(rng: random.Random) -> Iterator[tuple[Job, datetime | None]]:
    """Jobs of every status, type, handler and priority, a recurring schedule and its runs,
    with sweep deadlines due and not due; a few of another tenant."""
    for i in range(JOBS):
        created = NOW - timedelta(minutes=i)
        (status,) = rng.choices(list(JobStatus), weights=STATUS_WEIGHTS)
        fields: dict[str, Any] = {
            "id": ulid(created),
            "status": status,
            "type": rng.choice([JobType.IMMEDIATE, JobType.DELAYED]),
            "handler": rng.choice(["echo", "resize"]),
            "priority": rng.choice([Priority.NORMAL, Priority.HIGH]),
            "payload": {"n": i, "text": "y" * rng.randrange(0, 300)},
        }
        if status is JobStatus.PENDING:
            fields["waiting_on"] = rng.choice(list(WaitingOn))
            if fields["waiting_on"] is WaitingOn.TIME:
                fields["scheduled_for"] = NOW + timedelta(minutes=rng.randrange(-30, 30))
            if fields["waiting_on"] is WaitingOn.SCHEDULE:
                fields.update(type=JobType.RECURRING, cron="*/5 * * * *")
        if i % 7 == 0:
            fields.update(parent_id="schedule-1", cron="*/5 * * * *")
        if status.is_terminal:
            fields["completed_at"] = created + timedelta(seconds=30)
        sweep_at = None
        if status in (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING):
            sweep_at = NOW + timedelta(minutes=rng.randrange(-60, 20))
        yield make_job(tenant_id="acme" if i % 10 else "globex", now=created, **fields), sweep_at


def _pages(repository: DynamoJobRepository, query: dict[str, Any]) -> list[tuple[list[dict], str | None]]:
    """Every page of a query, followed by its cursor: (jobs as the API shows them, the cursor)."""
    pages, cursor = [], None
    while True:
        page = repository.list("acme", JobQuery(cursor=cursor, **query))
        pages.append(([job.public(NOW) for job in page.jobs], page.next_cursor))
        cursor = page.next_cursor
        if not cursor:
            return pages


def _all(table: Any, index: str, name: str, value: str) -> list[dict[str, Any]]:
    return table.query(
        IndexName=index, KeyConditionExpression=f"{name} = :v", ExpressionAttributeValues={":v": value}
    )["Items"]


def _only(table: Any, index: str, name: str, value: str) -> dict[str, Any]:
    (item,) = _all(table, index, name, value)
    return item
