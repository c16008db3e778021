"""Dependencies at work: register a new child on its parents, and settle a pending child from
its parents' current state (`jobqueue.dependencies` has the protocol and its race analysis).

`settle` is the one rule, used by the submission (after registering, for parents that finished
meanwhile) and by the stream function (when a parent reaches a terminal status):

- a parent failed, timed out, was cancelled or is gone -> the child is `cancelled`, its
  `status_reason` naming the parent (and so on down the chain: that cancel is a terminal
  transition the stream sees too);
- every parent completed -> the child is `queued` and sent (SQS delay up to its
  `scheduled_for`); a child whose time is still more than 900 s away stays `pending`: its
  one-shot schedule queues it at its time (the dispatcher checks the parents again);
- otherwise it stays `pending`.

Every change is a conditional `pending -> ...` transition, so a redelivered stream record, or
the submitter and the stream racing on the same child, change it exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue import clock, lifecycle
from jobqueue.dependencies import dependency_state
from jobqueue.models.job import Job, JobStatus
from jobqueue.queueing.publisher import MAX_DELAY_SECONDS, JobPublisher
from jobqueue.store.dependents import add_dependent
from jobqueue.store.jobs import JobStore

logger = Logger(child=True)

QUEUED, CANCELLED, WAITING, IGNORED = "queued", "cancelled", "waiting", "ignored"


def register(child: Job, parents: Iterable[Job], store: JobStore) -> None:
    """Record `child` on each parent that is not terminal yet (conditional ADD). A parent that
    is terminal already is seen by the `settle` that follows."""
    for parent in parents:
        add_dependent(parent, child.id, store)


def settle(
    tenant_id: str,
    child_id: str,
    store: JobStore,
    publisher: JobPublisher,
    now: datetime | None = None,
) -> tuple[str, Job | None]:
    """Apply the dependency rule to a pending child; returns (what happened, the job now)."""
    now = now or clock.now()
    child = store.get(tenant_id, child_id)
    if child is None or child.status is not JobStatus.PENDING or not child.depends_on:
        return IGNORED, child
    parents = [p for p in (store.get(tenant_id, pid) for pid in child.depends_on) if p is not None]
    verdict = dependency_state(parents, child.depends_on)
    if verdict.state == "waiting":
        return WAITING, child
    if verdict.state == "blocked":
        cancelled = store.transition(
            tenant_id,
            child_id,
            [JobStatus.PENDING],
            {"status": JobStatus.CANCELLED, "status_reason": verdict.reason, "completed_at": now},
            clear_sweep=True,
        )
        if cancelled is None:
            return IGNORED, store.get(tenant_id, child_id)
        _left_waiting(cancelled)
        # A one-shot schedule it may still have fires into a no-op and deletes itself.
        return CANCELLED, cancelled
    if child.scheduled_for is not None and child.scheduled_for > now + timedelta(seconds=MAX_DELAY_SECONDS):
        return WAITING, child  # its one-shot schedule queues it at its time
    queued = store.transition(
        tenant_id,
        child_id,
        [JobStatus.PENDING],
        {"status": JobStatus.QUEUED},
        remove=("status_reason", "dispatches"),
        sweep_at=lifecycle.dispatch_check_at(child, now),
    )
    if queued is None:
        return IGNORED, store.get(tenant_id, child_id)
    try:
        publisher.send(queued)
    except Exception:  # queued with a dispatch check: the sweeper re-sends it
        logger.exception("send failed; the sweeper re-sends", extra={"job_id": queued.id})
    return QUEUED, queued


def release_dependents(
    tenant_id: str,
    dependent_ids: Iterable[str],
    store: JobStore | None = None,
    publisher: JobPublisher | None = None,
) -> dict[str, str]:
    """Settle every dependent of a parent that just reached a terminal status.

    Errors propagate (the stream record is retried; settling again is harmless).
    """
    store = store or JobStore()
    publisher = publisher or JobPublisher()
    return {child_id: settle(tenant_id, child_id, store, publisher)[0] for child_id in sorted(dependent_ids)}


def _left_waiting(job: Job) -> None:
    """Give the tenant's waiting place back (tenancy counters; reconciliation repairs a miss)."""
    try:
        from jobqueue.tenancy import waiting
    except ImportError:  # pragma: no cover - before the tenancy wiring
        return
    waiting.left_waiting(job)
