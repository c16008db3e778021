"""Scheduling through the real handlers on moto: the api (run_at, long delays, cron, PATCH,
cancel, depends_on, maintenance jobs), the dispatcher (schedule fires) and the stream function
(dependency release), with the clock frozen at NOW."""

from __future__ import annotations

import json
import warnings
from datetime import timedelta

import boto3
import dispatcher_app
import pytest
from botocore.exceptions import ClientError

from jobqueue import ids
from jobqueue.dispatcher import handle_event
from jobqueue.handlers import builtin_handlers
from jobqueue.ids import hash_key
from jobqueue.models.job import Category, JobStatus
from jobqueue.registry import JobContext, Registry
from jobqueue.scheduling import schedules
from jobqueue.settings import get_settings
from jobqueue.sweeper.tick import sweep
from jobqueue.testing import FrozenClock
from jobqueue.times import iso as iso_ms
from jobqueue.wiring import aws_ports
from tests.integration.api.conftest import ADMIN_KEY, IDEMPOTENCY_TABLE, ApiClient, principal, put_tenant
from tests.integration.scheduling.conftest import NOW
from tests.integration.scheduling.test_dispatcher_function import LambdaContext
from tests.support.factories import make_job as factory_job
from tests.support.faults import Faulty, raising, replace_ports
from tests.support.moto_env import raw_item
from tests.support.stream import TableStream


def make_job(**fields):
    """A job created at NOW (the frozen time of these tests)."""
    return factory_job(now=NOW, **fields)


BUS = "jobqueue-test-bus"


class Harness(ApiClient):
    """The api, the dispatcher, the stream function and the sweeper on the AWS ports with the
    clock frozen at NOW (`h.clock` moves it), and the scheduler to look at."""

    def __init__(self, env):
        super().__init__(env.aws)
        self.env = env
        self.clock = FrozenClock(NOW)
        self.ports = aws_ports(self.clock)
        self.stream = TableStream(self.ports.jobs.table)
        self.registry = Registry(builtin_handlers(self.ports))
        self.next_submit_dies_before_arming = False

    def call(self, name: str, ports=None, **overrides):
        return super().call(name, ports=ports or self._ports_for(name), **overrides)

    def _ports_for(self, name: str):
        """The api process dies right after writing the record: nothing is armed (no schedule,
        no `dependents` entry on the parents); the client never hears back."""
        if name != "api_submit_job" or not self.next_submit_dies_before_arming:
            return self.ports
        self.next_submit_dies_before_arming = False
        unarmed_schedules = Faulty(self.ports.schedules, put=lambda schedule: None)
        unregistered = Faulty(self.ports.jobs, add_dependent=lambda parent, child_id: True)
        return replace_ports(self.ports, schedules=unarmed_schedules, jobs=unregistered)

    def tick(self, at: timedelta) -> dict:
        """One sweeper tick at NOW + `at`."""
        self.clock.set(NOW + at)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            return sweep(self.ports, remaining_ms=lambda: 55_000).summary()

    # -- scheduler ---------------------------------------------------------------------------
    def schedule(self, job_id: str, suffix: str = "", tenant_id: str = "acme") -> dict:
        return self.env.schedule(schedules.schedule_name(tenant_id, job_id, suffix))

    def has_schedule(self, job_id: str, suffix: str = "") -> bool:
        return schedules.schedule_name("acme", job_id, suffix) in self.env.names()

    def fire(self, job_id: str, suffix: str = "", scheduled_time: str | None = None) -> dict:
        """Invoke the dispatcher with the schedule's own input (as the Scheduler would)."""
        text = self.schedule(job_id, suffix)["Target"]["Input"]
        if scheduled_time is not None:
            text = text.replace(schedules.SCHEDULED_TIME, scheduled_time)
        return handle_event(json.loads(text), self.ports).as_dict()

    # -- stream ------------------------------------------------------------------------------
    def stream_batch(self, replay: bool = False) -> dict:
        """The table's stream records not handed to the stream function yet (all with replay)."""
        return self.stream.batch(replay)

    def run_stream(self, replay: bool = False) -> dict:
        return self.stream.deliver(self.ports, replay)

    def finish(self, job_id: str, status: JobStatus) -> None:
        """A worker's final write (one conditional transition), then the stream delivers it."""
        store = self.ports.jobs
        store.transition("acme", job_id, [JobStatus.QUEUED], {"status": JobStatus.PROCESSING})
        store.transition(
            "acme", job_id, [JobStatus.PROCESSING], {"status": status, "completed_at": self.clock.now()}
        )
        assert self.run_stream()["batchItemFailures"] == []

    def sent_job_ids(self) -> list[str]:
        """Job ids of the messages on the queues (delayed ones included: moto honours no delay
        for receive in the past; we read the visible ones and count the delayed)."""
        found = []
        sqs = boto3.client("sqs")
        for url in self.aws.queue_urls.values():
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                found.append(json.loads(message["Body"])["job_id"])
        return found

    def job(self, job_id: str) -> dict:
        response = self.call("api_get_job", job_id=job_id)
        assert response.status == 200, response.body
        return response.body


