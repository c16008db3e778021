"""Maintenance handlers (category `maintenance`): they act on the job's own tenant only.

- `cleanup_old_jobs`: deletes the tenant's finished jobs (completed, failed, timed_out,
  cancelled) that finished more than `older_than_days` ago, at most `max_deletes` per run;
- `usage_report`: counts the tenant's jobs by status; the report is the job's result (and a
  log line), so `GET /v1/jobs/{run id}` shows it;
- `reconcile_counters`: sets the tenant's waiting/running counters to the counts of its jobs
  (`jobqueue.tenancy.reconcile.reconcile_tenant`).

`POST /v1/maintenance-jobs` schedules the first two for a tenant (`jobqueue.api.maintenance`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from jobqueue.models.job import TERMINAL_STATUSES, Category, JobStatus
from jobqueue.ports import Clock, JobRepository, TenantCounters
from jobqueue.registry import HandlerSpec, JobContext, handler, spec_of
from jobqueue.tenancy.reconcile import reconcile_tenant
from jobqueue.times import iso

logger = Logger(child=True)


class CleanupPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    older_than_days: int = Field(default=30, ge=1, le=3650)
    max_deletes: int = Field(default=1000, ge=1, le=10_000)


class NoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


def maintenance_handlers(jobs: JobRepository, counters: TenantCounters, clock: Clock) -> list[HandlerSpec]:
    """`cleanup_old_jobs`, `usage_report` and `reconcile_counters` on the given ports."""

    @handler("cleanup_old_jobs", Category.MAINTENANCE, CleanupPayload, timeout_seconds=120)
    def cleanup_old_jobs(payload: CleanupPayload, ctx: JobContext) -> dict[str, Any]:
        """Deletes the tenant's finished jobs older than `older_than_days`."""
        tenant_id = ctx.job.tenant_id
        cutoff = clock.now() - timedelta(days=payload.older_than_days)
        deleted: dict[str, int] = {}
        total = 0
        for status in sorted(TERMINAL_STATUSES):
            if total >= payload.max_deletes or ctx.cancelled.is_set():
                break
            for job_id in jobs.finished_before(tenant_id, status, cutoff):
                if total >= payload.max_deletes or ctx.cancelled.is_set():
                    break
                if jobs.delete(tenant_id, job_id, [status]):
                    deleted[status.value] = deleted.get(status.value, 0) + 1
                    total += 1
        result = {
            "deleted": total,
            "by_status": deleted,
            "older_than": iso(cutoff),
            "complete": total < payload.max_deletes,
        }
        logger.info("old jobs cleaned up", extra={"tenant_id": tenant_id, **result})
        return result

    @handler("usage_report", Category.MAINTENANCE, NoPayload, timeout_seconds=60)
    def usage_report(payload: NoPayload, ctx: JobContext) -> dict[str, Any]:
        """Counts the tenant's jobs by status; the report is the job's result."""
        tenant_id = ctx.job.tenant_id
        by_status = {status.value: jobs.count(tenant_id, [status]) for status in JobStatus}
        report = {
            "tenant_id": tenant_id,
            "generated_at": iso(clock.now()),
            "jobs_by_status": by_status,
            "total_jobs": sum(by_status.values()),
        }
        logger.info("usage report", extra={"report": report})
        return report

    @handler("reconcile_counters", Category.MAINTENANCE, NoPayload, timeout_seconds=60)
    def reconcile_counters(payload: NoPayload, ctx: JobContext) -> dict[str, Any]:
        """Sets the tenant's waiting/running counters to the counts of its jobs."""
        changed = reconcile_tenant(counters, jobs, ctx.job.tenant_id)
        return {"tenant_id": ctx.job.tenant_id, "changed": changed}

    return [spec_of(cleanup_old_jobs), spec_of(usage_report), spec_of(reconcile_counters)]
