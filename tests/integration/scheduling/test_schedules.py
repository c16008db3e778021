"""EventBridge Scheduler schedules of jobs on moto: names, expressions, inputs, targets, pause,
resume and delete."""

import json
from datetime import UTC, datetime, timedelta

from jobqueue.adapters.scheduler import RETRY_POLICY, SchedulerSchedules
from jobqueue.models.job import JobStatus, JobType
from jobqueue.scheduling import schedules
from tests.integration.scheduling.conftest import DISPATCHER_ARN, NOW, ROLE_ARN, SCHEDULE_DLQ_ARN
from tests.support.factories import make_job as factory_job


def make_job(**fields):
    """A job created at NOW (the frozen time of these tests)."""
    return factory_job(now=NOW, **fields)


SCHEDULER = SchedulerSchedules()


def delayed_job(**overrides):
    fields = {
        "type": JobType.SCHEDULED,
        "status": JobStatus.PENDING,
        "scheduled_for": NOW + timedelta(hours=2),
    }
    return make_job(**{**fields, **overrides})


def recurring_job(cron="0 9 * * MON-FRI", timezone="Europe/Berlin", **overrides):
    fields = {"type": JobType.RECURRING, "status": JobStatus.PENDING, "cron": cron, "timezone": timezone}
    return make_job(**{**fields, "enabled": True, **overrides})


# -- one-shot ---------------------------------------------------------------------------------
def test_a_one_shot_schedule_is_named_after_tenant_and_job(scheduling_env):
    job = delayed_job()

    name = schedules.create_one_shot(SCHEDULER, job)

    assert name == f"acme.{job.id}" and scheduling_env.names() == [name]


def test_a_one_shot_fires_once_in_utc_the_minute_before_the_job_is_due(scheduling_env):
    job = delayed_job(scheduled_for=datetime(2026, 3, 2, 11, 0, 30, tzinfo=UTC))

    schedule = scheduling_env.schedule(schedules.create_one_shot(SCHEDULER, job))

    assert schedule["ScheduleExpression"] == "at(2026-03-02T10:59:00)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"


def test_a_one_shot_deletes_itself_after_firing_with_no_flexible_window(scheduling_env):
    schedule = scheduling_env.schedule(schedules.create_one_shot(SCHEDULER, delayed_job()))

    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}


def test_a_one_shot_targets_the_dispatcher_with_a_dispatch_input(scheduling_env):
    job = delayed_job()

    target = scheduling_env.schedule(schedules.create_one_shot(SCHEDULER, job))["Target"]

    assert (target["Arn"], target["RoleArn"]) == (DISPATCHER_ARN, ROLE_ARN)
    assert json.loads(target["Input"]) == {"action": "dispatch", "tenant_id": "acme", "job_id": job.id}


def test_a_schedule_has_a_retry_policy_and_the_dead_letter_queue(scheduling_env):
    target = scheduling_env.schedule(schedules.create_one_shot(SCHEDULER, delayed_job()))["Target"]

    assert target["RetryPolicy"] == RETRY_POLICY
    assert target["DeadLetterConfig"] == {"Arn": SCHEDULE_DLQ_ARN}


def test_a_one_shot_can_fire_at_a_given_time(scheduling_env):
    at = datetime(2026, 4, 1, 6, 15, tzinfo=UTC)

    schedule = scheduling_env.schedule(schedules.create_one_shot(SCHEDULER, delayed_job(), at=at))

    assert schedule["ScheduleExpression"] == "at(2026-04-01T06:15:00)"


def test_creating_a_one_shot_again_updates_the_same_schedule(scheduling_env):
    job = delayed_job()
    schedules.create_one_shot(SCHEDULER, job, at=datetime(2026, 4, 1, 6, 15, tzinfo=UTC))

    name = schedules.create_one_shot(SCHEDULER, job, at=datetime(2026, 4, 1, 7, 0, tzinfo=UTC))

    assert scheduling_env.names() == [name]
    assert scheduling_env.schedule(name)["ScheduleExpression"] == "at(2026-04-01T07:00:00)"


# -- recurring --------------------------------------------------------------------------------
def test_a_recurring_job_gets_one_cron_schedule_in_its_time_zone(scheduling_env):
    job = recurring_job()

    names = schedules.create_recurring(SCHEDULER, job, NOW)

    schedule = scheduling_env.schedule(names[0])
    assert names == [f"acme.{job.id}-a"]
    assert schedule["ScheduleExpression"] == "cron(0 9 ? * 2-6 *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule["State"] == "ENABLED"


def test_a_cron_schedule_passes_the_scheduled_time_placeholder_to_the_dispatcher(scheduling_env):
    job = recurring_job()

    target = scheduling_env.schedule(schedules.create_recurring(SCHEDULER, job, NOW)[0])["Target"]

    assert json.loads(target["Input"]) == {
        "action": "cron",
        "tenant_id": "acme",
        "job_id": job.id,
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    }
    assert target["Arn"] == DISPATCHER_ARN


