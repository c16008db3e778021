"""Which queue a job goes to: its priority, lifted one band for tiers 3-4 (better service at equal
priority). Every band has its own worker concurrency, and the low band always has some, so low
priority never starves."""

from __future__ import annotations

from jobqueue.models.job import Priority, QueueBand

_ORDER = [QueueBand.LOW, QueueBand.NORMAL, QueueBand.HIGH, QueueBand.CRITICAL]
_BASE = {
    Priority.LOW: 0,
    Priority.NORMAL: 1,
    Priority.HIGH: 2,
    Priority.URGENT: 2,
    Priority.CRITICAL: 3,
}


def band_for(priority: Priority, tier: int) -> QueueBand:
    """The queue band of a job.

    Tiers 3 and 4 move up one band, except into `critical`, which only critical jobs (and urgent
    jobs of tier 3-4) reach.
    """
    index = _BASE[priority]
    if tier >= 3 and index < 2:
        index += 1
    if tier >= 3 and priority is Priority.URGENT:
        index = 3
    return _ORDER[index]
