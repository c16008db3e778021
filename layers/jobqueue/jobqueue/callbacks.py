"""Callbacks: a job with a `callback_url` that reaches a final status is POSTed there by a
`callback` job (one per final status it reaches: `<job id>-cb<n>`, n the history entry), and
when that delivery ends the outcome is written on the job (`callback`). Both steps run in the
stream function, from the job changes of a batch; both are idempotent."""

from __future__ import annotations

from collections.abc import Iterable

from aws_lambda_powertools import Logger

from jobqueue import system_jobs
from jobqueue.models.job import TERMINAL_STATUSES, CallbackOutcome, JobStatus
from jobqueue.models.job_change import JobChange
from jobqueue.ports import Ports
from jobqueue.times import parse_iso

logger = Logger(child=True)

CALLBACK_HANDLER = "callback"
_FINAL = frozenset(status.value for status in TERMINAL_STATUSES)


def callback_job_id(job_id: str, history_index: int) -> str:
    return f"{job_id}-cb{history_index}"


def handle_callbacks(ports: Ports, changes: Iterable[JobChange]) -> None:
    """Queue the callbacks of jobs that just finished, and record the deliveries that ended."""
    errors = []
    for change in changes:
        try:
            if change.callback_url and change.handler != CALLBACK_HANDLER:
                _queue_callbacks(ports, change)
            if change.handler == CALLBACK_HANDLER:
                _record_outcome(ports, change)
        except Exception as error:
            logger.exception("callback step failed", extra={"job_id": change.job_id})
            errors.append(error)
    if errors:
        raise errors[0]


def _queue_callbacks(ports: Ports, change: JobChange) -> None:
    for entry in change.entries:
        if entry.status not in _FINAL:
            continue
        job = system_jobs.delivery_job(
            callback_job_id(change.job_id, entry.index),
            change.tenant_id,
            change.tier,
            CALLBACK_HANDLER,
            {"job_id": change.job_id, "url": change.callback_url},
            ports.clock.now(),
        )
        if system_jobs.enqueue(ports, job):
            logger.info("callback queued", extra={"job_id": change.job_id, "delivery": job.id})


def _record_outcome(ports: Ports, change: JobChange) -> None:
    """The delivery job ended: its outcome goes on the job it delivered."""
    final = [entry for entry in change.entries if entry.status in _FINAL]
    target = (change.payload or {}).get("job_id")
    if not final or not isinstance(target, str):
        return
    result = change.last_result or {}
    answer = result.get("result") if isinstance(result.get("result"), dict) else {}
    outcome = CallbackOutcome(
        status="delivered" if final[-1].status == JobStatus.COMPLETED.value else "failed",
        attempts=change.attempts,
        at=final[-1].at if final else parse_iso(str(change.at)),
        status_code=answer.get("status_code"),
        error=None if result.get("success") else result.get("error_message"),
    )
    ports.jobs.transition(change.tenant_id, target, TERMINAL_STATUSES, {"callback": outcome})
