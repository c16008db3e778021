"""The sweeper: on every tick, the jobs whose sweep deadline (sparse index GSI2) has passed.

- processing past its lease: the worker was lost (crash, Lambda timeout). The attempt counts as a
  failed one: queued again after the backoff while retries are left, else `timed_out` with the
  reason "worker lost".
- queued past its dispatch check: its message was lost or never sent. The message is re-sent and
  the next check pushed out, doubling the grace each time (`dispatches` on the item counts them).
- pending past its check (`lifecycle.pending_check_at`; the api may have died between writing
  the record and arming it): a one-shot past its time is queued and sent as the dispatcher
  would, its schedule deleted; a dependent is settled from its parents (queued, cancelled, or
  checked again later, doubling the grace); a recurring job gets its missing cron schedules
  created again, then leaves the index.
- counter reconciliation: a few tenants per tick (`reconcile_counters`), each tenant's
  waiting/running counter set to the truth counted from its jobs.

Every change is a conditional write on the job's status, its attempt count and its sweep
deadline, so a worker finishing at the same moment, or a duplicate tick, wins or no-ops cleanly.
Work per tick is bounded by `max_jobs` and by the time left in the invocation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue import clock, job_metrics, lifecycle
from jobqueue.models.job import Job, JobResult, JobStatus
from jobqueue.queueing.publisher import JobPublisher
from jobqueue.scheduling import release, schedules
from jobqueue.scheduling.dispatch import Dispatcher
from jobqueue.settings import get_settings
from jobqueue.store.jobs import JobStore
from jobqueue.store.serialize import item_to_job
from jobqueue.store.tenants import TenantStore
from jobqueue.tenancy import counters
from jobqueue.worker import outcome, slots

logger = Logger(child=True)

MAX_JOBS_PER_TICK = 200
PER_SHARD_LIMIT = 50
SAFETY_MARGIN_MS = 5_000
# The dispatch grace doubles per re-send up to 2^6 times the grace (5 h 20 min with 300 s).
MAX_DISPATCH_DOUBLINGS = 6
# Counter reconciliation: tenants per tick, and how long a tenant waits for its next turn.
RECONCILE_TENANTS_PER_TICK = 10
RECONCILE_INTERVAL_SECONDS = 60

_RNG = random.Random()


@dataclass
class SweepReport:
    requeued: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    redispatched: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)  # job id -> what the sweeper did
    cleared: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)
    skipped: int = 0
    stopped_early: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "requeued": len(self.requeued),
            "timed_out": len(self.timed_out),
            "redispatched": len(self.redispatched),
            "pending_repaired": sum(1 for done in self.pending.values() if done != "checked"),
            "pending_checked": sum(1 for done in self.pending.values() if done == "checked"),
            "cleared": len(self.cleared),
            "counters_corrected": len(self.reconciled),
            "skipped": self.skipped,
            "stopped_early": self.stopped_early,
        }


def sweep(
    now: datetime | None = None,
    *,
    store: JobStore | None = None,
    publisher: JobPublisher | None = None,
    remaining_ms: Callable[[], int] | None = None,
    max_jobs: int = MAX_JOBS_PER_TICK,
    rng: random.Random | None = None,
    scheduler: Any = None,
) -> SweepReport:
    """One tick. `remaining_ms` is the Lambda context's clock (work stops near the end)."""
    now = now or clock.now()
    store = store or JobStore()
    publisher = publisher or JobPublisher()
    rng = rng or _RNG
    report = SweepReport()
    items = sorted(store.due_for_sweep_items(now, limit=PER_SHARD_LIMIT), key=lambda i: i.get("GSI2SK", ""))
    for item in items[:max_jobs]:
        if remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS:
            report.stopped_early = True
            break
        job = item_to_job(item)
        if job.status is JobStatus.PROCESSING:
            recover_lease(job, now, store, publisher, rng, report)
        elif job.status is JobStatus.QUEUED:
            redispatch(job, int(item.get("dispatches", 0)), now, store, publisher, report)
        elif job.status is JobStatus.PENDING:
            check_pending(job, int(item.get("dispatches", 0)), now, store, publisher, scheduler, report)
        elif job.status.is_terminal:
            _clear(job, now, store, report)
        else:
            report.skipped += 1
    reconcile_counters(now, remaining_ms=remaining_ms, report=report)
    if len(items) > max_jobs:
        report.stopped_early = True
    return report


