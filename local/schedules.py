"""The schedules the clock fires: `Schedule` (what to fire, when, and where to), the template's
`Schedule` (EventBridge rule) and `ScheduleV2` (EventBridge Scheduler) events read from its
functions, and `aware()` for the dates moto and the template give (naive means UTC)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from local.cron import ExpressionError, ScheduleExpression
from local.function_specs import events_of


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


def aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def template_schedules(specs: dict[str, Any], resolver: Any, started: datetime) -> list[Schedule]:
    """The `Schedule` and `ScheduleV2` events of the template's functions."""
    out: list[Schedule] = []
    for event in events_of(specs, "Schedule", "ScheduleV2"):
        spec, event_id, props, where = event.spec, event.event_id, event.props, event.where
        rule = event.kind == "Schedule"
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
                start=aware(props["StartDate"]) if props.get("StartDate") else None,
                end=aware(props["EndDate"]) if props.get("EndDate") else None,
            )
        )
    return out
