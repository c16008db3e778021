"""Polling with a deadline: `wait()` and `wait_all()` read jobs until they are terminal, each
pause the poll interval or what is left of the timeout, whichever is shorter."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jobq.errors import WaitTimeout
from jobq.models import Job


class Deadline:
    """`timeout` seconds from now on `clock` (None: never)."""

    def __init__(self, timeout: float | None, clock: Callable[[], float]):
        self.clock = clock
        self.timeout = timeout
        self.at = None if timeout is None else clock() + timeout

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - self.clock()

    def pause(self, poll_interval: float) -> float:
        """How long to sleep before the next poll (never past the deadline)."""
        left = self.remaining()
        return poll_interval if left is None else max(0.0, min(poll_interval, left))

    @property
    def passed(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0


class Watch:
    """The jobs still awaited by `wait_all`, in the order given (repeats dropped)."""

    def __init__(self, job_ids: Iterable[str], timeout: float | None, clock: Callable[[], float]):
        self.pending = list(dict.fromkeys(job_ids))
        self.deadline = Deadline(timeout, clock)
        self.last: dict[str, Job] = {}

    def seen(self, job: Job) -> bool:
        """Record a read of a job; True when it is terminal (and so no longer awaited)."""
        self.last[job.id] = job
        if job.is_terminal:
            self.pending.remove(job.id)
            return True
        return False

    def timed_out(self) -> WaitTimeout:
        ids = ", ".join(self.pending)
        waiting = [self.last.get(job_id) for job_id in self.pending]
        statuses = ", ".join(job.status if job else "unread" for job in waiting)
        return WaitTimeout(f"not finished after {self.deadline.timeout:g}s: {ids} ({statuses})", waiting)
