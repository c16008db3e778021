"""What a fired schedule delivers, and to what: `Targets` maps a target ARN to one of the
stack's functions (invoked asynchronously, as Scheduler and rules do) or queues (the Input is
sent as the message body); `substitute_context` fills Scheduler's `<aws.scheduler.*>` context
attributes into a target's Input; `rule_event` is the event a rule sends without an Input."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.schedules import Schedule


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
