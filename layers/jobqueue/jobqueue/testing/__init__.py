"""In-memory stand-ins for every port (`jobqueue.ports`), for unit tests of the service and of
your own handlers: no AWS, no moto, no network.

    ports = fake_ports()                  # a FrozenClock at 2026-03-02 09:00 UTC
    ports.clock.advance(minutes=5)
    ports.queue.sent                      # every message sent, in order
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobqueue.ports import Ports
from jobqueue.testing.activity import InMemoryActivityLog
from jobqueue.testing.alerts import InMemoryAlertStore
from jobqueue.testing.clock import FrozenClock
from jobqueue.testing.counters import InMemoryTenantCounters
from jobqueue.testing.events import InMemoryEventBus
from jobqueue.testing.idempotency import InMemoryIdempotency
from jobqueue.testing.jobs import InMemoryJobRepository
from jobqueue.testing.notifications import FakeEmail, FakeSms, FakeWeb
from jobqueue.testing.queue import InMemoryJobQueue
from jobqueue.testing.queue_monitor import FakeQueueMonitor
from jobqueue.testing.schedules import InMemorySchedules
from jobqueue.testing.tenants import InMemoryTenantRepository

__all__ = ["FrozenClock", "fake_ports"]


def fake_ports(now: datetime | None = None, **overrides: Any) -> Ports:
    """Every port in memory, sharing one FrozenClock; `overrides` replace single ports."""
    clock = overrides.pop("clock", None) or FrozenClock(now)
    ports: dict[str, Any] = {
        "jobs": InMemoryJobRepository(clock),
        "tenants": InMemoryTenantRepository(clock),
        "counters": InMemoryTenantCounters(),
        "queue": InMemoryJobQueue(clock),
        "schedules": InMemorySchedules(),
        "events": InMemoryEventBus(),
        "clock": clock,
        "email": FakeEmail(),
        "sms": FakeSms(),
        "web": FakeWeb(),
        "idempotency": InMemoryIdempotency(),
        "activity": InMemoryActivityLog(clock),
        "queues": FakeQueueMonitor(),
        "alerts": InMemoryAlertStore(),
    }
    ports.update(overrides)
    return Ports(**ports)
