"""The job-level rules over the counters: which jobs count as waiting, and the tenant's
effective limits as the non-API functions see them.

Every caller changes a counter only after the job transition it accounts for has won (a
conditional write that returned the job), so a lost race or a duplicate never counts twice.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from jobqueue.errors import Forbidden
from jobqueue.models.job import Job
from jobqueue.models.tenant import TIER_LIMITS, TenantLimits
from jobqueue.tenancy import counters

logger = Logger(child=True)


def counts_as_waiting(job: Job) -> bool:
    """A recurring job's schedule (cron, no parent) is never a waiting job; its runs are."""
    return not (job.cron is not None and job.parent_id is None)


def effective_limits(tenant_id: str, tier: int = 1) -> TenantLimits:
    """The tenant's limits with its overrides, from the profile cache (at most
    `profiles.TTL_SECONDS` old); the tier's limits when the profile is gone."""
    from jobqueue.service import profiles  # late: profiles imports the tenant store

    try:
        return profiles.tenant_profile(tenant_id).limits
    except Forbidden:
        logger.warning("tenant has no profile: tier limits used", extra={"tenant_id": tenant_id})
        return TIER_LIMITS.get(tier, TIER_LIMITS[1])


def left_waiting(job: Job) -> None:
    """`job` left pending/queued without starting (cancelled, dead-lettered, failed a dependency)."""
    if not counts_as_waiting(job):
        return
    try:
        counters.release_waiting(job.tenant_id, 1)
    except Exception:  # the job's change stands; the sweeper's reconciliation repairs the count
        logger.exception("waiting place not given back", extra={"tenant_id": job.tenant_id, "job_id": job.id})


def rejoin_waiting(job: Job) -> None:
    """`job` (failed/timed_out/cancelled) is about to be queued again: take a waiting place
    (TenantLimitExceeded max_queued_jobs when full). Not a submission: no daily count."""
    if counts_as_waiting(job):
        limits = effective_limits(job.tenant_id, job.tier)
        counters.reserve_waiting(job.tenant_id, 1, limits.max_queued_jobs)