@pytest.fixture
def h(scheduling_env, monkeypatch) -> Harness:
    boto3.client("dynamodb").create_table(
        TableName=IDEMPOTENCY_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    boto3.client("events").create_event_bus(Name=BUS)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("ADMIN_KEY_HASH", hash_key(ADMIN_KEY))
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    get_settings.cache_clear()
    put_tenant("acme", 2, list(Category))
    put_tenant("globex", 2, list(Category))
    put_tenant("plain", 3, [Category.CUSTOM_PROCESSING])
    harness = Harness(scheduling_env)
    harness.run_stream()  # the tenants' writes are not jobs: start after them
    yield harness
    get_settings.cache_clear()


def iso(delta: timedelta) -> str:
    return (NOW + delta).isoformat()


# -- run_at and delays -----------------------------------------------------------------------
def test_a_run_at_within_900_seconds_waits_pending_with_an_sqs_delay_and_no_schedule(h):
    response = h.submit({"handler": "echo", "run_at": iso(timedelta(minutes=10))})

    assert response.status == 201, response.body
    assert response.body["status"] == "pending" and response.body["type"] == "scheduled"
    assert response.body["scheduled_for"].startswith("2026-03-02T09:10:00")
    assert h.queued_message_count() == 1
    assert h.env.names() == []


@pytest.mark.parametrize(
    ("field", "value", "job_type"),
    [("run_at", iso(timedelta(hours=2)), "scheduled"), ("delay_seconds", 7200, "delayed")],
)
def test_a_time_beyond_900_seconds_waits_pending_for_a_one_shot_schedule(h, field, value, job_type):
    response = h.submit({"handler": "echo", field: value})

    assert response.status == 201, response.body
    job = response.body
    assert job["status"] == "pending" and job["type"] == job_type
    assert h.queued_message_count() == 0
    schedule = h.schedule(job["id"])
    assert schedule["ScheduleExpression"] == "at(2026-03-02T10:59:00)"  # the minute before
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert json.loads(schedule["Target"]["Input"]) == {
        "action": "dispatch",
        "tenant_id": "acme",
        "job_id": job["id"],
    }
    # The sweeper's safety net: if the schedule never fires, it queues the job just after its time.
    assert raw_item("acme", job["id"])["GSI2SK"] == "2026-03-02T11:05:00.000Z"


def test_the_one_shot_fire_queues_the_job_with_the_seconds_left_as_delay(h):
    job = h.submit({"handler": "echo", "run_at": iso(timedelta(hours=2))}).body
    h.clock.set(NOW + timedelta(hours=2, seconds=-60))

    outcome = h.fire(job["id"])

    assert outcome["result"] == "queued"
    assert h.job(job["id"])["status"] == "pending"  # its time is a minute ahead
    assert h.queued_message_count() == 1
    assert h.fire(job["id"])["result"] == "ignored"  # a repeated fire changes nothing
    assert h.queued_message_count() == 1
    h.clock.set(NOW + timedelta(hours=2))
    assert h.job(job["id"])["status"] == "queued"  # due


@pytest.mark.parametrize(
    ("run_at", "message"),
    [
        (iso(-timedelta(minutes=5)), "must not be in the past"),
        (iso(timedelta(days=366)), "at most 365 days ahead"),
    ],
)
def test_a_run_at_in_the_past_or_over_a_year_ahead_answers_422_and_writes_nothing(h, run_at, message):
    response = h.submit({"handler": "echo", "run_at": run_at})

    assert response.status == 422 and response.details == {"run_at": message}
    assert h.jobs_in_table() == [] and h.env.names() == []


@pytest.mark.parametrize(
    "fields", [{"run_at": iso(timedelta(minutes=5))}, {"cron": "0 * * * *"}, {"delay_seconds": 3600}]
)
def test_scheduling_without_the_scheduled_category_answers_403(h, fields):
    response = h.submit({"handler": "echo", **fields}, principal=principal("plain", 3))

    assert response.status == 403 and response.error_code == "job_type_not_allowed"
    assert response.details["category"] == "scheduled"


def test_a_short_delay_needs_no_scheduled_category(h):
    response = h.submit({"handler": "echo", "delay_seconds": 60}, principal=principal("plain", 3))

    assert response.status == 201 and response.body["status"] == "pending"


def test_when_the_schedule_cannot_be_created_nothing_is_accepted_and_503_says_retry(h):
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "CreateSchedule"
    )
    refusing = replace_ports(h.ports, schedules=Faulty(h.ports.schedules, put=raising(throttled)))

    response = h.submit({"handler": "echo", "run_at": iso(timedelta(hours=3))}, ports=refusing)

    assert response.status == 503 and response.error_code == "service_unavailable"
    assert h.jobs_in_table() == []


