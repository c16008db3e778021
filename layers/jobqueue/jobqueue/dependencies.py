"""Job dependencies (`depends_on`): validation, and the state a job is in given its parents.

Pure functions; the store helpers are in `jobqueue.store.dependents`.

No cycles, by construction: a job may only depend on jobs that already exist when it is created
(the submission checks each id against the store, in the caller's tenant, not against other jobs
of the same request), and `depends_on` never changes afterwards (a retry keeps it). Every edge
therefore points from a newer job to an older one, creation order is a topological order, and
no cycle can form. The one cycle a request could still name, a job depending on itself, is
refused here.

How a parent finds its dependents (no sparse GSI for this): the parent item keeps a string set
`dependents`, see `jobqueue.store.dependents`. Protocol and race analysis:

1. Submitting a child: write the child `pending` first, then `add_dependent(parent, child)` for
   each parent: `ADD dependents :child`, conditional on the parent not being terminal.
2. If an ADD fails, that parent was terminal already: the submitter re-reads it. After all
   parents, the submitter itself applies `dependency_state` to fresh reads: `ready` -> queue the
   child (conditional pending -> queued), `blocked` -> cancel it with the reason, `waiting` ->
   leave it pending.
3. When a parent reaches a terminal status (one conditional transition on the same item), the
   releaser (stream or worker) reads `dependents_of(parent)` after that transition (consistent
   read, or the stream's NEW_IMAGE), and for each child re-reads all its parents and applies
   the same rule with the same conditional transitions.

The ADD and the terminal transition are conditional writes on the same item, so DynamoDB orders
them: either the ADD came first and the releaser sees the child, or the transition came first
and the ADD fails, so the submitter sees the terminal parent. A wake-up cannot be lost. Both
sides may act on the same child (the parent completes between the ADD and step 2): the
conditional `pending -> queued` lets exactly one of them win. A submitter that crashes between
1 and 2 leaves a pending child whose parents may all be done: the sweeper has to re-evaluate
pending jobs with `depends_on` that are older than a grace period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from jobqueue.errors import ValidationFailed
from jobqueue.models.job import Job, JobStatus

MAX_DEPENDENCIES = 20
BLOCKING_STATUSES = frozenset({JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED})
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

    Existence and tenant are checked by the caller against the store.

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
    """The state of a job given its parents (blocked beats waiting beats ready).

    Args:
        parents: the parent jobs as read from the store.
        depends_on: the ids the job depends on; ids without a job in `parents` block the job
            (a parent that no longer exists can never complete).
    """
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


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"invalid depends_on: {message}", {"depends_on": message})
