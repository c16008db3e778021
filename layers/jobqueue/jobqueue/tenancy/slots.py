"""Tenant concurrency: `max_concurrent_jobs`, enforced at execution.

- `take_slot` is called once per claim attempt, before the claim write: one conditional write
  on the tenant's counter (`running < limit`, and the job moves from waiting to running in the
  same write, decision 006). False means "not now": the worker defers the message without
  claiming the job (a new message with a growing delay, docs/tenancy.md "Waiting for a slot"),
  so a bounced job never nears the dead-letter queue.
- `give_slot` is called exactly once per granted slot: by the worker after its outcome write
  won (or at once if its claim lost a race, `requeued=True`), or by the sweeper when its
  conditional recovery of a lost worker's job won. The two are exclusive (both are conditional
  writes on the same job attempt). `requeued=True` when the job is waiting again.

The limit is the tenant's effective `max_concurrent_jobs` (overrides included) from the cached
profile. A counter that drifted (a crash between a job write and its counter write) is repaired
by the sweeper's reconciliation.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from jobqueue.models.job import Job
from jobqueue.models.tenant import Tenant
from jobqueue.ports import TenantCounters, TenantRepository
from jobqueue.tenancy.profiles import effective_limits

logger = Logger(child=True)


def take_slot(
    counters: TenantCounters, tenants: TenantRepository, job: Job, tenant: Tenant | None = None
) -> bool:
    """Take one of the tenant's running slots for `job` (and move it out of waiting); `tenant`,
    when the caller read the profile already, saves reading it again."""
    return counters.take_running(job.tenant_id, slot_limit(tenants, job, tenant))


def slot_limit(tenants: TenantRepository, job: Job, tenant: Tenant | None = None) -> int:
    """The tenant's effective `max_concurrent_jobs` (the profile given, else read through the cache)."""
    limits = tenant.limits if tenant is not None else effective_limits(tenants, job.tenant_id, job.tier)
    return limits.max_concurrent_jobs


def give_slot(counters: TenantCounters, job: Job, requeued: bool = False) -> None:
    """Give back the slot taken for `job`; never raises (reconciliation repairs a lost write)."""
    try:
        counters.give_running(job.tenant_id, requeued=requeued)
    except Exception:
        logger.exception(
            "running slot not given back; reconciliation repairs it",
            extra={"tenant_id": job.tenant_id, "job_id": job.id, "requeued": requeued},
        )
