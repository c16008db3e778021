"""The clock moto does not have: fires the template's `Schedule` (EventBridge rule) and
`ScheduleV2` (EventBridge Scheduler) events, and every EventBridge Scheduler schedule stored in
moto (`list_schedules` across groups, `get_schedule` when one changed).

Each slot fires once (a set of fired (schedule, slot) pairs); a clock that fell behind fires
the missed slots of a schedule at most `MAX_CATCH_UP` at a time and says so. Only ENABLED
schedules fire, within StartDate/EndDate; `ActionAfterCompletion: DELETE` deletes a one-shot
after it fired (and a recurring schedule after its last slot before EndDate).

Targets: a function of the template (asynchronous invoke, like Scheduler and rules do) with
the target's Input as the event (Scheduler's `<aws.scheduler.*>` context attributes are
substituted), or an SQS queue (the Input is sent as the message body).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local.cron import ExpressionError, ScheduleExpression
from local.loop import BackgroundLoop

log = logging.getLogger("local.clock")

MAX_CATCH_UP = 3


@dataclass
class Schedule:
    key: str  # ARN of the schedule or the rule
    name: str
    expression: ScheduleExpression
    timezone: str
    target_arn: str
    target_input: str | None
    anchor: datetime  # when it was created or last changed
    kind: str  # "rule" (EventBridge rule: first rate slot one period after the anchor) | "scheduler"
    enabled: bool = True
    start: datetime | None = None
    end: datetime | None = None
    delete_after_completion: bool = False
    group: str | None = None
    version: Any = None  # LastModificationDate for moto schedules
    message_group_id: str | None = None  # SqsParameters of a FIFO target


@dataclass
class _State:
    schedule: Schedule
    next_slot: datetime | None
    fired: set[datetime] = field(default_factory=set)


@dataclass
class Fire:
    schedule: Schedule
    slot: datetime
    fired_at: datetime

    @property
    def lateness_ms(self) -> float:
        return (self.fired_at - self.slot).total_seconds() * 1000


class Targets:
    """What a schedule's target ARN means locally: one of our functions, or one of our queues."""

    def __init__(
        self,
        functions_by_arn: dict[str, str],
        queues_by_arn: dict[str, str],
        invoke_async: Callable[[str, Any], None],
        sqs: Callable[[], Any],
    ):
        self.functions_by_arn = functions_by_arn
        self.queues_by_arn = queues_by_arn
        self.invoke_async = invoke_async
        self.sqs = sqs

    def deliver(self, schedule: Schedule, event: Any, body: str) -> str:
        arn = schedule.target_arn
        function = self.functions_by_arn.get(arn) or self.functions_by_arn.get(arn.rsplit(":", 1)[0])
        if function:
            self.invoke_async(function, event)
            return function
        if arn in self.queues_by_arn:
            args: dict[str, Any] = {"QueueUrl": self.queues_by_arn[arn], "MessageBody": body}
            if schedule.message_group_id:
                args["MessageGroupId"] = schedule.message_group_id
            self.sqs().send_message(**args)
            return arn.rsplit(":", 1)[-1]
        raise LookupError(f"target {arn} is neither a function nor a queue of this stack")


