"""In-memory schedules, by name."""

from __future__ import annotations

import dataclasses

from jobqueue.models.schedule import Schedule
from jobqueue.testing.locking import synchronized


@synchronized
class InMemorySchedules:
    """`fail` makes every `put` raise (a Scheduler outage)."""

    def __init__(self) -> None:
        self.schedules: dict[str, Schedule] = {}
        self.fail = False

    def put(self, schedule: Schedule) -> None:
        if self.fail:
            raise RuntimeError("the scheduler is unavailable")
        self.schedules[schedule.name] = schedule

    def set_enabled(self, name: str, enabled: bool) -> bool:
        if name not in self.schedules:
            return False
        self.schedules[name] = dataclasses.replace(self.schedules[name], enabled=enabled)
        return True

    def delete(self, name: str) -> bool:
        return self.schedules.pop(name, None) is not None

    def exists(self, name: str) -> bool:
        return name in self.schedules
