"""Sweep deadlines: when the sweeper should next look at a job. One rule per state, used by
every writer (the deadline is the job's `GSI2SK` in the sweeper's sparse index)."""

from __future__ import annotations

from datetime import datetime, timedelta

from jobqueue.models.job import Job, WaitingOn
from jobqueue.settings import get_settings


def dispatch_check_at(job: Job, now: datetime) -> datetime:
    """A queued job not claimed by then is re-sent by the sweeper (its message may be lost)."""
    start = max(job.scheduled_for or job.created_at, now)
    return start + timedelta(seconds=get_settings().dispatch_grace_seconds)


def lease_expires_at(job: Job, now: datetime) -> datetime:
    """A processing job past this time is stuck (its worker crashed): the sweeper recovers it."""
    return now + timedelta(seconds=job.timeout_seconds + get_settings().lease_grace_seconds)


def pending_check_at(job: Job, now: datetime) -> datetime:
    """A pending job's safety net: the sweeper checks it then, in case the process that wrote it
    died before arming it (schedule, dependents). A one-shot is checked just after its time (and
    queued if still pending); a dependent or a recurring job one grace after it was written."""
    grace = timedelta(seconds=get_settings().dispatch_grace_seconds)
    if job.waiting_on is WaitingOn.TIME and job.scheduled_for is not None:
        return job.scheduled_for + grace
    return now + grace
