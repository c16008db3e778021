"""Tenant upkeep in the sweeper's tick: each due tenant's waiting/running counter set to the
truth counted from its jobs (`jobqueue.tenancy.reconcile`), then its alert rules evaluated
(`jobqueue.alerting.evaluate`).

Which tenants: the profiles carry a sparse index entry (its sort key the tenant's next due
time); one query takes the `max_tenants` most overdue, and each is pushed
`RECONCILE_INTERVAL_SECONDS` out after its turn, less than the tick's minute, so every tenant
comes round at every tick while the tick has time (a quiet tenant costs a profile read, 3 empty
COUNT queries, its alert settings, one minute-tally query, a counter read and the push).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue.alerting.evaluate import evaluate_alerts
from jobqueue.ports import Ports
from jobqueue.tenancy.reconcile import reconcile_tenant

logger = Logger(child=True)

RECONCILE_TENANTS_PER_TICK = 200
RECONCILE_INTERVAL_SECONDS = 45
SAFETY_MARGIN_MS = 5_000


def reconcile_due_tenants(
    ports: Ports,
    now: datetime,
    *,
    remaining_ms: Callable[[], int] | None = None,
    max_tenants: int = RECONCILE_TENANTS_PER_TICK,
    interval_seconds: float = RECONCILE_INTERVAL_SECONDS,
) -> tuple[list[str], bool]:
    """Returns the ids of the tenants whose counter was corrected, and whether time ran out."""
    corrected: list[str] = []
    try:
        due = ports.tenants.due_for_reconciliation(now, limit=max_tenants)
    except Exception:
        logger.exception("tenant list for reconciliation not read")
        return corrected, False
    for tenant_id in due:
        if remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS:
            return corrected, True
        try:
            if reconcile_tenant(ports.counters, ports.jobs, tenant_id):
                corrected.append(tenant_id)
                logger.warning("tenant counter corrected", extra={"tenant_id": tenant_id})
        except Exception:
            logger.exception("counter reconciliation failed", extra={"tenant_id": tenant_id})
        try:
            tenant = ports.tenants.get(tenant_id)
            if tenant is not None:
                evaluate_alerts(ports, tenant, now)
        except Exception:
            logger.exception("alert evaluation failed", extra={"tenant_id": tenant_id})
        try:
            ports.tenants.push_reconciliation(tenant_id, now + timedelta(seconds=interval_seconds))
        except Exception:
            logger.exception("tenant upkeep not pushed", extra={"tenant_id": tenant_id})
    return corrected, False
