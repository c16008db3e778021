"""The clock moto does not have: fires the template's `Schedule` (EventBridge rule) and
`ScheduleV2` (EventBridge Scheduler) events, and every EventBridge Scheduler schedule stored in
moto (`list_schedules` across groups, `get_schedule` when one changed).

Each slot fires once (a set of fired (schedule, slot) pairs); a clock that fell behind fires
the missed slots of a schedule at most `MAX_CATCH_UP` at a time and says so. Only ENABLED
schedules fire, within StartDate/EndDate; `ActionAfterCompletion: DELETE` deletes a one-shot
after it fired (and a recurring schedule after its last slot before EndDate).

What a fire delivers and where is local/schedule_targets.py; the schedules themselves are
local/schedules.py.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local.cron import ExpressionError, ScheduleExpression
from local.loop import BackgroundLoop
from local.schedule_targets import Targets, rule_event, substitute_context
from local.schedules import Schedule, aware

log = logging.getLogger("local.clock")

MAX_CATCH_UP = 3


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


class Clock(BackgroundLoop):
    """One thread: every `tick` seconds fires what is due; every `scan_every` seconds reads
    moto's schedules."""

    faults: Any = None  # local.faults.Faults of the fault soak: duplicate fires

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
            if self.faults is not None:
                self.faults.fire_twice(lambda: self.targets.deliver(schedule, event, body))
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
            anchor=aware(anchor),
            kind="scheduler",
            enabled=detail.get("State", "ENABLED") == "ENABLED",
            start=aware(detail["StartDate"]) if detail.get("StartDate") else None,
            end=aware(detail["EndDate"]) if detail.get("EndDate") else None,
            delete_after_completion=detail.get("ActionAfterCompletion") == "DELETE",
            group=detail.get("GroupName", "default"),
            version=detail.get("LastModificationDate"),
            message_group_id=(target.get("SqsParameters") or {}).get("MessageGroupId"),
        )
