"""Maintenance handlers (category `maintenance`): they act on the job's own tenant only.

- `cleanup_old_jobs`: deletes the tenant's finished jobs (completed, failed, timed_out,
  cancelled) that finished more than `older_than_days` ago, at most `max_deletes` per run;
- `usage_report`: counts the tenant's jobs by status; the report is the job's result (and a
  log line), so `GET /v1/jobs/{run id}` shows it;
- `reconcile_counters`: sets the tenant's waiting/running counters to the counts of its jobs
  (`jobqueue.tenancy.counters.reconcile_tenant`).

`POST /v1/maintenance-jobs` schedules the first two for a tenant (`jobqueue.scheduling.maintenance`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from boto3.dynamodb.conditions import Attr, Key
from pydantic import BaseModel, ConfigDict, Field

from jobqueue import clock, keys
from jobqueue.models.job import TERMINAL_STATUSES, Category, JobStatus
from jobqueue.registry import JobContext, registry
from jobqueue.store.jobs import JobStore

logger = Logger(child=True)


class CleanupPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    older_than_days: int = Field(default=30, ge=1, le=3650)
    max_deletes: int = Field(default=1000, ge=1, le=10_000)


class NoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


@registry.register("cleanup_old_jobs", Category.MAINTENANCE, CleanupPayload, default_timeout_seconds=120)
def cleanup_old_jobs(payload: CleanupPayload, ctx: JobContext) -> dict[str, Any]:
    """Deletes the tenant's finished jobs older than `older_than_days`."""
    tenant_id = ctx.job.tenant_id
    cutoff = clock.iso(clock.now() - timedelta(days=payload.older_than_days))
    table = JobStore().table
    deleted: dict[str, int] = {}
    total = 0
    for status in sorted(TERMINAL_STATUSES):
        params: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(keys.status_index_pk(tenant_id, status.value)),
            "FilterExpression": Attr("completed_at").lt(cutoff),
        }
        while total < payload.max_deletes and not ctx.cancelled.is_set():
            response = table.query(**params)
            for item in response.get("Items", []):
                if total >= payload.max_deletes or ctx.cancelled.is_set():
                    break
                if JobStore(table).delete(tenant_id, str(item["id"]), [status]):
                    deleted[status.value] = deleted.get(status.value, 0) + 1
                    total += 1
            if not response.get("LastEvaluatedKey"):
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    result = {
        "deleted": total,
        "by_status": deleted,
        "older_than": cutoff,
        "complete": total < payload.max_deletes,
    }
    logger.info("old jobs cleaned up", extra={"tenant_id": tenant_id, **result})
    return result


@registry.register("usage_report", Category.MAINTENANCE, NoPayload, default_timeout_seconds=60)
def usage_report(payload: NoPayload, ctx: JobContext) -> dict[str, Any]:
    """Counts the tenant's jobs by status; the report is the job's result."""
    tenant_id = ctx.job.tenant_id
    table = JobStore().table
    by_status: dict[str, int] = {}
    for status in JobStatus:
        params: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(keys.status_index_pk(tenant_id, status.value)),
            "Select": "COUNT",
        }
        count = 0
        while True:
            response = table.query(**params)
            count += int(response.get("Count", 0))
            if not response.get("LastEvaluatedKey"):
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        by_status[status.value] = count
    report = {
        "tenant_id": tenant_id,
        "generated_at": clock.iso(clock.now()),
        "jobs_by_status": by_status,
        "total_jobs": sum(by_status.values()),
    }
    logger.info("usage report", extra={"report": report})
    return report


@registry.register("reconcile_counters", Category.MAINTENANCE, NoPayload, default_timeout_seconds=60)
def reconcile_counters(payload: NoPayload, ctx: JobContext) -> dict[str, Any]:
    """Sets the tenant's waiting/running counters to the counts of its jobs."""
    from jobqueue.tenancy import counters  # late: the tenancy module is only needed here

    changed = counters.reconcile_tenant(ctx.job.tenant_id)
    return {"tenant_id": ctx.job.tenant_id, "changed": changed}
