"""Schedules on EventBridge Scheduler (the `Schedules` port), in the configured group, all
targeting the dispatcher function.

Every target carries the Scheduler's maximum retry policy (a retried fire is harmless: dispatch
is conditional, cron runs have deterministic ids) and, when configured, the schedules' dead-letter
queue for what still fails.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from jobqueue.adapters import aws
from jobqueue.models.schedule import Schedule
from jobqueue.settings import get_settings

RETRY_POLICY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
# UpdateSchedule replaces the whole definition: these are sent back with a new state.
_UPDATABLE = (
    "Name",
    "GroupName",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "Description",
    "StartDate",
    "EndDate",
    "KmsKeyArn",
    "ActionAfterCompletion",
)


class SchedulerSchedules:
    def __init__(self, client: Any = None):
        self._client = client

    @property
    def scheduler(self) -> Any:
        return self._client or aws.client("scheduler")

    def put(self, schedule: Schedule) -> None:
        definition = _definition(schedule)
        try:
            self.scheduler.create_schedule(Name=schedule.name, **definition)
        except ClientError as error:
            if _code(error) != "ConflictException":
                raise
            self.scheduler.update_schedule(Name=schedule.name, **definition)

    def set_enabled(self, name: str, enabled: bool) -> bool:
        current = self._get(name)
        if current is None:
            return False
        update = {key: current[key] for key in _UPDATABLE if current.get(key) is not None}
        update["State"] = "ENABLED" if enabled else "DISABLED"
        self.scheduler.update_schedule(**update)
        return True

    def delete(self, name: str) -> bool:
        try:
            self.scheduler.delete_schedule(Name=name, GroupName=_group())
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return False
            raise
        return True

    def exists(self, name: str) -> bool:
        return self._get(name) is not None

    def _get(self, name: str) -> dict[str, Any] | None:
        try:
            return self.scheduler.get_schedule(Name=name, GroupName=_group())
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return None
            raise


def _definition(schedule: Schedule) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "GroupName": _group(),
        "ScheduleExpression": schedule.expression,
        "ScheduleExpressionTimezone": schedule.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED" if schedule.enabled else "DISABLED",
        "Description": schedule.description[:512],
        "Target": _target(schedule.input),
    }
    if schedule.one_shot:
        definition["ActionAfterCompletion"] = "DELETE"
    if schedule.end_at is not None:
        definition["EndDate"] = schedule.end_at
    return definition


def _target(payload: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    if not settings.dispatcher_function_arn or not settings.scheduler_role_arn:
        raise RuntimeError("DISPATCHER_FUNCTION_ARN and SCHEDULER_ROLE_ARN must be set to create schedules")
    target: dict[str, Any] = {
        "Arn": settings.dispatcher_function_arn,
        "RoleArn": settings.scheduler_role_arn,
        "Input": json.dumps(payload, separators=(",", ":")),
        "RetryPolicy": dict(RETRY_POLICY),
    }
    if settings.schedule_dead_letter_queue_arn:
        target["DeadLetterConfig"] = {"Arn": settings.schedule_dead_letter_queue_arn}
    return target


def _group() -> str:
    return get_settings().schedule_group_name or "default"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
