"""The dispatcher on moto: one-shot dispatches and cron runs, every branch (duplicate fires,
paused, cancelled, max_runs, end_at, admission refused, DST catch-ups)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from jobqueue import ids
from jobqueue.adapters import aws
from jobqueue.dispatcher import handle_event
from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.job import Category, JobStatus, JobType, QueueBand, WaitingOn
from jobqueue.scheduling import schedules
from jobqueue.testing import FrozenClock
from jobqueue.wiring import aws_ports
from tests.integration.scheduling.conftest import NOW
from tests.support.factories import make_job as factory_job
from tests.support.faults import Faulty, raising, replace_ports
from tests.support.moto_env import raw_item


def make_job(**fields):
    """A job created at NOW (the frozen time of these tests)."""
    return factory_job(now=NOW, **fields)


SLOT = "2026-03-02T09:00:00Z"
SLOT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def pending_one_shot(store, **overrides):
    fields = {
        "type": JobType.SCHEDULED,
        "status": JobStatus.PENDING,
        "scheduled_for": NOW,
        "waiting_on": WaitingOn.TIME,
    }
    job = make_job(**{**fields, **overrides})
    store.create(job)
    return job


def recurring(store, cron="*/15 * * * *", timezone="UTC", **overrides):
    fields = {
        "type": JobType.RECURRING,
        "status": JobStatus.PENDING,
        "cron": cron,
        "timezone": timezone,
        "enabled": True,
        "payload": {"report": "daily"},
        "max_retries": 5,
        "timeout_seconds": 45,
        "metadata": {"team": "ops"},
    }
    job = make_job(**{**fields, **overrides})
    store.create(job)
    return job


def full(ports):
    """The ports with the tenant's waiting places all taken: admission refuses."""
    refused = TenantLimitExceeded("max_queued_jobs", 50, 50)
    return replace_ports(ports, counters=Faulty(ports.counters, reserve=raising(refused)))


def cron_event(job, scheduled_time=SLOT):
    return {"action": "cron", "tenant_id": job.tenant_id, "job_id": job.id, "scheduled_time": scheduled_time}


def dispatch_event(job):
    return {"action": "dispatch", "tenant_id": job.tenant_id, "job_id": job.id}


def bodies(env):
    return [json.loads(message["Body"]) for message in env.messages()]


@pytest.fixture
def ports(scheduling_env):
    """The AWS ports with the clock frozen at NOW."""
    return aws_ports(FrozenClock(NOW))


@pytest.fixture
def store(ports):
    return ports.jobs


# -- one-shot dispatch ------------------------------------------------------------------------
def test_a_due_pending_job_is_queued(scheduling_env, ports, store):
    job = pending_one_shot(store)

    outcome = handle_event(dispatch_event(job), ports)

    assert outcome.result == "queued"
    assert store.get("acme", job.id).status is JobStatus.QUEUED


def test_a_dispatched_job_is_sent_to_its_queue(scheduling_env, ports, store):
    job = pending_one_shot(store)

    handle_event(dispatch_event(job), ports)

    assert bodies(scheduling_env) == [{"job_id": job.id, "tenant_id": "acme", "attempt": 0}]


def test_a_dispatched_job_is_watched_by_the_sweeper(scheduling_env, ports, store):
    job = pending_one_shot(store)

    handle_event(dispatch_event(job), ports)

    assert raw_item("acme", job.id)["GSI2SK"] > "2026-03-02T09:00:00"


