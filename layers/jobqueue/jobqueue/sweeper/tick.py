"""One sweeper tick: the jobs due in the sweeper's index (oldest first), then reconciliation.
Work per tick is bounded by `max_jobs` and by the time left in the invocation."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from jobqueue.models.job import JobStatus
from jobqueue.ports import Guard, Ports
from jobqueue.sweeper.leases import recover_lease, redispatch
from jobqueue.sweeper.pending import check_pending
from jobqueue.sweeper.reconcile import RECONCILE_INTERVAL_SECONDS, SAFETY_MARGIN_MS, reconcile_due_tenants
from jobqueue.sweeper.report import SweepReport

MAX_JOBS_PER_TICK = 200
PER_SHARD_LIMIT = 50

_RNG = random.Random()


def sweep(
    ports: Ports,
    now: datetime | None = None,
    *,
    remaining_ms: Callable[[], int] | None = None,
    max_jobs: int = MAX_JOBS_PER_TICK,
    rng: random.Random | None = None,
    reconcile_interval_seconds: float = RECONCILE_INTERVAL_SECONDS,
) -> SweepReport:
    """One tick. `remaining_ms` is the Lambda context's clock (work stops near the end)."""
    now = now or ports.clock.now()
    rng = rng or _RNG
    report = SweepReport()
    entries = sorted(ports.jobs.due_for_sweep(now, PER_SHARD_LIMIT), key=lambda e: e.due_at)
    for entry in entries[:max_jobs]:
        if remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS:
            report.stopped_early = True
            break
        job = entry.job
        if job.status is JobStatus.PROCESSING:
            recover_lease(ports, job, now, rng, report)
        elif job.status is JobStatus.QUEUED:
            redispatch(ports, job, now, report)
        elif job.status is JobStatus.PENDING:
            check_pending(ports, job, now, report)
        elif ports.jobs.transition(
            job.tenant_id, job.id, [job.status], {}, clear_sweep=True, guard=Guard(sweep_due_by=now)
        ):
            report.cleared.append(job.id)  # a finished job a writer left in the index
        else:
            report.skipped += 1
    report.reconciled, out_of_time = reconcile_due_tenants(
        ports, now, remaining_ms=remaining_ms, interval_seconds=reconcile_interval_seconds
    )
    if out_of_time or len(entries) > max_jobs:
        report.stopped_early = True
    return report