def recover_lease(
    job: Job, now: datetime, store: JobStore, publisher: JobPublisher, rng: random.Random, report: SweepReport
) -> None:
    """A processing job whose lease expired: its worker is gone. Retry it or time it out."""
    error = JobResult(
        success=False,
        error_type="WorkerLost",
        error_message=f"worker lost: attempt {job.attempts} did not finish within its lease",
    )
    if job.retries_left > 0:
        decision = outcome.retry_decision(job, error, now, rng, "worker lost")
    else:
        decision = outcome.Decision(
            JobStatus.TIMED_OUT,
            {
                "status": JobStatus.TIMED_OUT,
                "completed_at": now,
                "last_result": error,
                "status_reason": f"worker lost: attempt {job.attempts} did not finish, no retries left",
            },
            job_metrics.TIMED_OUT,
        )
    updated = outcome.apply(job, decision, store, publisher, _still_due(now))
    if updated is None:
        report.skipped += 1
        return
    # The lost worker never released its tenant slot; the sweeper does, exactly once.
    slots.release_slot(job, requeued=updated.status is JobStatus.QUEUED)
    job_metrics.emit(updated, decision.metric)
    (report.requeued if updated.status is JobStatus.QUEUED else report.timed_out).append(job.id)
    logger.warning(
        f"lease expired: {updated.status.value}",
        extra={"job_id": job.id, "tenant_id": job.tenant_id, "attempt": job.attempts},
    )


def redispatch(
    job: Job, dispatches: int, now: datetime, store: JobStore, publisher: JobPublisher, report: SweepReport
) -> None:
    """A queued job nobody claimed by its dispatch check: re-send its message, check again later."""
    grace = get_settings().dispatch_grace_seconds
    next_check = now + timedelta(seconds=grace * 2 ** min(dispatches + 1, MAX_DISPATCH_DOUBLINGS))
    expression, names, values = _still_due(now)
    updated = store.transition(
        job.tenant_id,
        job.id,
        [JobStatus.QUEUED],
        {"dispatches": dispatches + 1},
        sweep_at=next_check,
        condition=(
            f"#sw_att = :sw_att AND ({expression})",
            {**names, "#sw_att": "attempts"},
            {**values, ":sw_att": job.attempts},
        ),
    )
    if updated is None:
        report.skipped += 1
        return
    try:
        publisher.send(updated)
    except Exception:
        # The next check (already written) tries again.
        logger.exception("re-dispatch failed", extra={"job_id": job.id, "tenant_id": job.tenant_id})
        return
    report.redispatched.append(job.id)
    logger.info(
        "re-dispatched a queued job",
        extra={"job_id": job.id, "tenant_id": job.tenant_id, "dispatches": dispatches + 1},
    )


def check_pending(
    job: Job,
    checks: int,
    now: datetime,
    store: JobStore,
    publisher: JobPublisher,
    scheduler: Any,
    report: SweepReport,
) -> None:
    """A pending job past its check: arm what its submitter may not have (the api process can
    die between writing the record and creating its schedules or registering its dependents).
    Errors leave the job due: the next tick tries again."""
    try:
        if job.cron:
            done = _check_recurring(job, now, store, scheduler)
        elif job.depends_on:
            done = _check_dependent(job, checks, now, store, publisher)
        elif job.scheduled_for is not None:
            done = _check_one_shot(job, now, store, publisher, scheduler)
        else:
            done = "cleared" if _clear_pending(job, now, store) else None
    except Exception:
        logger.exception("pending job check failed", extra={"job_id": job.id, "tenant_id": job.tenant_id})
        done = None
    if done is None:
        report.skipped += 1
        return
    report.pending[job.id] = done
    log = logger.info if done == "checked" else logger.warning
    log(f"pending job past its check: {done}", extra={"job_id": job.id, "tenant_id": job.tenant_id})


def _check_one_shot(
    job: Job, now: datetime, store: JobStore, publisher: JobPublisher, scheduler: Any
) -> str | None:
    """Past its time and still pending: its schedule never fired (or was never created). Queue
    and send it as the dispatcher does (conditional pending -> queued, so a late fire no-ops)."""
    if job.scheduled_for is not None and job.scheduled_for > now:
        return _push(job, lifecycle.pending_check_at(job, now), None, now, store)
    result = Dispatcher(store=store, publisher=publisher, scheduler=scheduler).dispatch(job.tenant_id, job.id)
    if result.result != "queued":  # left pending meanwhile, or not dispatchable: stop watching
        return "cleared" if _clear_pending(job, now, store) else None
    try:
        schedules.delete_for(job.tenant_id, job.id, client=scheduler)
    except Exception:  # a leftover at() schedule fires into a no-op and deletes itself
        logger.exception("could not delete the schedule of a swept job", extra={"job_id": job.id})
    return "queued"


