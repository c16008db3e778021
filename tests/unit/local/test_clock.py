"""The clock engine with a fake time and fake targets (local/clock.py, local/schedules.py,
local/schedule_targets.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from local.clock import Clock
from local.cron import ScheduleExpression
from local.schedule_targets import Targets, rule_event, substitute_context
from local.schedules import Schedule

T0 = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:dispatcher"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobs"


class FakeTime:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


class FakeScheduler:
    def __init__(self) -> None:
        self.deleted: list[tuple[str, str]] = []

    def delete_schedule(self, Name: str, GroupName: str) -> None:
        self.deleted.append((GroupName, Name))


def _setup() -> tuple[Clock, FakeTime, list, FakeSqs, FakeScheduler]:
    time, invoked, sqs, scheduler = FakeTime(), [], FakeSqs(), FakeScheduler()
    targets = Targets(
        {FUNCTION_ARN: "DispatcherFunction"},
        {QUEUE_ARN: "http://queue"},
        lambda f, e: invoked.append((f, e)),
        lambda: sqs,
    )
    clock = Clock(
        targets,
        scheduler=lambda: scheduler,
        region="us-east-1",
        account_id="123456789012",
        say=lambda _: None,
        now=time,
    )
    return clock, time, invoked, sqs, scheduler


def _schedule(expression: str, **kwargs: Any) -> Schedule:
    defaults: dict[str, Any] = {
        "key": "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s",
        "name": "s",
        "expression": ScheduleExpression.parse(expression),
        "timezone": "UTC",
        "target_arn": FUNCTION_ARN,
        "target_input": '{"job": 1}',
        "anchor": T0,
        "kind": "scheduler",
        "group": "g",
    }
    defaults.update(kwargs)
    return Schedule(**defaults)


def test_each_rate_slot_fires_once() -> None:
    clock, time, invoked, _, _ = _setup()
    clock.add(_schedule("rate(1 minute)"))

    clock.fire_due()  # the anchor slot (Scheduler: starts at once without a StartDate)
    clock.fire_due()
    time.now = T0 + timedelta(seconds=59)
    clock.fire_due()
    time.now = T0 + timedelta(minutes=1, seconds=1)
    clock.fire_due()
    clock.fire_due()

    assert [event for _, event in invoked] == [{"job": 1}, {"job": 1}]
    assert [fire.slot for fire in clock.fires] == [T0, T0 + timedelta(minutes=1)]


def test_rule_rate_first_fires_one_period_after_start_with_the_rule_event() -> None:
    clock, time, invoked, _, _ = _setup()
    clock.add(
        _schedule("rate(1 minute)", kind="rule", target_input=None, key="arn:aws:events:us-east-1:1:rule/r")
    )

    clock.fire_due()
    time.now = T0 + timedelta(minutes=1)
    clock.fire_due()

    assert len(invoked) == 1
    event = invoked[0][1]
    assert (event["detail-type"], event["source"], event["time"]) == (
        "Scheduled Event",
        "aws.events",
        "2025-01-01T12:01:00Z",
    )
    assert event["resources"] == ["arn:aws:events:us-east-1:1:rule/r"]


def test_one_shot_at_fires_once_then_is_deleted_when_asked() -> None:
    clock, time, invoked, _, scheduler = _setup()
    clock.add(_schedule("at(2025-01-01T12:00:30)", delete_after_completion=True))

    clock.fire_due()
    time.now = T0 + timedelta(seconds=31)
    clock.fire_due()
    time.now = T0 + timedelta(minutes=5)
    clock.fire_due()

    assert len(invoked) == 1
    assert scheduler.deleted == [("g", "s")]
    assert clock.schedules() == []


def test_at_already_past_when_created_fires_at_once() -> None:
    clock, _, invoked, _, _ = _setup()
    clock.add(_schedule("at(2024-12-31T00:00:00)"))

    clock.fire_due()

    assert len(invoked) == 1


def test_disabled_schedule_does_not_fire() -> None:
    clock, time, invoked, _, _ = _setup()
    clock.add(_schedule("rate(1 minute)", enabled=False))

    time.now = T0 + timedelta(minutes=3)
    clock.fire_due()

    assert invoked == []


def test_cron_in_a_time_zone_respects_start_and_end_dates() -> None:
    clock, time, _invoked, _, scheduler = _setup()
    clock.add(
        _schedule(
            "cron(0 * * * ? *)",
            timezone="Europe/Paris",
            start=T0 + timedelta(hours=1, minutes=30),
            end=T0 + timedelta(hours=3, minutes=30),
            delete_after_completion=True,
        )
    )

    fired_at = []
    for minutes in range(0, 5 * 60, 10):
        time.now = T0 + timedelta(minutes=minutes)
        fired_at += [fire.slot for fire in clock.fire_due()]

    assert fired_at == [T0 + timedelta(hours=2), T0 + timedelta(hours=3)]
    assert scheduler.deleted == [("g", "s")]  # after its last slot before EndDate


def test_a_clock_far_behind_fires_only_the_last_missed_slots() -> None:
    clock, time, _invoked, _, _ = _setup()
    clock.add(_schedule("rate(1 minute)"))

    time.now = T0 + timedelta(minutes=10, seconds=5)
    clock.fire_due()

    assert [fire.slot for fire in clock.fires] == [T0 + timedelta(minutes=m) for m in (8, 9, 10)]


def test_sqs_target_gets_the_input_as_body_with_context_attributes() -> None:
    clock, _, _, sqs, _ = _setup()
    clock.add(
        _schedule(
            "at(2025-01-01T12:00:00)",
            target_arn=QUEUE_ARN,
            target_input='{"t": "<aws.scheduler.scheduled-time>"}',
        )
    )

    clock.fire_due()

    assert sqs.sent == [{"QueueUrl": "http://queue", "MessageBody": '{"t": "2025-01-01T12:00:00Z"}'}]


def test_context_attributes_and_rule_event_helpers() -> None:
    schedule = _schedule("rate(1 minute)")

    text = substitute_context("<aws.scheduler.schedule-arn> <aws.scheduler.attempt-number>", schedule, T0)
    event = rule_event(schedule, T0, "eu-west-1", "1")

    assert text == f"{schedule.key} 1"
    assert json.dumps(event) and event["region"] == "eu-west-1" and event["detail"] == {}


def test_changed_schedule_keeps_its_fired_slots() -> None:
    clock, time, invoked, _, _ = _setup()
    clock.add(_schedule("at(2025-01-01T12:00:00)"))
    clock.fire_due()

    clock.add(_schedule("at(2025-01-01T12:00:00)", version="v2"))  # e.g. State toggled by an update
    time.now = T0 + timedelta(seconds=5)
    clock.fire_due()

    assert len(invoked) == 1
