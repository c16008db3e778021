"""The band queues on SQS (the `JobQueue` port): one queue per band, MessageGroupId = tenant
(fair queues), DelaySeconds up to 900, SendMessageBatch in tens."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.adapters import aws
from jobqueue.bands import band_for
from jobqueue.errors import PublishError
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS, Delivery, message_body
from jobqueue.models.job import Job
from jobqueue.ports import Clock
from jobqueue.settings import get_settings

logger = Logger(child=True)

BATCH_SIZE = 10


def delay_for(job: Job, now: datetime) -> int:
    """Seconds until the job is due, rounded up (a job never becomes visible before its time, at
    most 1 s late from this) and capped at SQS's 900."""
    if job.scheduled_for is None:
        return 0
    seconds = (job.scheduled_for - now).total_seconds()
    return max(0, min(MAX_QUEUE_DELAY_SECONDS, math.ceil(seconds)))


class SqsJobQueue:
    def __init__(self, clock: Clock, sqs: Any = None):
        self._clock = clock
        self._sqs = sqs

    @property
    def sqs(self) -> Any:
        return self._sqs or aws.client("sqs")

    def send(self, job: Job, delay_seconds: int | None = None, deferrals: int = 0) -> None:
        url = get_settings().queue_url(band_for(job.priority, job.tier))
        delay = (
            delay_for(job, self._clock.now())
            if delay_seconds is None
            else min(MAX_QUEUE_DELAY_SECONDS, delay_seconds)
        )
        self.sqs.send_message(
            QueueUrl=url,
            MessageBody=message_body(job, deferrals),
            MessageGroupId=job.tenant_id,
            DelaySeconds=delay,
        )

    def send_many(self, jobs: Iterable[Job]) -> None:
        by_url: dict[str, list[Job]] = defaultdict(list)
        settings = get_settings()
        for job in jobs:
            by_url[settings.queue_url(band_for(job.priority, job.tier))].append(job)
        failed: list[str] = []
        now = self._clock.now()
        for url, group in by_url.items():
            for start in range(0, len(group), BATCH_SIZE):
                chunk = group[start : start + BATCH_SIZE]
                entries = [
                    {
                        "Id": str(i),
                        "MessageBody": message_body(job),
                        "MessageGroupId": job.tenant_id,
                        "DelaySeconds": delay_for(job, now),
                    }
                    for i, job in enumerate(chunk)
                ]
                response = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
                failed += [chunk[int(entry["Id"])].id for entry in response.get("Failed", [])]
        if failed:
            raise PublishError(failed)

    def send_copy(self, delivery: Delivery) -> None:
        params: dict[str, Any] = {"QueueUrl": delivery.queue_url, "MessageBody": delivery.body}
        if delivery.group_id:
            params["MessageGroupId"] = delivery.group_id
        self.sqs.send_message(**params)

    def redeliver_now(self, deliveries: Sequence[Delivery]) -> None:
        by_queue: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in deliveries:
            by_queue[delivery.queue_url].append(delivery)
        for url, group in by_queue.items():
            for start in range(0, len(group), BATCH_SIZE):
                entries = [
                    {"Id": str(i), "ReceiptHandle": d.receipt_handle, "VisibilityTimeout": 0}
                    for i, d in enumerate(group[start : start + BATCH_SIZE])
                ]
                try:
                    self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
                except Exception:
                    logger.warning("could not release deferred messages early", exc_info=True)
