"""Per-job admission against the tenant's counters (max_queued_jobs, max_daily_jobs).

The one place a submission asks "may this tenant add n jobs now?": called once for a single
submission and once for a whole batch (all-or-nothing, one counter step of n), after validation
and before any write. `admit` takes the places at once (raising TenantLimitExceeded, 429, when
they are not there) and returns an `Admission`; used as a context manager around the job write,
it gives the places back (`unadmit`, same `now`) when that write fails:

    with admit(tenant, [job]):
        store.create(job, ...)

See docs/tenancy.md, "Admission".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from aws_lambda_powertools import Logger

from jobqueue import clock
from jobqueue.models.job import Job
from jobqueue.models.tenant import Tenant
from jobqueue.tenancy import counters
from jobqueue.tenancy.waiting import counts_as_waiting

logger = Logger(child=True)


@dataclass
class Admission:
    """`n` admitted submissions of a tenant at `now`, `waiting` of them waiting jobs (a recurring
    schedule is a submission but not a waiting job); `undo()` gives them back once."""

    tenant_id: str
    n: int
    now: datetime
    waiting: int = -1  # -1: all n
    undone: bool = field(default=False)

    def undo(self) -> None:
        if self.undone or self.n == 0:
            return
        self.undone = True
        waiting = self.n if self.waiting < 0 else self.waiting
        if waiting == self.n:
            ok = counters.unadmit(self.tenant_id, self.n, self.now)
        else:
            ok = counters.unreserve_daily(self.tenant_id, self.n, self.now)
            if waiting:
                ok = counters.release_waiting(self.tenant_id, waiting) and ok
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


def admit(tenant: Tenant, jobs: int | Sequence[Job], now: datetime | None = None) -> Admission:
    """Reserve room for new jobs (a count, or the jobs themselves) or raise TenantLimitExceeded (429).

    `tenant` is the profile as the API loaded it (effective limits, overrides included; the
    profile cache is at most `profiles.TTL_SECONDS` old). The waiting count is taken first (one
    step of n), then the day's count; a refusal of the second gives the first back, so a refused
    submission leaves no trace. Given the jobs, a recurring schedule among them counts against
    the daily limit only (its runs are admitted one by one by the dispatcher).
    """
    now = now or clock.now()
    if isinstance(jobs, int):
        n, waiting = jobs, jobs
    else:
        n, waiting = len(jobs), sum(1 for job in jobs if counts_as_waiting(job))
    if n <= 0:
        return Admission(tenant.tenant_id, 0, now)
    limits = tenant.limits
    if waiting == n:
        counters.admit(tenant.tenant_id, n, limits, now)
    else:
        if waiting:
            counters.reserve_waiting(tenant.tenant_id, waiting, limits.max_queued_jobs)
        try:
            counters.reserve_daily(tenant.tenant_id, n, limits.max_daily_jobs, now)
        except BaseException:
            if waiting:
                counters.release_waiting(tenant.tenant_id, waiting)
            raise
    return Admission(tenant.tenant_id, n, now, waiting)