def test_cancelling_a_pending_one_shot_deletes_its_schedule(h):
    job = h.submit({"handler": "echo", "run_at": iso(timedelta(days=2))}).body
    assert h.has_schedule(job["id"])

    response = h.call("api_cancel_job", job_id=job["id"])

    assert response.status == 200 and response.body["status"] == "cancelled"
    assert not h.has_schedule(job["id"])


def test_a_batch_may_hold_far_run_ats_but_not_cron_or_depends_on(h):
    far = {"handler": "echo", "run_at": iso(timedelta(hours=5))}
    response = h.call("api_submit_batch", body={"jobs": [{"handler": "echo"}, far]})

    assert response.status == 201, response.body
    now_job, later = response.body["jobs"]
    assert now_job["status"] == "queued" and later["status"] == "pending"
    assert h.has_schedule(later["id"])

    refused = h.call(
        "api_submit_batch", body={"jobs": [{"handler": "echo"}, {"handler": "echo", "cron": "0 * * * *"}]}
    )
    assert refused.status == 422 and "jobs.1.cron" in refused.details


# -- cron ------------------------------------------------------------------------------------
def _recurring(h, **fields) -> dict:
    response = h.submit({"handler": "echo", "payload": {"tick": 1}, "cron": "*/5 * * * *", **fields})
    assert response.status == 201, response.body
    return response.body


def test_a_cron_job_is_a_pending_recurring_parent_with_its_schedule(h):
    job = _recurring(h, timezone="Europe/Berlin", max_runs=2)

    assert job["status"] == "pending" and job["type"] == "recurring" and job["enabled"] is True
    assert job["next_run_at"].startswith("2026-03-02T09:05:00")
    schedule = h.schedule(job["id"], "-a")
    assert schedule["ScheduleExpression"] == "cron(0/5 * * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin" and schedule["State"] == "ENABLED"
    assert h.queued_message_count() == 0


