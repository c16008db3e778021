"""What one sweeper tick did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SweepReport:
    requeued: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    redispatched: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)  # job id -> what the sweeper did
    cleared: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)
    skipped: int = 0
    stopped_early: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "requeued": len(self.requeued),
            "timed_out": len(self.timed_out),
            "redispatched": len(self.redispatched),
            "pending_repaired": sum(1 for done in self.pending.values() if done != "checked"),
            "pending_checked": sum(1 for done in self.pending.values() if done == "checked"),
            "cleared": len(self.cleared),
            "counters_corrected": len(self.reconciled),
            "skipped": self.skipped,
            "stopped_early": self.stopped_early,
        }
