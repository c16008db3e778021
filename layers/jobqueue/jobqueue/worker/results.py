"""The outcome of a run: `decide` is the pure rule from a handler's result to the job's next state;
`record` writes it (`jobqueue.outcomes.write_decision`) and counts it in the job's metrics."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue import job_metrics
from jobqueue.models.job import Job, JobResult, JobStatus
from jobqueue.outcomes import Decision, final_decision, retry_decision, write_decision
from jobqueue.ports import JobQueue, JobRepository
from jobqueue.worker.runner import RunKind, RunResult

logger = Logger(child=True)

# A result is stored on the job item (400 KB item limit): larger results are cut to a preview.
MAX_RESULT_BYTES = 32 * 1024


def decide(job: Job, result: RunResult, now: datetime, rng: random.Random) -> Decision:
    """The next state of a claimed `job` after `result` (pure, given `now` and `rng`)."""
    if result.kind is RunKind.SUCCEEDED:
        return Decision(
            JobStatus.COMPLETED,
            {
                "status": JobStatus.COMPLETED,
                "completed_at": now,
                "last_result": JobResult(
                    success=True, result=json_safe(result.value), execution_ms=result.execution_ms
                ),
            },
            job_metrics.COMPLETED,
            remove=("status_reason",),
        )
    error = JobResult(
        success=False,
        error_type=result.error_type,
        error_message=result.error_message,
        execution_ms=result.execution_ms,
    )
    if result.kind is RunKind.INVALID:
        return final_decision(JobStatus.FAILED, f"{result.error_message}", error, now, job_metrics.FAILED)
    if result.retryable and job.retries_left > 0:
        return retry_decision(job, error, now, rng, f"{result.error_type}: {result.error_message}")
    if result.kind is RunKind.TIMED_OUT:
        reason = f"timed out after {result.time_limit_seconds:g} s, no retries left"
        return final_decision(JobStatus.TIMED_OUT, reason, error, now, job_metrics.TIMED_OUT)
    if not result.retryable:
        reason = f"failed, not retryable: {result.error_message}"
    else:
        reason = f"failed after {job.attempts} attempt(s), no retries left: {result.error_message}"
    return final_decision(JobStatus.FAILED, reason, error, now, job_metrics.FAILED)


def record(
    job: Job,
    result: RunResult,
    jobs: JobRepository,
    queue: JobQueue,
    metrics: job_metrics.JobMetrics,
    now: datetime,
    rng: random.Random,
) -> Job | None:
    """Decide and write the outcome of the claimed `job`; count it in `metrics`."""
    decision = decide(job, result, now, rng)
    updated = write_decision(job, decision, jobs, queue)
    if updated is None:
        logger.warning(
            "outcome not recorded: the job moved on (lease recovered by the sweeper?)",
            extra={"job_id": job.id, "attempt": job.attempts, "outcome": decision.status.value},
        )
        return None
    metrics.count(decision.metric)
    if result.kind is not RunKind.INVALID:
        metrics.milliseconds(job_metrics.EXECUTION_MS, result.execution_ms)
    return updated


def json_safe(value: Any) -> Any:
    """A handler's result as JSON that fits on the job item (a preview when too large)."""
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False, default=str)
    except ValueError:  # NaN/Infinity or a circular structure
        return {"unserializable": True, "preview": repr(value)[:1024]}
    if len(text.encode()) > MAX_RESULT_BYTES:
        return {"truncated": True, "bytes": len(text.encode()), "preview": text[:1024]}
    return json.loads(text)