def test_each_slot_makes_one_run_listed_by_parent_id_and_max_runs_completes_the_parent(h):
    job = _recurring(h, max_runs=2)

    first = h.fire(job["id"], "-a", "2026-03-02T09:05:00Z")
    again = h.fire(job["id"], "-a", "2026-03-02T09:05:00Z")
    listed = h.call("api_list_jobs", query={"parent_id": job["id"]}).body["jobs"]

    assert first["result"] == "run_created" and again["result"] == "duplicate"
    assert [run["id"] for run in listed] == [ids.run_id(job["id"], NOW + timedelta(minutes=5))]
    assert listed[0]["status"] == "queued" and listed[0]["parent_id"] == job["id"]
    assert h.job(job["id"])["run_count"] == 1

    assert h.fire(job["id"], "-a", "2026-03-02T09:10:00Z")["result"] == "completed"
    parent = h.job(job["id"])
    assert parent["status"] == "completed" and parent["run_count"] == 2
    assert not h.has_schedule(job["id"], "-a")


def test_pause_disables_the_schedules_and_stops_runs_resume_brings_them_back(h):
    job = _recurring(h)

    paused = h.call("api_patch_job", job_id=job["id"], body={"enabled": False})
    assert paused.status == 200 and paused.body["enabled"] is False
    assert h.schedule(job["id"], "-a")["State"] == "DISABLED"
    assert h.fire(job["id"], "-a", "2026-03-02T09:05:00Z")["result"] == "ignored"
    assert h.call("api_list_jobs", query={"parent_id": job["id"]}).body["jobs"] == []

    resumed = h.call("api_patch_job", job_id=job["id"], body={"enabled": True})
    assert resumed.status == 200 and resumed.body["enabled"] is True
    assert h.schedule(job["id"], "-a")["State"] == "ENABLED"
    assert h.fire(job["id"], "-a", "2026-03-02T09:10:00Z")["result"] == "run_created"


def test_patch_of_a_non_recurring_or_finished_job_answers_409(h):
    plain = h.submit({"handler": "echo"}).body
    assert h.call("api_patch_job", job_id=plain["id"], body={"enabled": False}).status == 409

    job = _recurring(h)
    h.call("api_cancel_job", job_id=job["id"])
    response = h.call("api_patch_job", job_id=job["id"], body={"enabled": True})
    assert response.status == 409 and response.details["status"] == "cancelled"


def test_cancelling_a_recurring_job_deletes_its_schedules_and_no_run_starts(h):
    job = _recurring(h)

    response = h.call("api_cancel_job", job_id=job["id"])

    assert response.status == 200 and response.body["status"] == "cancelled"
    assert h.env.names() == []
    assert (
        dispatcher_app.lambda_handler(
            {
                "action": "cron",
                "tenant_id": "acme",
                "job_id": job["id"],
                "scheduled_time": "2026-03-02T09:05:00Z",
            },
            LambdaContext(),
        )["result"]
        == "ignored"
    )
    assert h.call("api_retry_job", job_id=job["id"]).status == 409  # a schedule is not retried


def test_a_bad_cron_or_zone_answers_422_naming_the_field(h):
    assert "cron" in h.submit({"handler": "echo", "cron": "0 0 30 2 *"}).details
    assert (
        "timezone" in h.submit({"handler": "echo", "cron": "0 * * * *", "timezone": "Mars/Olympus"}).details
    )
    assert h.jobs_in_table() == [] and h.env.names() == []


# -- depends_on ------------------------------------------------------------------------------
def test_depends_on_a_missing_or_foreign_job_answers_422_naming_them(h):
    foreign = h.submit({"handler": "echo"}, principal=principal("globex")).body["id"]
    missing = "01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"

    response = h.submit({"handler": "echo", "depends_on": [foreign, missing]})

    assert response.status == 422
    assert response.details["missing"] == [foreign, missing]
    assert h.jobs_in_table() == []


def test_a_child_waits_pending_and_is_queued_when_its_parent_completes(h):
    parent = h.submit({"handler": "echo"}).body
    child = h.submit({"handler": "echo", "depends_on": [parent["id"]]}).body
    assert child["status"] == "pending" and child["depends_on"] == [parent["id"]]
    assert child["status_reason"] == f"waiting for {parent['id']}"
    h.sent_job_ids()  # drain the parent's message

    h.finish(parent["id"], JobStatus.COMPLETED)

    assert h.job(child["id"])["status"] == "queued"
    assert h.sent_job_ids() == [child["id"]]
    # A redelivered stream batch changes nothing and sends nothing.
    assert h.run_stream(replay=True)["batchItemFailures"] == []
    assert h.sent_job_ids() == []


