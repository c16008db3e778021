"""A tenant's jobs on the in-memory ports with known outcomes, and the stream's turn."""

from __future__ import annotations

from typing import Any

from jobqueue.models.job import JobResult, JobStatus
from jobqueue.ports import Ports
from jobqueue.testing.stream import FakeStream
from tests.support.fakes import call


def submit(ports: Ports, **body: Any) -> dict[str, Any]:
    body.setdefault("handler", "echo")
    answer = call(ports, "api_submit_job", body=body)
    assert answer.status == 201, answer.body
    return answer.body


def run(
    ports: Ports,
    job_id: str,
    status: JobStatus,
    ms: int,
    error: str | None = None,
    wait_ms: int = 0,
    tenant_id: str = "acme",
) -> None:
    """The worker's writes: a running slot, the claim (with the queue wait), the outcome of the
    attempt, the slot given back."""
    assert ports.counters.take_running(tenant_id, 10_000)
    jobs = ports.jobs
    job = jobs.get(tenant_id, job_id)
    assert job is not None
    jobs.transition(
        tenant_id,
        job_id,
        [job.status],
        {"status": JobStatus.PROCESSING, "attempts": job.attempts + 1},
        note={"wait_ms": wait_ms},
    )
    result = JobResult(
        success=status is JobStatus.COMPLETED,
        execution_ms=ms,
        error_type=error,
        error_message=error and f"{error}: boom",
    )
    jobs.transition(tenant_id, job_id, [JobStatus.PROCESSING], {"status": status, "last_result": result})
    ports.counters.give_running(tenant_id)


def stream(ports: Ports) -> FakeStream:
    return FakeStream(ports)


def get(ports: Ports, event: str, query: dict[str, str] | None = None, **overrides: Any):
    return call(ports, event, query=query or {}, **overrides)
