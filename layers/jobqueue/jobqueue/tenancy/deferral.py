"""How long a job waits before its next try when its tenant has no free running slot.

The worker must not hand the message back to SQS (a batch item failure, or a visibility change):
that raises the receive count, and `maxReceiveCount` receives send a good job to the dead-letter
queue. It deletes the message and sends a new one instead, `deferrals + 1` in the body, with
`DelaySeconds = deferral_delay(deferrals)`: the receive count starts again at 0, and the growing
delay keeps a tenant with many waiting jobs from bouncing them (and hitting its counter item)
several times a second. See docs/tenancy.md, "Waiting for a slot".
"""

from __future__ import annotations

import math
import random

BASE_SECONDS = 2
CAP_SECONDS = 60  # well under SQS's DelaySeconds maximum of 900


def deferral_delay(deferrals: int, rng: random.Random | None = None, backlog_seconds: int = 0) -> int:
    """DelaySeconds of the next try after `deferrals` earlier deferrals of the same job.

    Doubling from 2 s up to 60 s (2, 4, 8, 16, 32, 60, 60, ...), each drawn in the upper half
    [d/2, d] so jobs deferred together do not come back together; at least 1. A tenant with a
    long backlog (`backlog_seconds`, see `backlog_seconds_of`) spreads its jobs' next tries over
    it instead ([d/2, backlog], at most 60 s): a flood of waiting jobs comes back about as fast as
    slots free up rather than all at once, so it does not crowd the queue for other tenants.
    """
    if deferrals < 0:
        raise ValueError("deferrals cannot be negative")
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** min(deferrals, 16))
    low = max(1, ceiling // 2)
    return (rng or random).randint(low, max(ceiling, min(CAP_SECONDS, backlog_seconds)))


def backlog_seconds_of(waiting: int, limit: int) -> int:
    """Seconds until the tenant's slots reach the last of `waiting` jobs if each of its `limit`
    slots frees once a second (a floor: most jobs take longer)."""
    return math.ceil(max(0, waiting) / max(1, limit))
