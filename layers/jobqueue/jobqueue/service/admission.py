"""Per-job admission against the tenant's counters (max_queued_jobs, max_daily_jobs).

The one place a submission asks "may this tenant add n jobs now?": called once for a single
submission and once for a whole batch (all-or-nothing), after validation and before any write.
"""

from __future__ import annotations

from jobqueue.models.tenant import Tenant


def admit(tenant: Tenant, n_jobs: int) -> None:
    """Reserve room for `n_jobs` new jobs or raise TenantLimitExceeded (429).

    A no-op for now: the tenancy issue fills it with the conditional counter updates
    (waiting and daily counters, compensated when a later step fails).
    """
    return None