def _check_dependent(
    job: Job, checks: int, now: datetime, store: JobStore, publisher: JobPublisher
) -> str | None:
    """Settle it from its parents (the release may never have been registered): queued or
    cancelled leave the index (the transitions set the dispatch check or clear it); still
    waiting -> checked again later, the grace doubling per check (`dispatches` counts them)."""
    result, _ = release.settle(job.tenant_id, job.id, store, publisher, now)
    if result in (release.QUEUED, release.CANCELLED):
        return result
    if result != release.WAITING:
        return None
    grace = get_settings().dispatch_grace_seconds
    next_check = now + timedelta(seconds=grace * 2 ** min(checks + 1, MAX_DISPATCH_DOUBLINGS))
    if job.scheduled_for is not None and job.scheduled_for > now:
        next_check = min(next_check, job.scheduled_for + timedelta(seconds=grace))  # its time
    return _push(job, next_check, checks + 1, now, store)


def _check_recurring(job: Job, now: datetime, store: JobStore, scheduler: Any) -> str | None:
    """Its cron schedules exist (created again when missing), then it leaves the index. A paused
    job's schedules are not touched (a concurrent resume must not be undone)."""
    done = "checked"
    if job.enabled is not False and schedules.missing_recurring(job, client=scheduler):
        schedules.create_recurring(job, client=scheduler, now=now)
        done = "schedules_created"
    return done if _clear_pending(job, now, store) else None


def _push(job: Job, next_check: datetime, checks: int | None, now: datetime, store: JobStore) -> str | None:
    changes = {} if checks is None else {"dispatches": checks}
    pushed = store.transition(
        job.tenant_id, job.id, [JobStatus.PENDING], changes, sweep_at=next_check, condition=_still_due(now)
    )
    return "checked" if pushed else None


def _clear_pending(job: Job, now: datetime, store: JobStore) -> bool:
    return (
        store.transition(
            job.tenant_id,
            job.id,
            [JobStatus.PENDING],
            {},
            remove=("dispatches",),
            clear_sweep=True,
            condition=_still_due(now),
        )
        is not None
    )


def _clear(job: Job, now: datetime, store: JobStore, report: SweepReport) -> None:
    """A finished job left in the sweep index by a writer that forgot to clear it."""
    if store.transition(job.tenant_id, job.id, [job.status], {}, clear_sweep=True, condition=_still_due(now)):
        report.cleared.append(job.id)
    else:
        report.skipped += 1


def _still_due(now: datetime) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The item's sweep deadline (GSI2 may lag the table) really has passed."""
    return ("#sw_due <= :sw_now", {"#sw_due": "GSI2SK"}, {":sw_now": clock.iso(now)})


def reconcile_counters(
    now: datetime,
    *,
    tenants: TenantStore | None = None,
    remaining_ms: Callable[[], int] | None = None,
    max_tenants: int = RECONCILE_TENANTS_PER_TICK,
    report: SweepReport | None = None,
) -> list[str]:
    """Bring a few tenants' waiting/running counters back to the truth counted from their job
    records (`counters.reconcile_tenant`), bounded per tick.

    Which tenants: the profiles carry a sparse GSI2 entry (`GSI2PK = TENANTS`, `GSI2SK` = next
    due time, written by `TenantStore.put`); one query takes the `max_tenants` most overdue,
    and each is pushed `RECONCILE_INTERVAL_SECONDS` out after its turn, so every tenant comes
    round in turn (a tenant with no jobs costs a read, 3 empty COUNT queries and the push).
    Returns the ids of the tenants whose counter was corrected.
    """
    tenants = tenants or TenantStore()
    corrected: list[str] = []
    try:
        due = tenants.due_for_reconciliation(now, limit=max_tenants)
    except Exception:
        logger.exception("tenant list for reconciliation not read")
        return corrected
    for tenant_id in due:
        if remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS:
            if report is not None:
                report.stopped_early = True
            break
        try:
            if counters.reconcile_tenant(tenant_id):
                corrected.append(tenant_id)
                logger.warning("tenant counter corrected", extra={"tenant_id": tenant_id})
            tenants.push_reconciliation(tenant_id, now + timedelta(seconds=RECONCILE_INTERVAL_SECONDS))
        except Exception:
            logger.exception("counter reconciliation failed", extra={"tenant_id": tenant_id})
    if report is not None:
        report.reconciled = corrected
    return corrected
