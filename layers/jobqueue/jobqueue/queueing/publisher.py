"""Puts jobs on their SQS queue: one queue per band, MessageGroupId = tenant (fair queues),
DelaySeconds up to 900, SendMessageBatch in tens."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from jobqueue import aws, clock
from jobqueue.models.job import Job
from jobqueue.queueing.bands import band_for
from jobqueue.settings import get_settings

MAX_DELAY_SECONDS = 900
BATCH_SIZE = 10


class PublishError(Exception):
    """Some messages were not accepted by SQS; their jobs stay queued for the sweeper."""

    def __init__(self, job_ids: list[str]):
        super().__init__(f"{len(job_ids)} message(s) not sent")
        self.job_ids = job_ids


def message_body(job: Job, deferrals: int = 0) -> str:
    """The message of a job (jobqueue.worker.message); `deferrals` counts re-sends of a job that
    waited for a tenant concurrency slot."""
    body: dict[str, object] = {"job_id": job.id, "tenant_id": job.tenant_id, "attempt": job.attempts}
    if deferrals:
        body["deferrals"] = deferrals
    return json.dumps(body)


def delay_for(job: Job, now: datetime | None = None) -> int:
    if job.scheduled_for is None:
        return 0
    seconds = (job.scheduled_for - (now or clock.now())).total_seconds()
    # Rounded up: a job never becomes visible before its time (at most 1 s late from this).
    return max(0, min(MAX_DELAY_SECONDS, math.ceil(seconds)))


class JobPublisher:
    def __init__(self, sqs: Any = None):
        self._sqs = sqs

    @property
    def sqs(self) -> Any:
        return self._sqs or aws.client("sqs")

    def send(self, job: Job, delay_seconds: int | None = None, deferrals: int = 0) -> None:
        url = get_settings().queue_url(band_for(job.priority, job.tier))
        delay = delay_for(job) if delay_seconds is None else min(MAX_DELAY_SECONDS, delay_seconds)
        self.sqs.send_message(
            QueueUrl=url,
            MessageBody=message_body(job, deferrals),
            MessageGroupId=job.tenant_id,
            DelaySeconds=delay,
        )

    def send_many(self, jobs: Iterable[Job]) -> None:
        """Send in batches of ten per queue; raises PublishError naming the jobs not sent."""
        by_url: dict[str, list[Job]] = defaultdict(list)
        settings = get_settings()
        for job in jobs:
            by_url[settings.queue_url(band_for(job.priority, job.tier))].append(job)
        failed: list[str] = []
        now = clock.now()
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
