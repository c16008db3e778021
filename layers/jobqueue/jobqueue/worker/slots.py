"""Tenant concurrency: THE hook for `max_concurrent_jobs` (enforced at execution).

For now every request is granted. The tenancy issue replaces these two functions with a
conditional counter (`running < limit`, ADD on the tenant counter item, sharded if hot), and the
sweeper's counter reconciliation repairs any drift.

Contract for the implementation:
- `acquire_slot` is called once per claim attempt, before the claim write. False means "not
  now": the worker then defers the message without claiming the job (re-sent with a delay, so a
  bounced receive never pushes a good job towards the dead-letter queue).
- `release_slot` is called exactly once per granted slot: by the worker after it records the
  outcome (or at once if its claim lost a race), or by the sweeper when it recovers the job from
  a lost worker. The two are exclusive (both are conditional writes on the same job attempt).
  `requeued=True` when the job is waiting again (a retry, or the undo of a lost claim), which
  maps onto `jobqueue.tenancy.counters.release_running(requeued=...)`.

Until then nothing moves a job out of the tenant's `waiting` count at claim time; the sweeper's
counter reconciliation (jobqueue.sweeper.reconcile_counters) is the other half of that issue.
"""

from __future__ import annotations

from jobqueue.models.job import Job


def acquire_slot(job: Job) -> bool:
    """Take one of the tenant's running slots for `job`. Always granted until the tenancy issue."""
    return True


def release_slot(job: Job, requeued: bool = False) -> None:
    """Give back the slot taken for `job`. A no-op until the tenancy issue."""
    return None
