"""An in-memory band queue: every message sent is kept, in order, with its band and delay."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from jobqueue.bands import band_for
from jobqueue.errors import PublishError
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS, Delivery, JobMessage, message_body, parse_message
from jobqueue.models.job import Job, QueueBand
from jobqueue.ports import Clock
from jobqueue.testing.locking import synchronized


@dataclass(frozen=True)
class SentMessage:
    band: QueueBand | None
    body: str
    delay_seconds: int
    group_id: str | None

    @property
    def message(self) -> JobMessage:
        return parse_message(self.body)


@synchronized
class InMemoryJobQueue:
    """`refuse` holds job ids whose messages are not accepted (a failing queue)."""

    def __init__(self, clock: Clock):
        self._clock = clock
        self.sent: list[SentMessage] = []
        self.redelivered: list[Delivery] = []
        self.refuse: set[str] = set()

    def send(self, job: Job, delay_seconds: int | None = None, deferrals: int = 0) -> None:
        if job.id in self.refuse:
            raise PublishError([job.id])
        delay = self._delay(job) if delay_seconds is None else min(MAX_QUEUE_DELAY_SECONDS, delay_seconds)
        self.sent.append(
            SentMessage(band_for(job.priority, job.tier), message_body(job, deferrals), delay, job.tenant_id)
        )

    def send_many(self, jobs: Iterable[Job]) -> None:
        failed = []
        for job in jobs:
            try:
                self.send(job)
            except PublishError:
                failed.append(job.id)
        if failed:
            raise PublishError(failed)

    def send_copy(self, delivery: Delivery) -> None:
        self.sent.append(SentMessage(None, delivery.body, 0, delivery.group_id))

    def redeliver_now(self, deliveries: Sequence[Delivery]) -> None:
        self.redelivered.extend(deliveries)

    def messages_for(self, job_id: str) -> list[SentMessage]:
        return [m for m in self.sent if m.message.job_id == job_id]

    def _delay(self, job: Job) -> int:
        if job.scheduled_for is None:
            return 0
        seconds = (job.scheduled_for - self._clock.now()).total_seconds()
        return max(0, min(MAX_QUEUE_DELAY_SECONDS, -int(-seconds // 1)))
