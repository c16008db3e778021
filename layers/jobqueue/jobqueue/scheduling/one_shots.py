"""A pending one-shot (delayed, scheduled or notification job) whose time has come becomes queued
and is sent, with the remaining seconds as its queue delay: what a one-shot schedule's fire does
(the dispatcher), and what the sweeper does for a one-shot whose schedule never fired."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.deadlines import dispatch_check_at
from jobqueue.dependencies import dependency_state, parents_of
from jobqueue.models.job import JobStatus, JobType, WaitingOn
from jobqueue.ports import Guard, Ports

logger = Logger(child=True)

ONE_SHOT_TYPES = frozenset({JobType.DELAYED, JobType.SCHEDULED, JobType.NOTIFICATION})


@dataclass(frozen=True)
class Outcome:
    """What a dispatcher invocation did: `queued`, `run_created`, `duplicate`, `skipped`,
    `completed`, `waiting` or `ignored`, with the job it concerns and why."""

    action: str
    result: str
    job_id: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def queue_due(ports: Ports, tenant_id: str, job_id: str) -> Outcome:
    """pending -> queued (conditional, so a late or repeated fire is a no-op) and send; a job
    whose time is a little ahead (the Scheduler fires the minute before) stays pending for it,
    its message delayed until then. A job with dependencies that are not all done stays pending:
    their release queues it."""
    job = ports.jobs.get(tenant_id, job_id)
    if job is None:
        return Outcome("dispatch", "ignored", job_id, "no such job")
    # Any job waiting for its time is due like a one-shot: a retry's backoff is one (of an
    # immediate job too), and the sweeper's safety net for a retry whose message was lost.
    waits_for_time = job.type in ONE_SHOT_TYPES or job.waiting_on is WaitingOn.TIME
    if job.status is not JobStatus.PENDING or not waits_for_time:
        return Outcome("dispatch", "ignored", job_id, f"{job.type.value} job is {job.status.value}")
    if job.waiting_on is WaitingOn.DEPENDENCIES:
        verdict = dependency_state(parents_of(ports, job), job.depends_on)
        if verdict.state != "ready":
            return Outcome("dispatch", "waiting", job_id, verdict.reason)
    now = ports.clock.now()
    due = job.is_due(now)
    if due:
        changes: dict[str, Any] = {"status": JobStatus.QUEUED}
        guard = Guard(unchanged={"waiting_on": job.waiting_on})
    else:  # sent once (`dispatches` 0): a repeated fire finds it and changes nothing
        changes = {"waiting_on": WaitingOn.TIME, "dispatches": 0}
        guard = Guard(unchanged={"waiting_on": job.waiting_on, "dispatches": None})
    queued = ports.jobs.transition(
        tenant_id,
        job_id,
        [JobStatus.PENDING],
        changes,
        remove=("waiting_on", "dispatches") if due else (),
        sweep_at=dispatch_check_at(job, now),
        guard=guard,
    )
    if queued is None:
        return Outcome("dispatch", "ignored", job_id, "job left pending meanwhile")
    try:
        ports.queue.send(queued)
    except Exception:  # the job is queued with a sweep deadline: the sweeper re-sends it
        logger.exception("send failed; the sweeper will re-send it", extra={"job_id": job_id})
    return Outcome("dispatch", "queued", job_id)
