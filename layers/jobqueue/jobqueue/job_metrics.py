"""Job metrics as CloudWatch EMF, one log line per job outcome.

Dimensions are exactly `priority` and `type` (the dashboard searches `{JobQueue,priority,type}`).
The tenant is never a dimension (one metric per tenant per month costs money): it goes into the
EMF metadata, which stays searchable in the logs (CloudWatch Logs Insights).

Powertools' `Metrics` shares one dimension set per flush across all its instances, so a batch of
jobs with different priorities cannot share it. Each job gets its own `EphemeralMetrics` (no
shared state) and is flushed on its own line.
"""

from __future__ import annotations

import os
from datetime import datetime

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from jobqueue.models.job import Job
from jobqueue.times import ms_between

DEFAULT_NAMESPACE = "JobQueue"

COMPLETED = "JobsCompleted"
FAILED = "JobsFailed"
RETRIED = "JobsRetried"
TIMED_OUT = "JobsTimedOut"
EXECUTION_MS = "ExecutionMs"
QUEUE_WAIT_MS = "QueueWaitMs"


class JobMetrics:
    """The metrics of one job, flushed as one EMF line."""

    def __init__(self, job: Job):
        self._job = job
        # service="" keeps Powertools from adding its default `service` dimension.
        self._emf = EphemeralMetrics(
            namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE,
            service="",
        )
        self._emf.add_dimension(name="priority", value=job.priority.value)
        self._emf.add_dimension(name="type", value=job.type.value)
        self._emf.add_metadata(key="tenant_id", value=job.tenant_id)
        self._emf.add_metadata(key="job_id", value=job.id)
        self._emf.add_metadata(key="handler", value=job.handler)
        self._count = 0

    def count(self, name: str) -> None:
        self._emf.add_metric(name=name, unit=MetricUnit.Count, value=1)
        self._count += 1

    def milliseconds(self, name: str, value: float) -> None:
        self._emf.add_metric(name=name, unit=MetricUnit.Milliseconds, value=max(0.0, value))
        self._count += 1

    def queue_wait(self, claimed_at: datetime) -> None:
        """Claim time minus the time the job became due (its scheduled time, else its creation)."""
        due = self._job.scheduled_for or self._job.created_at
        self.milliseconds(QUEUE_WAIT_MS, ms_between(due, claimed_at))

    def flush(self) -> None:
        if self._count:
            self._emf.flush_metrics()
            self._count = 0


def emit(job: Job, name: str) -> None:
    """One count metric for a job, on its own line (sweeper and dead-letter outcomes)."""
    metrics = JobMetrics(job)
    metrics.count(name)
    metrics.flush()