def test_a_day_of_month_or_day_of_week_job_gets_two_schedules(scheduling_env):
    job = recurring_job(cron="0 0 13 * FRI", timezone="UTC")

    names = schedules.create_recurring(SCHEDULER, job, NOW)

    expressions = [scheduling_env.schedule(name)["ScheduleExpression"] for name in names]
    assert names == [f"acme.{job.id}-a", f"acme.{job.id}-b"]
    assert expressions == ["cron(0 0 13 * ? *)", "cron(0 0 ? * 6 *)"]


def test_a_recurring_job_with_end_at_gets_an_end_date(scheduling_env):
    end_at = datetime(2026, 6, 30, tzinfo=UTC)

    schedule = scheduling_env.schedule(
        schedules.create_recurring(SCHEDULER, recurring_job(end_at=end_at), NOW)[0]
    )

    assert schedule["EndDate"] == end_at


def test_a_recurring_job_created_paused_gets_disabled_schedules(scheduling_env):
    schedule = scheduling_env.schedule(
        schedules.create_recurring(SCHEDULER, recurring_job(enabled=False), NOW)[0]
    )

    assert schedule["State"] == "DISABLED"


def test_a_first_slot_in_a_dst_gap_gets_a_catch_up_schedule(scheduling_env):
    job = recurring_job(cron="30 2 * * *", timezone="Europe/Berlin")

    schedules.create_recurring(SCHEDULER, job, datetime(2026, 3, 28, 12, tzinfo=UTC))

    catch_up = scheduling_env.schedule(f"acme.{job.id}-d202603290100")
    assert catch_up["ScheduleExpression"] == "at(2026-03-29T01:00:00)"
    assert json.loads(catch_up["Target"]["Input"])["scheduled_time"] == "2026-03-29T01:00:00.000Z"


def test_an_ordinary_first_slot_gets_no_catch_up_schedule(scheduling_env):
    job = recurring_job()

    schedules.create_recurring(SCHEDULER, job, NOW)

    assert scheduling_env.names() == [f"acme.{job.id}-a"]


# -- pause, resume, delete --------------------------------------------------------------------
def test_pausing_disables_every_cron_schedule_of_the_job(scheduling_env):
    job = recurring_job(cron="0 0 13 * FRI", timezone="UTC")
    names = schedules.create_recurring(SCHEDULER, job, NOW)

    changed = schedules.pause(SCHEDULER, job)

    assert changed == names
    assert [scheduling_env.schedule(name)["State"] for name in names] == ["DISABLED", "DISABLED"]


def test_pausing_keeps_the_rest_of_the_definition(scheduling_env):
    job = recurring_job(end_at=datetime(2026, 6, 30, tzinfo=UTC))
    (name,) = schedules.create_recurring(SCHEDULER, job, NOW)
    before = scheduling_env.schedule(name)

    schedules.pause(SCHEDULER, job)

    after = scheduling_env.schedule(name)
    for key in (
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "Target",
        "EndDate",
        "FlexibleTimeWindow",
    ):
        assert after[key] == before[key], key


def test_resuming_enables_the_schedules_again(scheduling_env):
    job = recurring_job()
    (name,) = schedules.create_recurring(SCHEDULER, job, NOW)
    schedules.pause(SCHEDULER, job)

    schedules.resume(SCHEDULER, job, NOW)

    assert scheduling_env.schedule(name)["State"] == "ENABLED"


def test_pausing_a_job_without_schedules_changes_nothing(scheduling_env):
    assert schedules.pause(SCHEDULER, recurring_job()) == []


def test_deleting_removes_cron_schedules_and_the_catch_up_of_the_next_run(scheduling_env):
    job = recurring_job(
        cron="30 2 * * *", timezone="Europe/Berlin", next_run_at=datetime(2026, 3, 29, 1, tzinfo=UTC)
    )
    schedules.create_recurring(SCHEDULER, job, datetime(2026, 3, 28, 12, tzinfo=UTC))
    other = schedules.create_one_shot(SCHEDULER, delayed_job())

    schedules.delete(SCHEDULER, job)

    assert scheduling_env.names() == [other]


def test_deleting_missing_schedules_is_fine(scheduling_env):
    job = delayed_job()
    schedules.create_one_shot(SCHEDULER, job)
    schedules.delete(SCHEDULER, job)

    assert schedules.delete(SCHEDULER, job) == []


def test_schedules_can_be_deleted_by_ids_when_the_job_is_gone(scheduling_env):
    job = delayed_job()
    name = schedules.create_one_shot(SCHEDULER, job)

    assert schedules.delete_for(SCHEDULER, "acme", job.id) == [name]
