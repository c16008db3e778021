"""Admission of recurring-job runs: the queued and daily limits, enforced atomically.

The dispatcher calls `admit_run` once per new cron run, before it writes the run. When the run
then turns out to exist already (a duplicate fire racing this one), it calls `release_run` to
give the admission back. A run is a waiting job like any other: `admit` takes one waiting place
and one of the day's submissions (docs/tenancy.md, "Admission", recurring job).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from aws_lambda_powertools import Logger

from jobqueue import clock
from jobqueue.errors import TenantLimitExceeded
from jobqueue.tenancy import counters
from jobqueue.tenancy.waiting import effective_limits

logger = Logger(child=True)

# When each not yet released admission was taken, so `release_run` gives back the same day's count.
_admitted_at: dict[str, list[datetime]] = defaultdict(list)


def admit_run(tenant_id: str) -> bool:
    """Whether the tenant may start one more run now. False records the slot as skipped."""
    now = clock.now()
    try:
        counters.admit(tenant_id, 1, effective_limits(tenant_id), now)
    except TenantLimitExceeded as refused:
        logger.info(
            "recurring run refused by a tenant limit",
            extra={"tenant_id": tenant_id, **refused.details},
        )
        return False
    _admitted_at[tenant_id].append(now)
    del _admitted_at[tenant_id][:-100]  # bounded: only the latest admissions can be released
    return True


def release_run(tenant_id: str) -> None:
    """Give back an admission that `admit_run` granted but that no run used."""
    taken = _admitted_at.get(tenant_id)
    now = taken.pop() if taken else clock.now()
    if not counters.unadmit(tenant_id, 1, now):
        logger.warning("run admission not fully given back", extra={"tenant_id": tenant_id})