def test_a_child_of_two_parents_waits_for_both(h):
    a, b = (h.submit({"handler": "echo"}).body["id"] for _ in range(2))
    child = h.submit({"handler": "echo", "depends_on": [a, b]}).body["id"]

    h.finish(a, JobStatus.COMPLETED)
    assert h.job(child)["status"] == "pending"
    h.finish(b, JobStatus.COMPLETED)
    assert h.job(child)["status"] == "queued"


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.TIMED_OUT])
def test_a_parent_that_fails_cancels_its_dependents_down_the_chain_naming_it(h, status):
    a = h.submit({"handler": "echo"}).body["id"]
    b = h.submit({"handler": "echo", "depends_on": [a]}).body["id"]
    c = h.submit({"handler": "echo", "depends_on": [b]}).body["id"]

    h.finish(a, status)
    assert h.run_stream()["batchItemFailures"] == []  # b's cancel reaches the stream too

    assert h.job(b)["status"] == "cancelled"
    assert h.job(b)["status_reason"] == f"dependency {a} is {status.value}"
    assert h.job(c)["status"] == "cancelled" and h.job(c)["status_reason"] == f"dependency {b} is cancelled"


def test_cancelling_a_parent_cancels_its_dependents(h):
    a = h.submit({"handler": "echo"}).body["id"]
    b = h.submit({"handler": "echo", "depends_on": [a]}).body["id"]

    h.call("api_cancel_job", job_id=a)
    h.run_stream()

    assert h.job(b)["status"] == "cancelled"


def test_a_parent_finished_before_the_submit_settles_the_child_at_once(h):
    done = make_job(status=JobStatus.COMPLETED)
    failed = make_job(status=JobStatus.FAILED)
    h.ports.jobs.create(done)
    h.ports.jobs.create(failed)

    ready = h.submit({"handler": "echo", "depends_on": [done.id]}).body
    blocked = h.submit({"handler": "echo", "depends_on": [done.id, failed.id]}).body

    assert ready["status"] == "queued"
    assert (
        blocked["status"] == "cancelled" and blocked["status_reason"] == f"dependency {failed.id} is failed"
    )


def test_a_far_one_shot_child_stays_pending_after_its_parent_until_its_schedule_fires(h):
    parent = h.submit({"handler": "echo"}).body["id"]
    child = h.submit({"handler": "echo", "depends_on": [parent], "run_at": iso(timedelta(hours=1))}).body
    assert h.has_schedule(child["id"])

    h.finish(parent, JobStatus.COMPLETED)
    assert h.job(child["id"])["status"] == "pending"

    h.clock.set(NOW + timedelta(minutes=59))
    assert h.fire(child["id"])["result"] == "queued"


def test_a_recurring_job_cannot_depend_on_others(h):
    parent = h.submit({"handler": "echo"}).body["id"]

    response = h.submit({"handler": "echo", "cron": "0 * * * *", "depends_on": [parent]})

    assert response.status == 422 and "depends_on" in response.details


# -- maintenance -----------------------------------------------------------------------------
def _maintenance(h, body=None, who="acme"):
    return h.call("api_submit_job", path="/v1/maintenance-jobs", body=body, principal=principal(who))


def test_maintenance_jobs_are_created_once_and_a_second_call_answers_the_same_jobs(h):
    first = _maintenance(h, {"retention_days": 7})
    second = _maintenance(h)

    assert first.status == 201, first.body
    assert second.status == 200
    assert [j["id"] for j in first.body["jobs"]] == ["maint-cleanup-old-jobs", "maint-usage-report"]
    assert [j["id"] for j in second.body["jobs"]] == [j["id"] for j in first.body["jobs"]]
    cleanup, report = first.body["jobs"]
    assert (
        cleanup["type"] == "recurring"
        and cleanup["cron"] == "0 3 * * *"
        and cleanup["payload"] == {"older_than_days": 7}
    )
    assert report["handler"] == "usage_report" and report["category"] == "maintenance"
    assert h.has_schedule("maint-cleanup-old-jobs", "-a") and h.has_schedule("maint-usage-report", "-a")
    assert len(h.jobs_in_table()) == 2


