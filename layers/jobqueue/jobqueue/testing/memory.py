"""The whole job path in one process: jobs submitted through the service's own submit use case
onto in-memory ports, run by the real worker, their dependents released and callbacks queued
by the real stream code. Time is a `FrozenClock` that jumps to the next due message, so delays
and retry backoffs take no real time.

    from jobqueue.testing.memory import MemoryQueue

    queue = MemoryQueue(handlers=[generate_report])
    job = queue.submit("report_generator", {"report_type": "usage"}, delay_seconds=60)
    queue.run_until_idle()
    assert queue.get(job.id).status == "completed"

Recurring (cron) jobs and delays beyond 15 minutes use EventBridge Scheduler, which this queue
does not run: their jobs stay pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from jobqueue.api.submit import submit_job
from jobqueue.handlers import builtin_handlers
from jobqueue.models.job import Job
from jobqueue.models.submission import JobSubmission
from jobqueue.registry import HandlerFunc, HandlerSpec, Hooks, Registry, hooks_in, spec_of, specs_in
from jobqueue.testing import fake_ports
from jobqueue.testing.handlers import TEST_TENANT_ID, test_tenant
from jobqueue.testing.queue import SentMessage
from jobqueue.testing.stream import FakeStream
from jobqueue.worker.process import process_batch

BATCH_SIZE = 10


@dataclass
class _Context:
    """The Lambda context the worker reads its deadline from."""

    remaining_ms: int = 300_000
    function_name: str = "jobqueue-memory-worker"
    aws_request_id: str = "memory"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class MemoryQueue:
    """Submit jobs and run them to the end, in process.

    Args:
        handlers: functions marked with `@handler` (or their specs), beside the built-in ones.
        modules: modules whose `@handler` functions and worker-wide hooks to register.
        tenant_id: the tenant jobs are submitted as (top tier, every category allowed).
        now: the starting time of the clock.
    """

    def __init__(
        self,
        handlers: Iterable[HandlerFunc | HandlerSpec] = (),
        modules: Iterable[ModuleType] = (),
        *,
        tenant_id: str = TEST_TENANT_ID,
        now: datetime | None = None,
    ):
        self.ports = fake_ports(now)
        self.clock = self.ports.clock
        self.tenant = self.ports.tenants.put(test_tenant(tenant_id))
        specs = [h if isinstance(h, HandlerSpec) else spec_of(h) for h in handlers]
        hooks = Hooks()
        for module in modules:
            specs += specs_in(module)
            hooks = hooks + hooks_in(module)
        self.registry = Registry([*builtin_handlers(self.ports), *specs], hooks)
        self.stream = FakeStream(self.ports)
        self._waiting: list[tuple[datetime, int, SentMessage]] = []
        self._taken = 0
        self._seq = 0

    def submit(self, handler: str, payload: dict[str, Any] | None = None, **options: Any) -> Job:
        """Submit as `POST /v1/jobs` would (the same validation: `ValidationFailed` for a 422)."""
        submission = JobSubmission.model_validate({"handler": handler, "payload": payload or {}, **options})
        job = submit_job(self.ports, self.registry, self.tenant, submission)
        self.stream.drain()
        return job

    def get(self, job_id: str) -> Job:
        job = self.ports.jobs.get(self.tenant.tenant_id, job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def run_until_idle(self, max_batches: int = 1000) -> list[Job]:
        """Deliver messages (jumping the clock to each due one) until none is left; returns the
        tenant's jobs. Raises RuntimeError when `max_batches` did not empty the queue."""
        for _ in range(max_batches):
            self._collect()
            if not self._waiting:
                return self.jobs()
            due_at = self._waiting[0][0]
            if due_at > self.clock.now():
                self.clock.advance(seconds=(due_at - self.clock.now()).total_seconds())
            due = [w for w in self._waiting if w[0] <= self.clock.now()][:BATCH_SIZE]
            del self._waiting[: len(due)]
            event = _event([m for _, _, m in due])
            answer = process_batch(event, _Context(), self.ports, self.registry)
            handed_back = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            for record, (_, _, message) in zip(event["Records"], due, strict=True):
                if record["messageId"] in handed_back:  # deferred or not started: SQS gives it again
                    self._add(self.clock.now() + timedelta(seconds=1), message)
            self.stream.drain()
        raise RuntimeError(f"the queue was not empty after {max_batches} batches")

    def jobs(self) -> list[Job]:
        return self.ports.jobs.all(self.tenant.tenant_id)

    def _collect(self) -> None:
        """Messages sent since the last look, each due `delay_seconds` after now."""
        sent = self.ports.queue.sent
        for message in sent[self._taken :]:
            self._add(self.clock.now() + timedelta(seconds=message.delay_seconds), message)
        self._taken = len(sent)

    def _add(self, due: datetime, message: SentMessage) -> None:
        self._seq += 1
        self._waiting.append((due, self._seq, message))
        self._waiting.sort(key=lambda w: (w[0], w[1]))


def _event(messages: list[SentMessage]) -> dict[str, Any]:
    records = []
    for n, message in enumerate(messages):
        band = message.band.value if message.band else "normal"
        records.append(
            {
                "messageId": f"memory-{n}",
                "receiptHandle": f"memory-{n}",
                "body": message.body,
                "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": message.group_id or ""},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:000000000000:memory-{band}",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}
