"""Queue depths a test sets (`FakeQueueMonitor.set("normal", visible=3)`)."""

from __future__ import annotations

from dataclasses import replace

from jobqueue.models.job import QueueBand
from jobqueue.ports.outside import QueueDepth


class FakeQueueMonitor:
    def __init__(self) -> None:
        names = [band.value for band in QueueBand] + ["dead_letter"]
        self.queues = {name: QueueDepth(name, 0, 0, 0) for name in names}

    def set(self, name: str, **fields: int | None) -> None:
        self.queues[name] = replace(self.queues[name], **fields)

    def depths(self) -> list[QueueDepth]:
        return list(self.queues.values())