def test_maintenance_jobs_need_the_maintenance_and_scheduled_categories(h):
    response = _maintenance(h, who="plain")

    assert response.status == 403 and response.error_code == "job_type_not_allowed"


def test_a_maintenance_fire_makes_a_run_of_its_handler(h):
    _maintenance(h)

    outcome = h.fire("maint-cleanup-old-jobs", "-a", "2026-03-03T03:00:00Z")

    assert outcome["result"] == "run_created"
    run = h.job(outcome["job_id"])
    assert run["handler"] == "cleanup_old_jobs" and run["parent_id"] == "maint-cleanup-old-jobs"


def _run_handler(h, name, payload, tenant_id="acme", registry=None):
    spec = (registry or h.registry).get(name)
    job = make_job(
        tenant_id=tenant_id, handler=name, category=Category.MAINTENANCE, status=JobStatus.PROCESSING
    )
    return spec.func(spec.payload_model.model_validate(payload), JobContext(job=job, timeout_seconds=60))


def test_cleanup_deletes_only_the_tenants_finished_jobs_older_than_the_retention(h):
    store = h.ports.jobs
    old = NOW - timedelta(days=40)
    stale = [make_job(status=s, completed_at=old) for s in (JobStatus.COMPLETED, JobStatus.FAILED)]
    keep = [
        make_job(status=JobStatus.COMPLETED, completed_at=NOW - timedelta(days=3)),
        make_job(status=JobStatus.QUEUED),
        make_job(tenant_id="globex", status=JobStatus.COMPLETED, completed_at=old),
    ]
    for job in stale + keep:
        store.create(job)

    result = _run_handler(h, "cleanup_old_jobs", {"older_than_days": 30})

    assert result["deleted"] == 2
    assert all(store.get(j.tenant_id, j.id) is None for j in stale)
    assert all(store.get(j.tenant_id, j.id) is not None for j in keep)


def test_usage_report_counts_the_tenants_jobs_by_status(h):
    for status in (JobStatus.COMPLETED, JobStatus.COMPLETED, JobStatus.FAILED):
        h.ports.jobs.create(make_job(status=status))

    report = _run_handler(h, "usage_report", {})

    assert report["jobs_by_status"]["completed"] == 2 and report["jobs_by_status"]["failed"] == 1
    assert report["total_jobs"] == 3


def test_reconcile_counters_reconciles_the_jobs_own_tenant(h):
    # globex's counter says 3 waiting, its job records say 1; acme's counter is off too
    h.ports.jobs.create(make_job(tenant_id="globex", status=JobStatus.QUEUED))
    h.ports.counters.reserve_waiting("globex", 3, 100)
    h.ports.counters.reserve_waiting("acme", 2, 100)

    assert _run_handler(h, "reconcile_counters", {}, tenant_id="globex") == {
        "tenant_id": "globex",
        "changed": True,
    }
    assert h.ports.counters.snapshot("globex").waiting == 1
    assert h.ports.counters.snapshot("acme").waiting == 2  # another tenant's counter is not touched


# -- the sweeper: an api that died between the record and its schedules or dependents --------
GRACE = timedelta(seconds=300)


def _sweep_due(job_id: str) -> str | None:
    return raw_item("acme", job_id).get("GSI2SK")


