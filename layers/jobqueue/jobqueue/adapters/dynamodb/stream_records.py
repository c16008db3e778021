"""Records of the jobs table's stream (NEW_AND_OLD_IMAGES) read as job changes: which job, its
status before and after, and the jobs waiting for it. Items other than jobs are not changes."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from jobqueue.adapters.dynamodb.keys import JOB_SK_PREFIX
from jobqueue.models.job_change import JobChange


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
    return JobChange(
        sequence_number=str(stream.sequence_number or ""),
        tenant_id=str(new.get("tenant_id")),
        job_id=str(new.get("id")),
        handler=new.get("handler"),
        type=new.get("type"),
        priority=new.get("priority"),
        old_status=old.get("status"),
        new_status=new.get("status"),
        at=new.get("updated_at"),
        dependents=tuple(sorted(str(child) for child in new.get("dependents") or ())),
    )
