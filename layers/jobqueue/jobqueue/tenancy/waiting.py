"""Waiting places outside a submission: a job that leaves the waiting jobs without starting gives
its place back, a job queued again by request takes one.

Every caller changes a counter only after the job transition it accounts for has won (a
conditional write that returned the job), so a lost race or a duplicate never counts twice.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from jobqueue.models.job import Job
from jobqueue.ports import TenantCounters, TenantRepository
from jobqueue.tenancy.profiles import effective_limits

logger = Logger(child=True)


def counts_as_waiting(job: Job) -> bool:
    """A recurring job's schedule (cron, no parent) is never a waiting job; its runs are."""
    return not (job.cron is not None and job.parent_id is None)


def give_back_place(counters: TenantCounters, job: Job) -> None:
    """`job` left pending/queued without starting (cancelled, dead-lettered, failed a dependency)."""
    if not counts_as_waiting(job):
        return
    try:
        counters.release_waiting(job.tenant_id, 1)
    except Exception:  # the job's change stands; the sweeper's reconciliation repairs the count
        logger.exception("waiting place not given back", extra={"tenant_id": job.tenant_id, "job_id": job.id})


def take_place(counters: TenantCounters, tenants: TenantRepository, job: Job) -> None:
    """`job` (failed/timed_out/cancelled) is about to be queued again: take a waiting place
    (TenantLimitExceeded max_queued_jobs when full). Not a submission: no daily count."""
    if counts_as_waiting(job):
        limits = effective_limits(tenants, job.tenant_id, job.tier)
        counters.reserve_waiting(job.tenant_id, 1, limits.max_queued_jobs)
