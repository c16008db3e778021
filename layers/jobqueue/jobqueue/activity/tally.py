"""A tally: the counts, error types and latency histograms of some job activity (one hour of a
tenant, one handler's hour, one minute). Tallies add up, so any window is a sum of buckets.

What counts (entries of job histories, see `models.activity`):
- `submitted`: a job created (its first entry);
- `started`: an attempt began (`processing`), its queue wait (due to start) in `queue_wait`;
- `completed`, `failed`, `timed_out`, `cancelled`: a job reached that final status;
- `retried`: a job went back to waiting after an attempt ended (an automatic retry or a
  recovered lease) or after a final status (a manual retry);
- `ended`: an attempt ended (completed, failed, timed out, or back to waiting for a retry);
  `execution` the run time of each that has one, `errors` the error type of each that failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from jobqueue.activity.histogram import Histogram
from jobqueue.models.activity import ActivityEntry

COUNTS = ("submitted", "started", "ended", "completed", "failed", "timed_out", "cancelled", "retried")
FINAL = ("completed", "failed", "timed_out", "cancelled")
WAITING = ("pending", "queued")
TIMEOUT_ERROR = "Timeout"  # the worker's error type for a run past its timeout
MAX_ERROR_TYPE = 64


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    execution: Histogram = field(default_factory=Histogram)
    queue_wait: Histogram = field(default_factory=Histogram)

    def add(self, entry: ActivityEntry) -> None:
        if entry.index == 0:
            self.counts["submitted"] += 1
        status, previous = entry.status, entry.previous_status
        if status == "processing":
            self.counts["started"] += 1
            if entry.wait_ms is not None:
                self.queue_wait.add(max(0, entry.wait_ms))
            return
        ended_attempt = previous == "processing"
        if ended_attempt:
            self.counts["ended"] += 1
        if status in FINAL:
            self.counts[status] += 1
        elif status in WAITING and previous is not None and (ended_attempt or previous in FINAL):
            self.counts["retried"] += 1
        if ended_attempt and entry.execution_ms is not None:
            self.execution.add(max(0, entry.execution_ms))
        if ended_attempt and status != "completed":
            error = entry.error_type or (TIMEOUT_ERROR if status == "timed_out" else None)
            if error:
                self.errors[error[:MAX_ERROR_TYPE]] += 1

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.errors.update(other.errors)
        self.execution.merge(other.execution)
        self.queue_wait.merge(other.queue_wait)

    def counts_only(self) -> Tally:
        """The counts and error types without the histograms."""
        return Tally(counts=Counter(self.counts), errors=Counter(self.errors))

    def __getitem__(self, name: str) -> int:
        return self.counts[name]

    @property
    def finished(self) -> int:
        """Jobs that ended with an outcome: completed, failed or timed out (not cancelled)."""
        return self.counts["completed"] + self.counts["failed"] + self.counts["timed_out"]

    @property
    def final_failures(self) -> int:
        return self.counts["failed"] + self.counts["timed_out"]

    @property
    def empty(self) -> bool:
        return not (+self.counts or +self.errors or self.execution.count or self.queue_wait.count)


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for tally in tallies:
        out.merge(tally)
    return out


@dataclass
class HourTally:
    """One hour of a tenant (or of one of its handlers): a tally per job type and, for the
    tenant, the counts and error types of each handler (histograms are per handler-hour)."""

    by_type: dict[str, Tally] = field(default_factory=dict)
    by_handler: dict[str, Tally] = field(default_factory=dict)

    def total(self) -> Tally:
        return total(self.by_type.values())

    def merge(self, other: HourTally) -> None:
        for target, source in ((self.by_type, other.by_type), (self.by_handler, other.by_handler)):
            for name, tally in source.items():
                target.setdefault(name, Tally()).merge(tally)