def substitute_context(text: str, schedule: Schedule, slot: datetime, attempt: int = 1) -> str:
    """Scheduler's context attributes in a target's Input."""
    values = {
        "<aws.scheduler.schedule-arn>": schedule.key,
        "<aws.scheduler.scheduled-time>": slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": str(attempt),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def rule_event(schedule: Schedule, slot: datetime, region: str, account_id: str) -> dict[str, Any]:
    """What an EventBridge schedule rule sends when its target has no Input."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [schedule.key],
        "detail": {},
    }


class Clock(BackgroundLoop):
    """One thread: every `tick` seconds fires what is due; every `scan_every` seconds reads
    moto's schedules."""

    def __init__(
        self,
        targets: Targets,
        *,
        scheduler: Callable[[], Any] | None,
        region: str,
        account_id: str,
        say: Callable[[str], None],
        tick: float = 0.2,
        scan_every: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        super().__init__("clock")
        self.targets = targets
        self.scheduler = scheduler
        self.region = region
        self.account_id = account_id
        self.say = say
        self.tick = tick
        self.scan_every = scan_every
        self.now = now
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()
        self.fires: list[Fire] = []
        self._last_scan = 0.0

    # -- schedules

    def add(self, schedule: Schedule) -> None:
        """Start tracking a schedule (or take a changed version of it; fired slots are kept)."""
        with self._lock:
            previous = self._states.get(schedule.key)
            fired = previous.fired if previous else set()
            after = schedule.anchor - timedelta(microseconds=1)
            if schedule.expression.kind == "at":
                after = datetime.min.replace(tzinfo=UTC)  # an at() already past when created fires at once
            elif schedule.start and schedule.start > after:
                after = schedule.start - timedelta(microseconds=1)
            state = _State(schedule, self._next(schedule, after), fired)
            self._states[schedule.key] = state

    def remove(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)

    def schedules(self) -> list[Schedule]:
        with self._lock:
            return [state.schedule for state in self._states.values()]

    def _next(self, schedule: Schedule, after: datetime) -> datetime | None:
        tz = ZoneInfo(schedule.timezone or "UTC")
        anchor = schedule.start or schedule.anchor
        slot = schedule.expression.next_fire(after, tz, anchor, first_at_anchor=schedule.kind == "scheduler")
        if slot is not None and schedule.expression.kind != "at" and schedule.end and slot > schedule.end:
            return None
        return slot

    # -- running

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.scheduler is not None and time.monotonic() - self._last_scan >= self.scan_every:
                self._last_scan = time.monotonic()
                try:
                    self.scan()
                except Exception as exc:  # moto stopping, or a schedule we cannot read
                    if not self._stop.is_set():
                        log.warning("reading schedules failed: %s", exc)
            self.fire_due()
            self._stop.wait(self.tick)

    def fire_due(self) -> list[Fire]:
        now = self.now()
        done: list[Fire] = []
        with self._lock:
            states = list(self._states.values())
        for state in states:
            schedule = state.schedule
            due: list[datetime] = []
            while state.next_slot is not None and state.next_slot <= now:
                due.append(state.next_slot)
                state.next_slot = self._next(schedule, state.next_slot)
            if not schedule.enabled:
                continue
            due = [slot for slot in due if slot not in state.fired]
            if len(due) > MAX_CATCH_UP:
                self.say(f"{schedule.name}: clock behind, skipping {len(due) - MAX_CATCH_UP} missed slot(s)")
                due = due[-MAX_CATCH_UP:]
            for slot in due:
                state.fired.add(slot)
                done.append(self._fire(schedule, slot))
            if len(state.fired) > 1000:
                state.fired = set(sorted(state.fired)[-100:])
            if due and schedule.delete_after_completion and state.next_slot is None:
                self._delete(schedule)
        return done

    def _fire(self, schedule: Schedule, slot: datetime) -> Fire:
        fire = Fire(schedule, slot, self.now())
        if schedule.target_input is not None:
            body = substitute_context(schedule.target_input, schedule, slot)
            try:
                event: Any = json.loads(body)
            except ValueError:
                event = body
        elif schedule.kind == "rule":
            event = rule_event(schedule, slot, self.region, self.account_id)
            body = json.dumps(event)
        else:
            event, body = {}, "{}"
        try:
            target = self.targets.deliver(schedule, event, body)
            self.say(
                f"{schedule.name} fired -> {target} (slot {slot:%H:%M:%S}, {fire.lateness_ms:.0f} ms late)"
            )
        except Exception as exc:
            self.say(f"{schedule.name}: could not deliver: {exc}")
        self.fires.append(fire)
        del self.fires[:-1000]
        return fire

    def _delete(self, schedule: Schedule) -> None:
        self.remove(schedule.key)
        if self.scheduler is None or schedule.kind != "scheduler" or schedule.group is None:
            return
        try:
            self.scheduler().delete_schedule(Name=schedule.name, GroupName=schedule.group)
            self.say(f"{schedule.name}: completed, deleted (ActionAfterCompletion DELETE)")
        except Exception as exc:
            self.say(f"{schedule.name}: delete after completion failed: {exc}")

    # -- moto's schedules

    def scan(self) -> None:
        """Track every schedule stored in moto; re-read the ones whose LastModificationDate moved."""
        client = self.scheduler() if self.scheduler else None
        if client is None:
            return
        seen: set[str] = set()
        token = None
        while True:
            page = client.list_schedules(**({"NextToken": token} if token else {}))
            for summary in page.get("Schedules", []):
                arn = summary["Arn"]
                seen.add(arn)
                with self._lock:
                    state = self._states.get(arn)
                if state and state.schedule.version == summary.get("LastModificationDate"):
                    continue
                detail = client.get_schedule(
                    Name=summary["Name"], GroupName=summary.get("GroupName", "default")
                )
                schedule = self._from_moto(detail)
                if schedule is not None:
                    self.add(schedule)
            token = page.get("NextToken")
            if not token:
                break
        with self._lock:
            gone = [
                key
                for key, state in self._states.items()
                if state.schedule.kind == "scheduler"
                and key.startswith("arn:aws:scheduler:")
                and key not in seen
            ]
        for key in gone:
            self.remove(key)

    def _from_moto(self, detail: dict[str, Any]) -> Schedule | None:
        name = detail["Name"]
        try:
            expression = ScheduleExpression.parse(detail["ScheduleExpression"])
            ZoneInfo(detail.get("ScheduleExpressionTimezone") or "UTC")
        except (ExpressionError, KeyError, ValueError) as exc:
            self.say(f"schedule {name}: ignored: {exc}")
            return Schedule(  # tracked (so it is not re-read every scan) but never fires
                key=detail["Arn"],
                name=name,
                expression=ScheduleExpression("rate(1 day)", "at", at=datetime.max),
                timezone="UTC",
                target_arn="",
                target_input=None,
                anchor=self.now(),
                kind="scheduler",
                enabled=False,
                version=detail.get("LastModificationDate"),
            )
        target = detail.get("Target") or {}
        anchor = detail.get("LastModificationDate") or detail.get("CreationDate") or self.now()
        return Schedule(
            key=detail["Arn"],
            name=name,
            expression=expression,
            timezone=detail.get("ScheduleExpressionTimezone") or "UTC",
            target_arn=target.get("Arn", ""),
            target_input=target.get("Input"),
            anchor=_aware(anchor),
            kind="scheduler",
            enabled=detail.get("State", "ENABLED") == "ENABLED",
            start=_aware(detail["StartDate"]) if detail.get("StartDate") else None,
            end=_aware(detail["EndDate"]) if detail.get("EndDate") else None,
            delete_after_completion=detail.get("ActionAfterCompletion") == "DELETE",
            group=detail.get("GroupName", "default"),
            version=detail.get("LastModificationDate"),
            message_group_id=(target.get("SqsParameters") or {}).get("MessageGroupId"),
        )


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def template_schedules(specs: dict[str, Any], resolver: Any, started: datetime) -> list[Schedule]:
    """The `Schedule` and `ScheduleV2` events of the template's functions."""
    out: list[Schedule] = []
    for spec in specs.values():
        for event_id, event in spec.events.items():
            kind = event.get("Type")
            if kind not in ("Schedule", "ScheduleV2"):
                continue
            props = event["Properties"]
            where = f"{spec.logical_id}.Events.{event_id}"
            rule = kind == "Schedule"
            text = props.get("Schedule") if rule else props.get("ScheduleExpression")
            try:
                expression = ScheduleExpression.parse(str(text), strict_plural=rule)
                if rule and expression.kind == "at":
                    raise ExpressionError("EventBridge rules have no at() expressions")
                timezone = "UTC" if rule else props.get("ScheduleExpressionTimezone") or "UTC"
                ZoneInfo(timezone)
            except (ExpressionError, ValueError) as exc:
                raise ValueError(f"{where}: {exc}") from exc
            name = props.get("Name") or f"{resolver.stack_name}-{spec.logical_id}{event_id}"
            service = "events" if rule else "scheduler"
            resource = f"rule/{name}" if rule else f"schedule/{props.get('GroupName', 'default')}/{name}"
            state = props.get("State") or ("DISABLED" if props.get("Enabled") is False else "ENABLED")
            raw_input = props.get("Input")
            out.append(
                Schedule(
                    key=f"arn:aws:{service}:{resolver.region}:{resolver.account_id}:{resource}",
                    name=f"{spec.label}.{event_id}",
                    expression=expression,
                    timezone=timezone,
                    target_arn=spec.arn,
                    target_input=raw_input
                    if raw_input is None or isinstance(raw_input, str)
                    else json.dumps(raw_input),
                    anchor=started,
                    kind="rule" if rule else "scheduler",
                    enabled=state == "ENABLED",
                    start=_aware(props["StartDate"]) if props.get("StartDate") else None,
                    end=_aware(props["EndDate"]) if props.get("EndDate") else None,
                )
            )
    return out
