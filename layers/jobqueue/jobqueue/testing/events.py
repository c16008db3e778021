"""An in-memory event bus."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jobqueue.ports import BusEvent
from jobqueue.testing.locking import synchronized


@synchronized
class InMemoryEventBus:
    """`refuse(event)` returning True makes the bus not take that event."""

    def __init__(self) -> None:
        self.published: list[BusEvent] = []
        self.refuse: Callable[[BusEvent], bool] | None = None

    def publish(self, events: Sequence[BusEvent]) -> list[int]:
        failed = []
        for index, event in enumerate(events):
            if self.refuse is not None and self.refuse(event):
                failed.append(index)
            else:
                self.published.append(event)
        return failed
