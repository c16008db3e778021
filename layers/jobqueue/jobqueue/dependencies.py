"""Job dependencies (`depends_on`): validation, the state a job is in given its parents, and
their release: registering a child on its parents and settling a pending child.

No cycles, by construction: a job may only depend on jobs that already exist when it is created
(the submission checks each id in the caller's tenant), and `depends_on` never changes afterwards
(a retry keeps it). Every edge points from a newer job to an older one, so no cycle can form;
the one a request could still name, a job depending on itself, is refused here.

How a parent finds its dependents: its record keeps the set of them (`JobRepository.add_dependent`).

1. Submitting a child: write the child `pending` first, then `register` it on each parent (a
   conditional ADD that fails when the parent is terminal already).
2. The submitter then `settle_dependent`s the child from fresh reads of its parents.
3. When a parent reaches a terminal status, the stream function settles every child in the
   parent's set (the set of the terminal write itself).

The ADD and the terminal transition are conditional writes on the same item, so they are
ordered: either the ADD came first and the releaser sees the child, or the transition came first
and the ADD fails, so the submitter sees the terminal parent. A wake-up cannot be lost. Both
sides may act on the same child: the conditional `pending -> ...` lets exactly one of them win.
A submitter that dies between 1 and 2 leaves a pending child with a sweep check: the sweeper
settles it.

`settle_dependent` is the one rule: a parent failed, timed out, was cancelled or is gone -> the
child is `cancelled` naming the parent (and so on down the chain); every parent completed -> the
child is `queued` and sent (a child more than 900 s from its `scheduled_for` stays `pending`
for its one-shot schedule); otherwise it stays `pending`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from aws_lambda_powertools import Logger

from jobqueue.deadlines import dispatch_check_at, pending_check_at
from jobqueue.errors import ValidationFailed
from jobqueue.messages import MAX_QUEUE_DELAY_SECONDS
from jobqueue.models.job import Job, JobStatus, WaitingOn
from jobqueue.ports import Guard, Ports
from jobqueue.tenancy.waiting import give_back_place

logger = Logger(child=True)

MAX_DEPENDENCIES = 20
BLOCKING_STATUSES = frozenset({JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED})
QUEUED, CANCELLED, WAITING, IGNORED = "queued", "cancelled", "waiting", "ignored"
_JOB_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")

State = Literal["ready", "waiting", "blocked"]


@dataclass(frozen=True)
class DependencyState:
    """`ready` (all parents completed), `waiting` (some still to finish) or `blocked` (a parent
    failed, timed out, was cancelled or does not exist); `reason` names the parent(s)."""

    state: State
    reason: str | None = None
    parent_id: str | None = None


def validate_depends_on(depends_on: object, job_id: str | None = None) -> list[str]:
    """Check a `depends_on` list: at most 20 job ids, no duplicates, not the job itself.

    Raises:
        ValidationFailed: details `{"depends_on": "<what is wrong>"}`.
    """
    if depends_on is None:
        return []
    if not isinstance(depends_on, list) or not all(isinstance(i, str) for i in depends_on):
        raise _invalid("must be a list of job ids")
    if len(depends_on) > MAX_DEPENDENCIES:
        raise _invalid(f"at most {MAX_DEPENDENCIES} jobs, got {len(depends_on)}")
    seen: set[str] = set()
    for parent_id in depends_on:
        if not _JOB_ID.match(parent_id):
            raise _invalid(f"{parent_id!r} is not a job id")
        if parent_id in seen:
            raise _invalid(f"job {parent_id} is listed twice")
        if parent_id == job_id:
            raise _invalid("a job cannot depend on itself")
        seen.add(parent_id)
    return list(depends_on)


def dependency_state(parents: Iterable[Job], depends_on: Iterable[str] | None = None) -> DependencyState:
    """The state of a job given its parents (blocked beats waiting beats ready); ids of
    `depends_on` without a job in `parents` block it (a missing parent never completes)."""
    parents = list(parents)
    found = {parent.id for parent in parents}
    for parent_id in depends_on or ():
        if parent_id not in found:
            return DependencyState("blocked", f"dependency {parent_id} does not exist", parent_id)
    for parent in parents:
        if parent.status in BLOCKING_STATUSES:
            return DependencyState("blocked", f"dependency {parent.id} is {parent.status.value}", parent.id)
    waiting = [parent.id for parent in parents if parent.status is not JobStatus.COMPLETED]
    if waiting:
        return DependencyState("waiting", "waiting for " + ", ".join(waiting), waiting[0])
    return DependencyState("ready")


def parents_of(ports: Ports, job: Job) -> list[Job]:
    """The parents of `job` that exist, read in its tenant."""
    return [p for p in (ports.jobs.get(job.tenant_id, pid) for pid in job.depends_on) if p is not None]


def register(ports: Ports, child: Job, parents: Iterable[Job]) -> None:
    """Record `child` on each parent that is not terminal yet. A parent that is terminal already
    is seen by the `settle_dependent` that follows."""
    for parent in parents:
        ports.jobs.add_dependent(parent, child.id)


def settle_dependent(
    ports: Ports, tenant_id: str, child_id: str, now: datetime | None = None
) -> tuple[str, Job | None]:
    """Apply the dependency rule to a pending child; returns (what happened, the job now)."""
    now = now or ports.clock.now()
    jobs = ports.jobs
    child = jobs.get(tenant_id, child_id)
    if (
        child is None
        or child.status is not JobStatus.PENDING
        or child.waiting_on is not WaitingOn.DEPENDENCIES
    ):
        return IGNORED, child
    verdict = dependency_state(parents_of(ports, child), child.depends_on)
    if verdict.state == "waiting":
        return WAITING, child
    if verdict.state == "blocked":
        cancelled = jobs.transition(
            tenant_id,
            child_id,
            [JobStatus.PENDING],
            {"status": JobStatus.CANCELLED, "status_reason": verdict.reason, "completed_at": now},
            clear_sweep=True,
        )
        if cancelled is None:
            return IGNORED, jobs.get(tenant_id, child_id)
        give_back_place(ports.counters, cancelled)
        # A one-shot schedule it may still have fires into a no-op and deletes itself.
        return CANCELLED, cancelled
    return _release(ports, child, now)


def _release(ports: Ports, child: Job, now: datetime) -> tuple[str, Job | None]:
    """Every parent completed: the child is queued and sent, or, while its time is still to
    come, pending for that time (its message delayed, or its one-shot schedule beyond 900 s)."""
    tenant_id, child_id = child.tenant_id, child.id
    later = child.scheduled_for is not None and child.scheduled_for > now
    far = later and child.scheduled_for > now + timedelta(seconds=MAX_QUEUE_DELAY_SECONDS)  # type: ignore[operator]
    changes: dict[str, Any] = {"waiting_on": WaitingOn.TIME} if later else {"status": JobStatus.QUEUED}
    remove = ("status_reason", "dispatches") if later else ("status_reason", "dispatches", "waiting_on")
    queued = ports.jobs.transition(
        tenant_id,
        child_id,
        [JobStatus.PENDING],
        changes,
        remove=remove,
        sweep_at=pending_check_at(child, now) if far else dispatch_check_at(child, now),
        guard=Guard(unchanged={"waiting_on": WaitingOn.DEPENDENCIES}),
    )
    if queued is None:
        return IGNORED, ports.jobs.get(tenant_id, child_id)
    if far:
        return WAITING, queued  # its one-shot schedule queues it at its time
    try:
        ports.queue.send(queued)
    except Exception:  # queued with a dispatch check: the sweeper re-sends it
        logger.exception("send failed; the sweeper re-sends", extra={"job_id": queued.id})
    return QUEUED, queued


def release_dependents(ports: Ports, tenant_id: str, dependent_ids: Iterable[str]) -> dict[str, str]:
    """Settle every dependent of a parent that just reached a terminal status. Errors propagate
    (the stream record is retried; settling again is harmless)."""
    return {child_id: settle_dependent(ports, tenant_id, child_id)[0] for child_id in sorted(dependent_ids)}


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"invalid depends_on: {message}", {"depends_on": message})
