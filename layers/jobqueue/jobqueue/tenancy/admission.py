"""Admission of new jobs against the tenant's counters (max_queued_jobs, max_daily_jobs).

The one place that asks "may this tenant add n jobs now?": once for a single submission, once
for a whole batch (all-or-nothing, one counter step of n), once per recurring run. `admit` takes
the places at once (raising TenantLimitExceeded, 429, when they are not there) and returns an
`Admission`; used as a context manager around the job write, it gives them back when that write
fails:

    with admit(counters, tenant.tenant_id, tenant.limits, [job], now):
        jobs.create(job, ...)

The waiting places and the day's count are taken together (`TenantCounters.reserve`: one
conditional write with one counter shard), so a refused submission leaves no trace. See
docs/tenancy.md, "Admission".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from aws_lambda_powertools import Logger

from jobqueue.errors import TenantLimitExceeded
from jobqueue.models.job import Job
from jobqueue.ports import TenantCounters, TenantRepository
from jobqueue.tenancy.profiles import effective_limits
from jobqueue.tenancy.waiting import counts_as_waiting
from jobqueue.tiers import TenantLimits

logger = Logger(child=True)


@dataclass
class Admission:
    """`n` admitted submissions of a tenant at `now`, `waiting` of them waiting jobs (a recurring
    schedule is a submission but not a waiting job); `undo()` gives them back once."""

    counters: TenantCounters
    tenant_id: str
    n: int
    now: datetime
    waiting: int
    undone: bool = field(default=False)

    def undo(self) -> None:
        if self.undone or self.n == 0:
            return
        self.undone = True
        ok = self.counters.release_waiting(self.tenant_id, self.waiting) if self.waiting else True
        ok = self.counters.release_daily(self.tenant_id, self.n, self.now) and ok
        if not ok:
            logger.warning(
                "admission not fully given back; reconciliation repairs it",
                extra={"tenant_id": self.tenant_id, "n": self.n},
            )

    def __enter__(self) -> Admission:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.undo()


def admit(
    counters: TenantCounters, tenant_id: str, limits: TenantLimits, jobs: int | Sequence[Job], now: datetime
) -> Admission:
    """Reserve room for new jobs (a count, or the jobs themselves) or raise TenantLimitExceeded.

    `limits` are the tenant's effective limits (overrides included). Given the jobs, a recurring
    schedule among them counts against the daily limit only (its runs are admitted one by one).
    """
    if isinstance(jobs, int):
        n, waiting = jobs, jobs
    else:
        n, waiting = len(jobs), sum(1 for job in jobs if counts_as_waiting(job))
    admission = Admission(counters, tenant_id, max(0, n), now, waiting)
    if n <= 0:
        return admission
    counters.reserve(tenant_id, waiting, n, limits.max_queued_jobs, limits.max_daily_jobs, now)
    return admission


def admit_run(
    counters: TenantCounters, tenants: TenantRepository, tenant_id: str, tier: int, now: datetime
) -> Admission | None:
    """One more run of a recurring job, or None (logged) when a tenant limit refuses it."""
    try:
        return admit(counters, tenant_id, effective_limits(tenants, tenant_id, tier), 1, now)
    except TenantLimitExceeded as refused:
        logger.info(
            "recurring run refused by a tenant limit", extra={"tenant_id": tenant_id, **refused.details}
        )
        return None
