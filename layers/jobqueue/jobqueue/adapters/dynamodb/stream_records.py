"""Records of the jobs table's stream (NEW_AND_OLD_IMAGES) read as job changes: which job, its
status before and after, the history entries the write appended, and the jobs waiting for it.
Items other than jobs are not changes."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from jobqueue.adapters.dynamodb.items import HISTORY
from jobqueue.adapters.dynamodb.keys import JOB_SK_PREFIX
from jobqueue.models.activity import ActivityEntry
from jobqueue.models.job_change import JobChange
from jobqueue.times import parse_iso


def job_change(record: DynamoDBRecord) -> JobChange | None:
    """The change of a job item (created or modified), or None for anything else."""
    stream = record.dynamodb
    if stream is None or record.event_name not in (
        DynamoDBRecordEventName.INSERT,
        DynamoDBRecordEventName.MODIFY,
    ):
        return None
    if not str(stream.keys.get("SK", "")).startswith(JOB_SK_PREFIX):
        return None
    new = stream.new_image
    old = stream.old_image if record.event_name is DynamoDBRecordEventName.MODIFY else {}
    sequence = str(stream.sequence_number or "")
    attempts = int(new.get("attempts") or 0)
    return JobChange(
        sequence_number=sequence,
        tenant_id=str(new.get("tenant_id")),
        job_id=str(new.get("id")),
        handler=new.get("handler"),
        type=new.get("type"),
        priority=new.get("priority"),
        old_status=old.get("status"),
        new_status=new.get("status"),
        at=new.get("updated_at"),
        dependents=tuple(sorted(str(child) for child in new.get("dependents") or ())),
        entries=appended_entries(new, old, int(sequence) if sequence.isdigit() else 0, attempts),
        callback_url=new.get("callback_url"),
        attempts=attempts,
        payload=_json(new.get("payload")),
        last_result=_json(new.get("last_result")),
        tier=int(new.get("tier") or 1),
    )


def appended_entries(
    new: dict[str, Any], old: dict[str, Any], position: int, attempts: int
) -> tuple[ActivityEntry, ...]:
    """The entries of the new image's history past the old image's, as activity entries."""
    history = list(new.get(HISTORY) or [])
    start = len(old.get(HISTORY) or [])
    entries = []
    for index in range(start, len(history)):
        entry = history[index]
        previous = history[index - 1].get("status") if index > 0 else None
        entries.append(
            ActivityEntry(
                position=position,
                tenant_id=str(new.get("tenant_id")),
                job_id=str(new.get("id")),
                index=index,
                handler=str(new.get("handler")),
                type=str(new.get("type")),
                status=str(entry.get("status")),
                previous_status=previous,
                at=parse_iso(str(entry.get("at"))),
                attempt=attempts,
                wait_ms=_int(entry.get("wait_ms")),
                execution_ms=_int(entry.get("execution_ms")),
                error_type=entry.get("error_type"),
            )
        )
    return tuple(entries)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _json(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, str):
        return None
    try:
        loaded = json.loads(value)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None
