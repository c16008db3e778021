"""The jobs of a batch's records read in one call (BatchGetItem) instead of one GetItem each.

A record uses its prefetched job only if it starts within `FRESH_SECONDS` of the read. A record
that waited longer for a thread reads its job again. A job read a moment early is safe: the
claim is conditional on the status and attempt read, and a lost claim gives the slot back.
Without prefetch (one record, or a failed batch read) each record reads its own job, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.messages import JobMessage, PoisonMessage, parse_message
from jobqueue.models.job import Job
from jobqueue.ports import JobRepository

logger = Logger(child=True)

FRESH_SECONDS = 2.0

JobKey = tuple[str, str]


class Prefetched:
    """The jobs read for a batch, each handed out once (to the thread of its record)."""

    def __init__(self, jobs: JobRepository, read: dict[JobKey, Job | None], read_at: float):
        self._jobs = jobs
        self._read = read
        self._read_at = read_at
        self._lock = threading.Lock()

    def job_of(self, message: JobMessage) -> Job | None:
        """The message's job: prefetched if fresh, else read now (a missing job is None)."""
        key = (message.tenant_id, message.job_id)
        with self._lock:
            known = key in self._read
            job = self._read.pop(key, None)
        if known and time.monotonic() - self._read_at <= FRESH_SECONDS:
            return job
        return self._jobs.get(message.tenant_id, message.job_id)


def prefetch(jobs: JobRepository, records: Iterable[dict[str, Any]], skip: set[str]) -> Prefetched:
    """Read the jobs of `records` (but those in `skip`) in one call when there are two or more.
    A failed read is logged and leaves every record to read its own job."""
    keys: list[JobKey] = []
    for record in records:
        if str(record.get("messageId")) in skip:
            continue
        try:
            message = parse_message(record.get("body"))
        except PoisonMessage:
            continue
        keys.append((message.tenant_id, message.job_id))
    keys = list(dict.fromkeys(keys))
    read: dict[JobKey, Job | None] = {}
    if len(keys) > 1:
        try:
            found = jobs.get_many(keys)
            read = {key: found.get(key) for key in keys}
        except Exception:
            logger.exception("batch read of the jobs failed; each record reads its own")
    return Prefetched(jobs, read, time.monotonic())
