"""Ports: everything the service needs from outside its process, in domain words.

Each port is a `typing.Protocol`. The AWS implementations live in `jobqueue.adapters` (the only
package that uses the AWS SDK, turning its errors into domain errors); in-memory ones live in
`jobqueue.testing`. Use cases take the `Ports` bundle (or the single ports they need) as an
argument; every Lambda entry point passes `jobqueue.wiring.default_ports()`, built once per
container.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobqueue.ports.activity import ActivityLog, FeedPosition
from jobqueue.ports.alerts import AlertStore
from jobqueue.ports.jobs import Guard, JobRepository, SweepEntry
from jobqueue.ports.outside import (
    BusEvent,
    Clock,
    EmailSender,
    EventBus,
    Idempotency,
    JobQueue,
    QueueDepth,
    QueueMonitor,
    Schedules,
    SmsSender,
    WebPoster,
)
from jobqueue.ports.tenants import TenantCounters, TenantRepository

__all__ = [
    "ActivityLog",
    "AlertStore",
    "BusEvent",
    "Clock",
    "EmailSender",
    "EventBus",
    "FeedPosition",
    "Guard",
    "Idempotency",
    "JobQueue",
    "JobRepository",
    "Ports",
    "QueueDepth",
    "QueueMonitor",
    "Schedules",
    "SmsSender",
    "SweepEntry",
    "TenantCounters",
    "TenantRepository",
    "WebPoster",
]


@dataclass(frozen=True)
class Ports:
    """Every port, as one argument."""

    jobs: JobRepository
    tenants: TenantRepository
    counters: TenantCounters
    queue: JobQueue
    schedules: Schedules
    events: EventBus
    clock: Clock
    email: EmailSender
    sms: SmsSender
    web: WebPoster
    idempotency: Idempotency
    activity: ActivityLog
    queues: QueueMonitor
    alerts: AlertStore
