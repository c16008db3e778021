"""The tenant counters as read (`TenantCounters.snapshot`, `.usage`), and what an overwrite did."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class ShardState:
    """One counter item as read; `version` 0 means the item does not exist yet."""

    shard: int
    waiting: int = 0
    running: int = 0
    version: int = 0


@dataclass(frozen=True)
class CounterSnapshot:
    shards: tuple[ShardState, ...]

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.shards)

    @property
    def running(self) -> int:
        return sum(s.running for s in self.shards)


@dataclass(frozen=True)
class CounterUsage:
    """Waiting, running and the count of the UTC day `day` (ISO date)."""

    waiting: int
    running: int
    daily_count: int
    day: str


class Overwrite(StrEnum):
    """What `TenantCounters.overwrite` did."""

    WRITTEN = "written"
    UNCHANGED = "unchanged"  # the counter held the true values already
    CONFLICT = "conflict"  # the counter moved since it was read: nothing written
