"""Run one handler synchronously, as the worker would: the payload validated by its model,
each attempt under its time limit (and its lifecycle hooks), retries with the job's backoff,
`NonRetryableError` failing at once. No AWS, no moto, no sleeping: backoff delays are
recorded, not waited for (a handler that overruns its time limit does take that long).

    from jobqueue.testing.handlers import run_handler

    run = run_handler(generate_report, {"report_type": "usage"}, max_retries=2)
    assert run.status == "completed" and run.result["rows"] == 0
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from jobqueue.api.job_builder import build_job
from jobqueue.models.job import TERMINAL_STATUSES, Category, Job, JobStatus, RetryPolicy
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.registry import HandlerFunc, HandlerSpec, Hooks, Registry, spec_of
from jobqueue.testing.clock import FrozenClock
from jobqueue.tiers import LimitOverrides
from jobqueue.worker.results import decide
from jobqueue.worker.runner import run

TEST_TENANT_ID = "tenant-test"


def test_tenant(tenant_id: str = TEST_TENANT_ID) -> Tenant:
    """The top tier with every category allowed: only the handler's own rules apply."""
    return Tenant(
        tenant_id=tenant_id,
        name="Test tenant",
        tier=4,
        overrides=LimitOverrides(allowed_job_types=list(Category), max_job_duration_seconds=900),
    )


@dataclass(frozen=True)
class Attempt:
    number: int
    outcome: str  # succeeded, failed, timed_out or invalid
    execution_ms: int
    error_type: str | None = None
    error_message: str | None = None
    retry_in_seconds: float | None = None  # the backoff before the next attempt, if one follows


@dataclass(frozen=True)
class HandlerRun:
    """How a job of the handler ended: `status` completed, failed or timed_out."""

    status: str
    result: Any
    attempts: list[Attempt]
    job: Job

    @property
    def succeeded(self) -> bool:
        return self.status == JobStatus.COMPLETED.value

    @property
    def error(self) -> str | None:
        """`<error_type>: <message>` of the last attempt that failed."""
        failed = [a for a in self.attempts if a.error_type]
        return f"{failed[-1].error_type}: {failed[-1].error_message}" if failed else None


def run_handler(
    target: HandlerFunc | HandlerSpec,
    payload: dict[str, Any] | BaseModel | None = None,
    *,
    max_retries: int = 0,
    retry: dict[str, Any] | RetryPolicy | None = None,
    timeout_seconds: int | None = None,
    tenant_id: str = TEST_TENANT_ID,
    worker_hooks: Hooks | None = None,
    also: Iterable[HandlerFunc | HandlerSpec] = (),
    now: datetime | None = None,
    seed: int = 0,
) -> HandlerRun:
    """Submit-and-run one job of `target` (a function marked with `@handler`, or its spec).

    Args:
        payload: the job's payload (a dict, or an instance of the handler's model).
        max_retries, retry, timeout_seconds: as in `POST /v1/jobs`.
        worker_hooks: worker-wide hooks to run around the handler.
        also: other handlers to register beside it.
        seed: the random source of the backoff jitter.

    Raises:
        ValidationFailed: the payload (or an option) would be refused with a 422.
    """
    spec = _spec(target)
    registry = Registry([spec, *(_spec(other) for other in also)], worker_hooks)
    clock = FrozenClock(now)
    body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else (payload or {})
    submission = JobSubmission.model_validate(
        {
            "handler": spec.name,
            "payload": body,
            "max_retries": max_retries,
            **({"retry": retry} if retry is not None else {}),
            **({"timeout_seconds": timeout_seconds} if timeout_seconds is not None else {}),
        }
    )
    job = build_job(registry, test_tenant(tenant_id), submission, clock.now())
    rng = random.Random(seed)
    attempts: list[Attempt] = []
    while True:
        job = job.model_copy(update={"attempts": job.attempts + 1, "status": JobStatus.PROCESSING})
        result = run(job, registry, float(job.timeout_seconds))
        decision = decide(job, result, clock.now(), rng)
        job = job.model_copy(update=decision.changes)
        delay = None
        if decision.status not in TERMINAL_STATUSES:
            delay = max(0.0, (job.scheduled_for - clock.now()).total_seconds()) if job.scheduled_for else 0.0
        attempts.append(
            Attempt(
                len(attempts) + 1,
                result.kind.value,
                result.execution_ms,
                result.error_type,
                result.error_message,
                delay,
            )
        )
        if delay is None:
            value = job.last_result.result if job.last_result and job.last_result.success else None
            return HandlerRun(decision.status.value, value, attempts, job)
        clock.advance(seconds=delay)


def _spec(target: HandlerFunc | HandlerSpec) -> HandlerSpec:
    return target if isinstance(target, HandlerSpec) else spec_of(target)