def test_a_job_fired_early_is_sent_with_the_remaining_delay(scheduling_env, ports, store):
    job = pending_one_shot(store, scheduled_for=NOW + timedelta(seconds=90))

    handle_event(dispatch_event(job), ports)

    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=scheduling_env.aws.queue_urls[QueueBand.NORMAL],
        AttributeNames=["ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


@pytest.mark.parametrize("status", [JobStatus.CANCELLED, JobStatus.QUEUED, JobStatus.COMPLETED])
def test_a_job_no_longer_pending_is_left_alone(scheduling_env, ports, store, status):
    job = pending_one_shot(store, status=status)

    outcome = handle_event(dispatch_event(job), ports)

    assert outcome.result == "ignored"
    assert store.get("acme", job.id).status is status and scheduling_env.messages() == []


def test_a_missing_job_is_ignored(scheduling_env, ports, store):
    outcome = handle_event({"action": "dispatch", "tenant_id": "acme", "job_id": "01NOPE"}, ports)

    assert (outcome.result, outcome.detail) == ("ignored", "no such job")


def test_a_job_waiting_for_a_dependency_stays_pending(scheduling_env, ports, store):
    parent = make_job(status=JobStatus.PROCESSING)
    store.create(parent)
    job = pending_one_shot(store, depends_on=[parent.id], waiting_on=WaitingOn.DEPENDENCIES)

    outcome = handle_event(dispatch_event(job), ports)

    assert outcome.result == "waiting" and parent.id in outcome.detail
    assert store.get("acme", job.id).status is JobStatus.PENDING


def test_a_job_whose_dependencies_completed_is_queued(scheduling_env, ports, store):
    parent = make_job(status=JobStatus.COMPLETED)
    store.create(parent)
    job = pending_one_shot(store, depends_on=[parent.id])

    assert handle_event(dispatch_event(job), ports).result == "queued"


def test_a_failed_send_leaves_the_job_queued_for_the_sweeper(scheduling_env, ports, store):
    job = pending_one_shot(store)

    down = replace_ports(ports, queue=Faulty(ports.queue, send=raising(RuntimeError("SQS is down"))))

    outcome = handle_event(dispatch_event(job), down)

    assert outcome.result == "queued"
    assert "GSI2SK" in raw_item("acme", job.id)


# -- cron: a run per slot -----------------------------------------------------------------------
def test_a_cron_fire_creates_a_queued_run_with_the_slots_deterministic_id(scheduling_env, ports, store):
    parent = recurring(store)

    outcome = handle_event(cron_event(parent), ports)

    run = store.get("acme", ids.run_id(parent.id, SLOT_AT))
    assert outcome.result == "run_created" and outcome.job_id == run.id
    assert (run.status, run.type, run.parent_id, run.scheduled_for) == (
        JobStatus.QUEUED,
        JobType.SCHEDULED,
        parent.id,
        SLOT_AT,
    )


def test_a_run_copies_the_parents_handler_payload_and_settings(scheduling_env, ports, store):
    parent = recurring(store)

    handle_event(cron_event(parent), ports)

    run = store.get("acme", ids.run_id(parent.id, SLOT_AT))
    copied = ("handler", "category", "payload", "priority", "retry", "max_retries", "timeout_seconds", "tier")
    assert {name: getattr(run, name) for name in copied} == {name: getattr(parent, name) for name in copied}


def test_a_run_of_a_notification_job_is_a_notification_job(scheduling_env, ports, store):
    parent = recurring(store, handler="email", category=Category.NOTIFICATION)

    handle_event(cron_event(parent), ports)

    assert store.get("acme", ids.run_id(parent.id, SLOT_AT)).type is JobType.NOTIFICATION


def test_a_run_is_sent_to_its_queue(scheduling_env, ports, store):
    parent = recurring(store)

    handle_event(cron_event(parent), ports)

    assert [body["job_id"] for body in bodies(scheduling_env)] == [ids.run_id(parent.id, SLOT_AT)]


def test_a_run_is_counted_on_the_parent_with_its_next_run(scheduling_env, ports, store):
    parent = recurring(store)

    handle_event(cron_event(parent), ports)

    updated = store.get("acme", parent.id)
    assert (updated.run_count, updated.last_slot, updated.next_run_at) == (
        1,
        SLOT_AT,
        SLOT_AT + timedelta(minutes=15),
    )


def test_the_slot_is_the_scheduled_time_truncated_to_the_minute(scheduling_env, ports, store):
    parent = recurring(store)

    outcome = handle_event(cron_event(parent, scheduled_time="2026-03-02T09:00:41Z"), ports)

    assert outcome.job_id == ids.run_id(parent.id, SLOT_AT)


@pytest.mark.parametrize("scheduled_time", [None, "<aws.scheduler.scheduled-time>", "not a time"])
def test_without_a_usable_scheduled_time_the_slot_is_now(scheduling_env, ports, store, scheduled_time):
    parent = recurring(store)

    outcome = handle_event(cron_event(parent, scheduled_time=scheduled_time), ports)

    assert outcome.job_id == ids.run_id(parent.id, NOW)


def test_a_duplicate_fire_of_a_slot_creates_no_second_run(scheduling_env, ports, store):
    parent = recurring(store)
    handle_event(cron_event(parent), ports)

    outcome = handle_event(cron_event(parent), ports)

    assert outcome.result == "duplicate"
    assert len(bodies(scheduling_env)) == 1


def test_a_duplicate_fire_of_a_slot_does_not_count_twice(scheduling_env, ports, store):
    parent = recurring(store)
    handle_event(cron_event(parent), ports)

    handle_event(cron_event(parent), ports)

    assert store.get("acme", parent.id).run_count == 1


def test_a_duplicate_fire_counts_a_run_whose_first_fire_died_before_counting(scheduling_env, ports, store):
    parent = recurring(store)
    run = make_job(id=ids.run_id(parent.id, SLOT_AT), parent_id=parent.id, status=JobStatus.QUEUED)
    store.create(run)  # the first fire wrote the run and died

    outcome = handle_event(cron_event(parent), ports)

    assert outcome.result == "duplicate"
    assert store.get("acme", parent.id).run_count == 1


def test_a_late_fire_of_an_older_slot_still_creates_and_counts_its_run(scheduling_env, ports, store):
    parent = recurring(store)
    handle_event(cron_event(parent, "2026-03-02T09:15:00Z"), ports)

    outcome = handle_event(cron_event(parent, "2026-03-02T09:00:00Z"), ports)

    updated = store.get("acme", parent.id)
    assert outcome.result == "run_created"
    assert (updated.run_count, updated.last_slot) == (2, datetime(2026, 3, 2, 9, 15, tzinfo=UTC))


# -- cron: when the parent says no ---------------------------------------------------------------
def test_a_paused_job_creates_no_run(scheduling_env, ports, store):
    parent = recurring(store, enabled=False)

    outcome = handle_event(cron_event(parent), ports)

    assert (outcome.result, outcome.detail) == ("ignored", "paused")
    assert store.get("acme", ids.run_id(parent.id, SLOT_AT)) is None


def test_a_cancelled_job_creates_no_run_and_loses_its_leftover_schedules(scheduling_env, ports, store):
    parent = recurring(store, status=JobStatus.CANCELLED)
    schedules.create_recurring(ports.schedules, parent, NOW)

    outcome = handle_event(cron_event(parent), ports)

    assert outcome.result == "ignored"
    assert store.get("acme", ids.run_id(parent.id, SLOT_AT)) is None and scheduling_env.names() == []


def test_the_run_reaching_max_runs_completes_the_job(scheduling_env, ports, store):
    parent = recurring(store, max_runs=2, run_count=1, last_slot=SLOT_AT - timedelta(minutes=15))

    outcome = handle_event(cron_event(parent), ports)

    updated = store.get("acme", parent.id)
    assert outcome.result == "completed"
    assert (updated.status, updated.run_count, updated.next_run_at) == (JobStatus.COMPLETED, 2, None)


def test_completing_at_max_runs_deletes_the_jobs_schedules(scheduling_env, ports, store):
    parent = recurring(store, max_runs=1)
    schedules.create_recurring(ports.schedules, parent, NOW)

    handle_event(cron_event(parent), ports)

    assert scheduling_env.names() == []


def test_a_job_whose_next_run_would_pass_end_at_completes_after_this_run(scheduling_env, ports, store):
    parent = recurring(store, end_at=SLOT_AT + timedelta(minutes=10))
    schedules.create_recurring(ports.schedules, parent, NOW)

    outcome = handle_event(cron_event(parent), ports)

    updated = store.get("acme", parent.id)
    assert outcome.result == "completed" and updated.status_reason == "end_at reached"
    assert store.get("acme", ids.run_id(parent.id, SLOT_AT)) is not None and scheduling_env.names() == []


def test_a_slot_after_end_at_makes_no_run_and_completes_the_job(scheduling_env, ports, store):
    parent = recurring(store, end_at=SLOT_AT - timedelta(minutes=1))

    outcome = handle_event(cron_event(parent), ports)

    assert outcome.result == "completed"
    assert store.get("acme", ids.run_id(parent.id, SLOT_AT)) is None
    assert store.get("acme", parent.id).status is JobStatus.COMPLETED


def test_a_run_refused_by_admission_is_recorded_as_skipped(scheduling_env, ports, store):
    parent = recurring(store)

    outcome = handle_event(cron_event(parent), full(ports))

    updated = store.get("acme", parent.id)
    assert outcome.result == "skipped"
    assert updated.status_reason == "run for 2026-03-02T09:00:00.000Z skipped: tenant limit reached"
    assert (updated.run_count, store.get("acme", outcome.job_id)) == (0, None)


def test_a_run_after_a_skipped_one_clears_the_skip_reason(scheduling_env, ports, store):
    parent = recurring(store)
    handle_event(cron_event(parent), full(ports))

    handle_event(cron_event(parent, "2026-03-02T09:15:00Z"), ports)

    assert store.get("acme", parent.id).status_reason is None


def test_an_admission_granted_to_a_duplicate_is_given_back(scheduling_env, ports, store):
    parent = recurring(store)
    handle_event(cron_event(parent), ports)
    assert ports.counters.snapshot("acme").waiting == 1

    def get_missing_run(tenant_id, job_id, consistent=True):  # a duplicate racing this fire
        return None if job_id != parent.id else store.get(tenant_id, job_id, consistent)

    racing = replace_ports(ports, jobs=Faulty(store, get=get_missing_run))
    outcome = handle_event(cron_event(parent), racing)

    assert outcome.result == "duplicate"
    assert ports.counters.snapshot("acme").waiting == 1  # the second admission was given back
    assert ports.counters.daily_count("acme", NOW) == 1


# -- cron: DST ------------------------------------------------------------------------------------
def test_a_run_before_a_slot_the_scheduler_may_miss_adds_a_catch_up_schedule(scheduling_env, ports, store):
    parent = recurring(store, cron="30 2 * * *", timezone="Europe/Berlin")

    handle_event(
        cron_event(parent, "2026-03-28T01:30:00Z"), ports
    )  # 02:30 CET, the day before spring forward

    assert store.get("acme", parent.id).next_run_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert scheduling_env.names() == [f"acme.{parent.id}-d202603290100"]


def test_a_catch_up_fire_makes_the_run_croniter_promised(scheduling_env, ports, store):
    parent = recurring(store, cron="30 2 * * *", timezone="Europe/Berlin")

    outcome = handle_event(cron_event(parent, "2026-03-29T01:00:00.000Z"), ports)

    assert outcome.job_id == ids.run_id(parent.id, datetime(2026, 3, 29, 1, 0, tzinfo=UTC))


# -- malformed events -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "event",
    [
        {},
        {"action": "cron"},
        {"action": "dispatch", "tenant_id": "acme"},
        {"action": "nap", "tenant_id": "a", "job_id": "b"},
    ],
)
def test_a_malformed_event_is_ignored(scheduling_env, ports, store, event):
    assert handle_event(event, ports).result == "ignored"
