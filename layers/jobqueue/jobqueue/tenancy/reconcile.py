"""Counter reconciliation: the tenant's waiting/running counter set to the truth counted from
its job records, unless the counter moved while the jobs were counted."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from jobqueue.models.counters import Overwrite
from jobqueue.models.job import WAITING_STATUSES, JobStatus
from jobqueue.ports import JobRepository, TenantCounters

logger = Logger(child=True)


def true_counts(jobs: JobRepository, tenant_id: str) -> tuple[int, int]:
    """(waiting, running) from the job records: waiting = pending + queued jobs, except recurring
    schedules themselves (their runs count); running = processing jobs. The status index is
    eventually consistent, which is why `reconcile_tenant` writes only when the counter did
    not move while it counted."""
    waiting = jobs.count(tenant_id, WAITING_STATUSES, schedules=False)
    return waiting, jobs.count(tenant_id, [JobStatus.PROCESSING])


def reconcile_tenant(
    counters: TenantCounters, jobs: JobRepository, tenant_id: str, attempts: int = 3
) -> bool:
    """Read the counter, count the jobs, write the truth if the counter did not move meanwhile;
    up to `attempts` rounds. Returns whether something changed."""
    for _ in range(attempts):
        seen = counters.snapshot(tenant_id)
        waiting, running = true_counts(jobs, tenant_id)
        outcome = counters.overwrite(tenant_id, waiting, running, seen)
        if outcome is not Overwrite.CONFLICT:
            return outcome is Overwrite.WRITTEN
    logger.info("counter busy, reconciliation left for the next sweep", extra={"tenant_id": tenant_id})
    return False
