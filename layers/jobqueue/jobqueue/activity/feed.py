"""`GET /v1/events`: the tenant's job lifecycle events in order, with a cursor to poll on.

The feed is the pages the stream function writes (kept 7 days), read a few seconds behind the
present (`SETTLE`) so that a page written late by a retried batch is not passed by a cursor.
With `job_id` the events come from that job's own history (kept as long as the job). An event
id is `<job_id>:<n>`, n its place in the job's history, the same in both forms.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobqueue import cursors
from jobqueue.models.activity import ActivityEntry
from jobqueue.models.job import Job, JobStatus
from jobqueue.ports import ActivityLog, FeedPosition

SETTLE = timedelta(seconds=3)


def decode(cursor: str, kind: str) -> dict[str, Any]:
    data = cursors.decode(cursor)
    if data.get("k") != kind:
        raise cursors.mismatch()
    return data


def tenant_events(
    activity: ActivityLog, tenant_id: str, after: str | None, limit: int, now: datetime
) -> dict[str, Any]:
    position: FeedPosition | None = None
    if after:
        data = decode(after, "feed")
        if not isinstance(data.get("p"), str) or not isinstance(data.get("i"), int):
            raise cursors.malformed()
        position = (data["p"], data["i"])
    read = activity.feed(tenant_id, position, now - SETTLE, limit)
    events = [event for _, event in read]
    if read:
        position = read[-1][0]
    cursor = cursors.encode({"k": "feed", "p": position[0], "i": position[1]}) if position else None
    return {"events": events, "next_cursor": cursor}


def job_events(job: Job, after: str | None, limit: int) -> dict[str, Any]:
    """The events of one job from its history; `next_cursor` continues after the last one."""
    start = 0
    if after:
        data = decode(after, "job")
        if data.get("j") != job.id or not isinstance(data.get("i"), int):
            raise cursors.mismatch()
        start = data["i"] + 1
    events, attempt = [], 0
    for index, change in enumerate(job.history):
        if change.status is JobStatus.PROCESSING:
            attempt += 1
        if index < start:
            continue
        if len(events) == limit:
            break
        previous = job.history[index - 1].status.value if index else None
        entry = ActivityEntry(
            position=0,
            tenant_id=job.tenant_id,
            job_id=job.id,
            index=index,
            handler=job.handler,
            type=job.type.value,
            status=change.status.value,
            previous_status=previous,
            at=change.at,
            attempt=attempt,
        )
        events.append(entry.event())
    last = start + len(events) - 1
    cursor = cursors.encode({"k": "job", "j": job.id, "i": last}) if events else after
    return {"events": events, "next_cursor": cursor}
