"""Tenancy wired through the real api handler: admission (429 with details, Retry-After),
batch as one step, waiting places given back on cancel, retry re-reserving, the timeout caps,
`GET /v1/usage`, and the isolation checks (keys hashed, admin routes, other tenants, cursors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from jobqueue.adapters.dynamodb import keys
from jobqueue.models.job import Category, JobResult, JobStatus
from jobqueue.models.job_query import JobQuery
from jobqueue.models.tenant import Tenant
from jobqueue.settings import get_settings
from jobqueue.testing.events import InMemoryEventBus
from jobqueue.tiers import LimitOverrides
from jobqueue.times import utc_now
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import ADMIN, principal
from tests.integration.worker.kit import count_aws_calls
from tests.support.faults import Faulty, raising, replace_ports
from tests.support.stream import TableStream

ALL = list(Category)


def limited(tenant_id: str = "acme", tier: int = 2, **limits) -> None:
    default_ports().tenants.put(
        Tenant(
            tenant_id=tenant_id,
            name=tenant_id,
            tier=tier,
            overrides=LimitOverrides(allowed_job_types=ALL, **limits),
        )
    )  # the profile cache forgets it


def waiting_running(tenant_id: str = "acme") -> tuple[int, int]:
    snapshot = default_ports().counters.snapshot(tenant_id)
    return snapshot.waiting, snapshot.running


def counter_item(tenant_id: str = "acme") -> dict:
    table = boto3.resource("dynamodb").Table(get_settings().table_name)
    return table.get_item(Key=keys.tenant_counter_key(tenant_id), ConsistentRead=True).get("Item") or {}


def batch(api, n: int, **overrides):
    return api.call("api_submit_batch", body={"jobs": [{"handler": "echo"} for _ in range(n)]}, **overrides)


def test_the_queued_limit_answers_429_with_its_details_and_leaves_no_trace(api):
    limited(max_queued_jobs=2)
    assert api.submit().status == 201
    assert api.submit().status == 201

    refused = api.submit()

    assert refused.status == 429 and refused.error_code == "tenant_limit_exceeded"
    assert refused.details == {"limit_type": "max_queued_jobs", "current": 2, "limit": 2}
    assert "Retry-After" not in refused.headers
    assert len(api.jobs_in_table()) == 2
    assert waiting_running() == (2, 0)
    assert default_ports().counters.daily_count("acme", utc_now()) == 2


def test_the_daily_limit_answers_429_with_retry_after_until_utc_midnight(api):
    limited(max_daily_jobs=1)
    assert api.submit().status == 201

    refused = api.submit()

    assert refused.status == 429
    assert refused.details == {"limit_type": "max_daily_jobs", "current": 1, "limit": 1}
    now = datetime.now(UTC)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    assert abs(int(refused.headers["Retry-After"]) - (midnight - now).total_seconds()) <= 5
    assert waiting_running() == (1, 0)  # the refused submission's waiting place was given back


def test_a_batch_is_one_step_admitted_whole_or_refused_whole(api):
    limited(max_queued_jobs=5)
    assert batch(api, 3).status == 201
    assert waiting_running() == (3, 0)

    refused = batch(api, 3)

    assert refused.status == 429
    assert refused.details == {"limit_type": "max_queued_jobs", "current": 3, "limit": 5}
    assert len(api.jobs_in_table()) == 3 and waiting_running() == (3, 0)
    assert batch(api, 2).status == 201 and waiting_running() == (5, 0)


@pytest.mark.parametrize("size", [None, 5])
def test_a_submission_or_a_batch_is_admitted_in_one_update_item(api, size):
    limited()
    api.submit()  # warms the tenant profile cache

    with count_aws_calls() as log:
        response = api.submit() if size is None else batch(api, size)

    assert response.status == 201, response.body
    # the admission is the only UpdateItem of a submission: the waiting places and the day's
    # count together on the tenant's COUNTER item
    assert log.calls[("dynamodb", "UpdateItem")] == 1
    item = counter_item()
    today = f"day#{utc_now().date().isoformat()}"
    assert (item["waiting"], item[today]) == (1 + (size or 1),) * 2
    assert not any(name.startswith("DAILY") for name in item)


@pytest.mark.parametrize(
    ("limits", "limit_type"),
    [({"max_queued_jobs": 1}, "max_queued_jobs"), ({"max_daily_jobs": 1}, "max_daily_jobs")],
)
@pytest.mark.parametrize("size", [None, 2])
def test_each_limit_refuses_with_its_own_429_and_changes_nothing(api, limits, limit_type, size):
    limited(**limits)
    assert api.submit().status == 201
    before = counter_item()

    with count_aws_calls() as log:
        refused = api.submit() if size is None else batch(api, size)

    assert refused.status == 429 and refused.details == {"limit_type": limit_type, "current": 1, "limit": 1}
    assert ("Retry-After" in refused.headers) == (limit_type == "max_daily_jobs")
    assert counter_item() == before  # the refused write changed nothing, not even the version
    assert len(api.jobs_in_table()) == 1
    assert ("dynamodb", "PutItem") not in log.calls and ("dynamodb", "BatchWriteItem") not in log.calls


def test_a_failed_job_write_gives_the_admission_back(api):
    limited()
    ports = default_ports()
    error = ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "PutItem")
    broken = replace_ports(ports, jobs=Faulty(ports.jobs, create=raising(error)))

    assert api.submit(ports=broken).status == 500

    assert waiting_running() == (0, 0)
    assert default_ports().counters.daily_count("acme", utc_now()) == 0


def test_an_override_change_applies_to_the_next_submission(api):
    limited(max_queued_jobs=1)
    assert api.submit().status == 201
    assert api.submit().status == 429
    response = api.call(
        "api_put_tenant",
        principal=ADMIN,
        body={
            "name": "Acme",
            "tier": 2,
            "limits": {"max_queued_jobs": 2, "allowed_job_types": ["custom_processing"]},
        },
    )
    assert response.status == 200, response.body
    assert api.submit().status == 201


def test_cancel_gives_the_waiting_place_back_exactly_once(api):
    limited(max_queued_jobs=1)
    job_id = api.submit().body["id"]

    assert api.call("api_cancel_job", job_id=job_id).status == 200
    assert api.call("api_cancel_job", job_id=job_id).status == 409  # the loser releases nothing

    assert waiting_running() == (0, 0)
    assert api.submit().status == 201


def test_retry_re_reserves_a_waiting_place_and_answers_429_when_full(api):
    limited(max_queued_jobs=1, max_daily_jobs=2)
    first = api.submit().body["id"]
    assert api.call("api_cancel_job", job_id=first).status == 200
    second = api.submit().body["id"]

    refused = api.call("api_retry_job", job_id=first)
    assert refused.status == 429 and refused.details["limit_type"] == "max_queued_jobs"
    assert default_ports().jobs.get("acme", first).status is JobStatus.CANCELLED

    assert api.call("api_cancel_job", job_id=second).status == 200
    assert api.call("api_retry_job", job_id=first).status == 200  # not counted against the day
    assert api.call("api_retry_job", job_id=first).status == 409
    assert waiting_running() == (1, 0)
    assert default_ports().counters.daily_count("acme", utc_now()) == 2


def test_timeouts_are_capped_by_the_tier_and_by_the_worker_timeout(api, monkeypatch):
    limited(tier=4)
    asked = {"handler": "sleep", "payload": {"seconds": 1}, "timeout_seconds": 900}
    assert api.submit(asked).body["id"]
    assert default_ports().jobs.list("acme", _query()).jobs[0].timeout_seconds == 240  # tier 4

    monkeypatch.setenv("WORKER_TIMEOUT_SECONDS", "60")
    get_settings.cache_clear()
    api.submit(asked)
    newest = default_ports().jobs.list("acme", _query()).jobs[0]
    assert newest.timeout_seconds == 60 - 15  # the worker's timeout minus the margin


def _query():
    return JobQuery(limit=1)


# -- GET /v1/usage -------------------------------------------------------------------------------
def usage(api, query=None, **overrides):
    return api.call("api_list_jobs", path="/v1/usage", query=query or {}, **overrides)


def test_usage_shows_counters_limits_and_warnings_at_80_percent(api):
    limited(max_queued_jobs=5, max_daily_jobs=100)
    assert batch(api, 4).status == 201

    response = usage(api)

    assert response.status == 200, response.body
    body = response.body
    assert (body["queued"], body["running"], body["daily_count"]) == (4, 0, 4)
    assert body["limits"]["max_queued_jobs"] == 5 and body["limits"]["max_concurrent_jobs"] == 5
    assert body["warnings"] == ["max_queued_jobs: 4 of 5 used (80%)"]
    assert "window" not in body


def test_usage_window_totals_rates_and_breakdowns_from_the_tallies(api):
    limited()
    ids = [api.submit().body["id"] for _ in range(4)]
    store = default_ports().jobs
    for job_id, status, ms in (
        (ids[0], JobStatus.COMPLETED, 100),
        (ids[1], JobStatus.COMPLETED, 300),
        (ids[2], JobStatus.FAILED, 50),
    ):
        store.transition("acme", job_id, [JobStatus.QUEUED], {"status": JobStatus.PROCESSING})
        store.transition(
            "acme",
            job_id,
            [JobStatus.PROCESSING],
            {"status": status, "last_result": _result(status is JobStatus.COMPLETED, ms)},
        )
    api.submit(principal=principal("globex"))  # another tenant's job is not counted
    on_any_bus = replace_ports(default_ports(), events=InMemoryEventBus())
    assert TableStream(store.table).deliver(on_any_bus)["batchItemFailures"] == []
    start = (utc_now() - timedelta(minutes=5)).isoformat()
    end = (utc_now() + timedelta(minutes=1)).isoformat()

    window = usage(api, {"start": start, "end": end}).body["window"]

    assert window["total"] == 4 and window["finished"] == 3
    assert window["success_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert window["failure_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert window["avg_execution_ms"] == 150.0
    assert window["by_status"] == {"completed": 2, "failed": 1}
    assert window["by_type"] == {"immediate": 4}
    assert window["truncated"] is False
    # the window is aligned to the hour buckets it is read from
    assert window["start"].endswith(":00:00.000Z") and window["end"].endswith(":00:00.000Z")


def _result(success: bool, ms: int):
    return JobResult(success=success, execution_ms=ms, error_type=None if success else "Boom")


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2025-01-02T00:00:00Z", "end": "2025-01-01T00:00:00Z"},
        {"start": "2025-01-01T00:00:00Z", "end": "2025-02-15T00:00:00Z"},
        {"start": "2025-01-01T00:00:00Z"},
        {"start": "yesterday", "end": "2025-01-01T00:00:00Z"},
        {"start": "2025-01-01T00:00:00", "end": "2025-01-02T00:00:00"},
    ],
)
def test_a_bad_usage_window_answers_422(api, query):
    response = usage(api, query)
    assert response.status == 422 and response.error_code == "validation_error", response.body


def test_usage_needs_a_tenant_key(api):
    assert usage(api, principal=ADMIN).status == 403


# -- isolation -----------------------------------------------------------------------------------
def test_keys_are_stored_only_as_their_hash(api):
    key_id, api_key = default_ports().tenants.issue_key("acme")
    items = boto3.resource("dynamodb").Table(api.aws.table_name).scan()["Items"]
    assert api_key not in repr(items)
    assert any(item.get("key_id") == key_id for item in items)


@pytest.mark.parametrize("event", ["api_put_tenant", "api_issue_key"])
def test_admin_routes_refuse_tenant_keys(api, event):
    response = api.call(event, body={"name": "x", "tier": 4}, principal=principal("acme"))
    assert response.status == 403


def test_a_cursor_cannot_cross_tenants(api):
    for _ in range(3):
        api.submit(principal=principal("globex"))
    page = api.call("api_list_jobs", query={"limit": "1"}, principal=principal("globex")).body
    assert page["next_cursor"]

    response = api.call("api_list_jobs", query={"limit": "1", "cursor": page["next_cursor"]})

    assert response.status == 400 or response.body["jobs"] == []