def test_sweeper_queues_a_pending_one_shot_whose_schedule_was_never_created(h):
    h.next_submit_dies_before_arming = True
    job = h.submit({"handler": "echo", "run_at": iso(timedelta(hours=2))}).body
    assert job["status"] == "pending" and h.env.names() == []

    early = h.tick(timedelta(hours=1))  # not due yet: untouched
    assert early["pending_repaired"] == early["pending_checked"] == 0
    assert h.ports.jobs.get("acme", job["id"]).status is JobStatus.PENDING
    assert _sweep_due(job["id"]) == iso_ms(NOW + timedelta(hours=2) + GRACE)

    summary = h.tick(timedelta(hours=2) + GRACE + timedelta(seconds=1))

    assert summary["pending_repaired"] == 1
    assert h.ports.jobs.get("acme", job["id"]).status is JobStatus.QUEUED
    assert h.sent_job_ids() == [job["id"]]
    assert _sweep_due(job["id"]) > iso_ms(h.clock.now())  # now watched by its dispatch check
    assert h.tick(timedelta(hours=2) + GRACE + timedelta(seconds=2))["pending_repaired"] == 0


def test_sweeper_queues_a_pending_dependent_whose_parent_completed_unreleased(h):
    parent = h.submit().body
    h.next_submit_dies_before_arming = True
    child = h.submit({"handler": "echo", "depends_on": [parent["id"]]}).body
    h.finish(parent["id"], JobStatus.COMPLETED)  # the parent has no `dependents`: nobody releases
    assert h.job(child["id"])["status"] == "pending"

    summary = h.tick(GRACE + timedelta(seconds=1))

    assert summary["pending_repaired"] == 1
    assert h.job(child["id"])["status"] == "queued"
    assert child["id"] in h.sent_job_ids()


def test_sweeper_cancels_a_pending_dependent_whose_parent_failed(h):
    parent = h.submit().body
    h.next_submit_dies_before_arming = True
    child = h.submit({"handler": "echo", "depends_on": [parent["id"]]}).body
    h.finish(parent["id"], JobStatus.FAILED)

    h.tick(GRACE + timedelta(seconds=1))

    cancelled = h.job(child["id"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["status_reason"] == f"dependency {parent['id']} is failed"
    assert _sweep_due(child["id"]) is None


def test_sweeper_checks_a_dependent_still_waiting_again_later_doubling_the_grace(h):
    parent = h.submit().body
    h.next_submit_dies_before_arming = True
    child = h.submit({"handler": "echo", "depends_on": [parent["id"]]}).body

    summary = h.tick(GRACE + timedelta(seconds=1))

    item = raw_item("acme", child["id"])
    assert summary["pending_checked"] == 1
    assert item["status"] == "pending" and item["dispatches"] == 1
    assert item["GSI2SK"] == iso_ms(NOW + GRACE + timedelta(seconds=1) + 2 * GRACE)


def test_sweeper_recreates_the_missing_schedules_of_a_recurring_job(h):
    h.next_submit_dies_before_arming = True
    job = h.submit({"handler": "echo", "cron": "*/15 * * * *"}).body
    assert h.env.names() == []

    summary = h.tick(GRACE + timedelta(seconds=1))

    assert summary["pending_repaired"] == 1
    assert h.has_schedule(job["id"], "-a")
    assert h.schedule(job["id"], "-a")["State"] == "ENABLED"
    assert _sweep_due(job["id"]) is None  # checked once, then out of the index
    assert h.job(job["id"])["status"] == "pending"


def test_sweeper_only_takes_an_armed_recurring_job_out_of_its_index(h):
    job = h.submit({"handler": "echo", "cron": "*/15 * * * *"}).body
    before = h.schedule(job["id"], "-a")

    summary = h.tick(GRACE + timedelta(seconds=1))

    assert summary["pending_checked"] == 1 and summary["pending_repaired"] == 0
    assert h.schedule(job["id"], "-a")["LastModificationDate"] == before["LastModificationDate"]
    assert _sweep_due(job["id"]) is None


def test_sweeper_leaves_a_paused_recurring_jobs_schedules_alone(h):
    h.next_submit_dies_before_arming = True
    job = h.submit({"handler": "echo", "cron": "*/15 * * * *"}).body
    h.ports.jobs.transition("acme", job["id"], [JobStatus.PENDING], {"enabled": False})

    h.tick(GRACE + timedelta(seconds=1))

    assert h.env.names() == []
    assert _sweep_due(job["id"]) is None
