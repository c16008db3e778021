"""The table's stream for the in-memory ports: the writes the fake job repository saw, handed
to the stream function's steps (`jobqueue.stream.process.handle_changes`) as one batch per
`deliver()`, so activity tallies, the event feed, callbacks and dependents work on fakes too.

    ports = fake_ports()
    ...                                   # submit and run jobs
    FakeStream(ports).deliver()           # the stream function's turn
"""

from __future__ import annotations

from jobqueue.models.activity import ActivityEntry
from jobqueue.models.job import TERMINAL_STATUSES, Job
from jobqueue.models.job_change import JobChange
from jobqueue.ports import Ports
from jobqueue.stream.process import handle_changes
from jobqueue.testing.jobs import InMemoryJobRepository
from jobqueue.times import iso


def job_change(old: Job | None, new: Job, position: int, dependents: set[str]) -> JobChange:
    entries = []
    for index in range(len(old.history) if old else 0, len(new.history)):
        entry = new.history[index]
        entries.append(
            ActivityEntry(
                position=position,
                tenant_id=new.tenant_id,
                job_id=new.id,
                index=index,
                handler=new.handler,
                type=new.type.value,
                status=entry.status.value,
                previous_status=new.history[index - 1].status.value if index else None,
                at=entry.at,
                attempt=new.attempts,
                wait_ms=entry.wait_ms,
                execution_ms=entry.execution_ms,
                error_type=entry.error_type,
            )
        )
    return JobChange(
        sequence_number=str(position),
        tenant_id=new.tenant_id,
        job_id=new.id,
        handler=new.handler,
        type=new.type.value,
        priority=new.priority.value,
        old_status=old.status.value if old else None,
        new_status=new.status.value,
        at=iso(new.updated_at),
        dependents=tuple(sorted(dependents)) if new.status in TERMINAL_STATUSES else (),
        entries=tuple(entries),
        callback_url=new.callback_url,
        attempts=new.attempts,
        payload=new.payload,
        last_result=new.last_result.model_dump(mode="json") if new.last_result else None,
        tier=new.tier,
    )


class FakeStream:
    def __init__(self, ports: Ports):
        assert isinstance(ports.jobs, InMemoryJobRepository), "FakeStream reads the in-memory job repository"
        self.ports = ports
        self.jobs: InMemoryJobRepository = ports.jobs
        self.delivered = 0

    def pending(self) -> int:
        return len(self.jobs.changes) - self.delivered

    def deliver(self, limit: int | None = None, *, again: bool = False) -> list[str]:
        """One batch of the writes not delivered yet (or, `again`, the last batch once more);
        returns the steps that failed (a failed batch is delivered again by the next call)."""
        if again:
            self.delivered = self._last_start
        start = self.delivered
        end = len(self.jobs.changes) if limit is None else min(len(self.jobs.changes), start + limit)
        changes = [
            job_change(old, new, position + 1, self.jobs.dependents(new.tenant_id, new.id))
            for position, (old, new) in enumerate(self.jobs.changes[start:end], start)
        ]
        self._last_start = start
        if not changes:
            return []
        failed = handle_changes(self.ports, str(start + 1), changes)
        if not failed:
            self.delivered = end
        return failed

    def drain(self, rounds: int = 20) -> None:
        """Deliver until nothing is left (the stream's own writes make more records)."""
        for _ in range(rounds):
            if not self.pending():
                return
            failed = self.deliver()
            if failed:
                raise AssertionError(f"stream steps failed: {failed}")
        raise AssertionError("the stream kept producing records")

    _last_start = 0
