"""The standard maintenance schedules of a tenant (`POST /v1/maintenance-jobs`).

Two recurring jobs with ids fixed per tenant and kind, created with a conditional put, so a
second call finds them and answers them unchanged (200 instead of 201):

| id | handler | cron (UTC) |
|---|---|---|
| `maint-cleanup-old-jobs` | `cleanup_old_jobs` (`older_than_days`, default 30) | `0 3 * * *` |
| `maint-usage-report` | `usage_report` | `30 3 * * *` |

A repeated call also re-applies the schedules of a job that is still active (creating a
schedule that exists updates it), which repairs a schedule lost by an earlier failure.
The jobs need the `maintenance` and `scheduled` categories (tier 2 and up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.api.job_builder import build_job
from jobqueue.deadlines import pending_check_at
from jobqueue.errors import JobQueueError, JobTypeNotAllowed, ServiceUnavailable
from jobqueue.models.job import Category, Job, JobStatus
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports
from jobqueue.registry import Registry
from jobqueue.scheduling import schedules

logger = Logger(child=True)

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class MaintenanceKind:
    job_id: str
    handler: str
    cron: str


CLEANUP = MaintenanceKind("maint-cleanup-old-jobs", "cleanup_old_jobs", "0 3 * * *")
USAGE_REPORT = MaintenanceKind("maint-usage-report", "usage_report", "30 3 * * *")
KINDS = (CLEANUP, USAGE_REPORT)


def create_maintenance_jobs(
    ports: Ports, registry: Registry, tenant: Tenant, retention_days: int = DEFAULT_RETENTION_DAYS
) -> tuple[list[Job], bool]:
    """The tenant's maintenance jobs, created when missing. Returns (jobs, whether any was new)."""
    allowed = tenant.limits.allowed_job_types
    needed = [c for c in (Category.MAINTENANCE, Category.SCHEDULED) if c not in allowed]
    if needed:
        raise JobTypeNotAllowed(
            "maintenance jobs need the maintenance and scheduled categories",
            {"category": needed[0].value, "allowed": allowed},
        )
    now = ports.clock.now()
    jobs, created_any = [], False
    for kind in KINDS:
        payload: dict[str, Any] = {"older_than_days": retention_days} if kind is CLEANUP else {}
        submission = JobSubmission(handler=kind.handler, payload=payload, cron=kind.cron, timezone="UTC")
        job = build_job(registry, tenant, submission, now).model_copy(update={"id": kind.job_id})
        # A recurring job's schedule is not a waiting job: no admission (its runs are admitted).
        created = ports.jobs.create(job, sweep_at=pending_check_at(job, now))
        if created:
            created_any = True
        else:
            job = ports.jobs.get(tenant.tenant_id, kind.job_id) or job
            if job.status is not JobStatus.PENDING:
                jobs.append(job)  # finished or cancelled: answered as it is
                continue
        _arm(ports, job, now, fresh=created)
        jobs.append(job)
    return jobs, created_any


def _arm(ports: Ports, job: Job, now: datetime, fresh: bool) -> None:
    try:
        schedules.create_recurring(ports.schedules, job, now)
    except Exception as error:
        if fresh:  # undo the new record: the next call creates both again
            ports.jobs.delete(job.tenant_id, job.id, [JobStatus.PENDING])
        if isinstance(error, JobQueueError):
            raise
        logger.exception("maintenance schedule not created", extra={"job_id": job.id})
        raise ServiceUnavailable("the maintenance schedules could not be created; try again") from error
