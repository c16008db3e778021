"""The dispatcher function: what EventBridge Scheduler invokes.

`{"action": "dispatch", "tenant_id", "job_id"}` (one-shot schedule): a pending delayed/scheduled
job becomes queued and is sent (`jobqueue.scheduling.one_shots`). `{"action": "cron", "tenant_id",
"job_id", "scheduled_time"}` (cron or catch-up schedule): one run of a recurring job
(`cron_runs`). Nothing here raises for a job in the wrong state: the Scheduler retries failed
invocations, so only infrastructure errors propagate (and are retried, harmlessly).
"""

from __future__ import annotations

from typing import Any

from jobqueue.dispatcher.cron_runs import fire
from jobqueue.ports import Ports
from jobqueue.scheduling.one_shots import Outcome, queue_due
from jobqueue.scheduling.schedules import ACTION_CRON, ACTION_DISPATCH


def handle_event(event: Any, ports: Ports) -> Outcome:
    action = event.get("action") if isinstance(event, dict) else None
    tenant_id = event.get("tenant_id") if isinstance(event, dict) else None
    job_id = event.get("job_id") if isinstance(event, dict) else None
    if not isinstance(tenant_id, str) or not isinstance(job_id, str) or not tenant_id or not job_id:
        return Outcome(str(action), "ignored", None, "event has no tenant_id/job_id")
    if action == ACTION_DISPATCH:
        return queue_due(ports, tenant_id, job_id)
    if action == ACTION_CRON:
        return fire(ports, tenant_id, job_id, event.get("scheduled_time"))
    return Outcome(str(action), "ignored", job_id, "unknown action")
