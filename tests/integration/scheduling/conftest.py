"""moto with the table, the queues and an EventBridge Scheduler group, and the Scheduler settings
(group, role, dispatcher ARN, dead-letter ARN) in the environment. Tests that need the time to
stand still build their ports on a `FrozenClock` at NOW."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from jobqueue import wiring
from jobqueue.adapters import aws
from jobqueue.settings import get_settings
from tests.support.moto_env import AwsEnv, moto_env

GROUP = "jobqueue-test-schedules"
ROLE_ARN = "arn:aws:iam::123456789012:role/jobqueue-scheduler"
DISPATCHER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:jobqueue-dispatcher"
SCHEDULE_DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:jobqueue-schedule-dlq"
NOW = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)  # a Monday


@dataclass
class SchedulingEnv:
    aws: AwsEnv
    group: str

    @property
    def scheduler(self) -> Any:
        return aws.client("scheduler")

    def schedule(self, name: str) -> dict[str, Any]:
        return self.scheduler.get_schedule(Name=name, GroupName=self.group)

    def names(self) -> list[str]:
        pages = self.scheduler.get_paginator("list_schedules").paginate(GroupName=self.group)
        return sorted(item["Name"] for page in pages for item in page["Schedules"])

    def messages(self, band: str = "normal") -> list[dict[str, Any]]:
        from jobqueue.models.job import QueueBand

        response = aws.client("sqs").receive_message(
            QueueUrl=self.aws.queue_urls[QueueBand(band)], MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        return response.get("Messages", [])


@pytest.fixture
def scheduling_env():
    env = {
        "SCHEDULE_GROUP_NAME": GROUP,
        "SCHEDULER_ROLE_ARN": ROLE_ARN,
        "DISPATCHER_FUNCTION_ARN": DISPATCHER_ARN,
        "SCHEDULE_DEAD_LETTER_QUEUE_ARN": SCHEDULE_DLQ_ARN,
    }
    with moto_env(env) as aws_env:
        get_settings.cache_clear()
        wiring.reset()
        aws.client("scheduler").create_schedule_group(Name=GROUP)
        yield SchedulingEnv(aws_env, GROUP)
