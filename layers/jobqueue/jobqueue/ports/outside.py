"""The clock, the queues, the schedules, the event bus, notifications and idempotency."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jobqueue.messages import Delivery
from jobqueue.models.job import Job
from jobqueue.models.schedule import Schedule


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time in UTC, to the millisecond."""


class JobQueue(Protocol):
    """The band queues (one per priority band, grouped by tenant)."""

    def send(self, job: Job, delay_seconds: int | None = None, deferrals: int = 0) -> None:
        """Send the job's message; the delay defaults to the time until `scheduled_for`."""

    def send_many(self, jobs: Iterable[Job]) -> None:
        """Send many; raises PublishError naming the jobs whose message was not accepted."""

    def send_copy(self, delivery: Delivery) -> None:
        """Send a received message again as a new message (its receive count starts at 0)."""

    def redeliver_now(self, deliveries: Sequence[Delivery]) -> None:
        """Best effort: received messages become visible again at once."""


class Schedules(Protocol):
    """Schedules that invoke the dispatcher (EventBridge Scheduler), by name."""

    def put(self, schedule: Schedule) -> None:
        """Create the schedule, or replace the one of that name."""

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """Enable or disable a schedule; False when there is none of that name."""

    def delete(self, name: str) -> bool:
        """Delete a schedule; False when there is none of that name."""

    def exists(self, name: str) -> bool: ...


@dataclass(frozen=True)
class BusEvent:
    source: str
    detail_type: str
    detail: Mapping[str, Any]


class EventBus(Protocol):
    def publish(self, events: Sequence[BusEvent]) -> list[int]:
        """Publish; returns the indexes of the events the bus did not take."""


# -- notifications -------------------------------------------------------------------------------
class EmailSender(Protocol):
    def send(self, source: str, to: Sequence[str], subject: str, text: str | None, html: str | None) -> str:
        """Send an e-mail; returns the provider's message id.

        Raises:
            NonRetryableError: the provider refused this message for good.
            HandlerError: a transient failure.
        """


class SmsSender(Protocol):
    def send(self, phone_number: str, message: str, sms_type: str) -> str:
        """Send a text message; returns the provider's message id (errors as EmailSender)."""


class WebPoster(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        """POST to a public address (never a private one, no redirects); (status, answer start).

        Raises:
            NonRetryableError: the host is not public, or its certificate is not valid.
            HandlerError: the request failed in a way that may pass.
        """


class Idempotency(Protocol):
    def run_once(
        self,
        scope: str,
        tenant_id: str,
        key: str,
        body: Any,
        produce: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> dict[str, Any]:
        """`produce()` once per (scope, tenant, key); a repeat with the same body gets the first
        result. Raises IdempotencyConflict for the same key with another body, or while the
        first request is still running. A `produce()` that raises is not remembered."""


@dataclass(frozen=True)
class QueueDepth:
    """One SQS queue: a band (`critical` ... `low`) or the jobs' dead-letter queue
    (`dead_letter`). `oldest_age_seconds`: CloudWatch's latest ApproximateAgeOfOldestMessage
    (None when there is no datapoint, as on the local stack)."""

    name: str
    visible: int
    in_flight: int
    delayed: int
    oldest_age_seconds: int | None = None


class QueueMonitor(Protocol):
    def depths(self) -> list[QueueDepth]:
        """Every band queue and the dead-letter queue, bands in priority order."""
