"""Which jobs wait for a job: a string set `dependents` on the parent's item.

See `jobqueue.dependencies` for the protocol and its race analysis. The attribute is not part of
the Job model (the model ignores it on read).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from jobqueue import keys
from jobqueue.errors import ValidationFailed
from jobqueue.models.job import Job, JobStatus
from jobqueue.store.jobs import JobStore, is_condition_failure

MAX_DEPENDENTS = 1000  # a 400 KB item holds ~12,000 ids; keep parents small and fast to read
_OPEN_STATUSES = (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING)


def add_dependent(parent: Job, child_id: str, store: JobStore | None = None) -> bool:
    """Record that `child_id` waits for `parent`, unless the parent is terminal already.

    Returns:
        True when recorded (the parent's completion will release the child); False when the
        parent is terminal or gone (the caller decides from a fresh read of the parent).

    Raises:
        ValidationFailed: the parent has `MAX_DEPENDENTS` dependents already.
    """
    table = (store or JobStore()).table
    values: dict[str, Any] = {":child": {child_id}, ":max": MAX_DEPENDENTS}
    values.update({f":s{i}": status.value for i, status in enumerate(_OPEN_STATUSES)})
    statuses = ", ".join(f":s{i}" for i in range(len(_OPEN_STATUSES)))
    try:
        table.update_item(
            Key=keys.job_key(parent.tenant_id, parent.id),
            UpdateExpression="ADD dependents :child",
            ConditionExpression=(
                f"attribute_exists(PK) AND #status IN ({statuses})"
                " AND (attribute_not_exists(dependents) OR size(dependents) < :max)"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        item = table.get_item(Key=keys.job_key(parent.tenant_id, parent.id), ConsistentRead=True).get("Item")
        if item and item.get("status") in {s.value for s in _OPEN_STATUSES}:
            if child_id in item.get("dependents", set()):
                return True  # recorded by an earlier try of the same submission
            message = f"job {parent.id} has {MAX_DEPENDENTS} dependents already"
            raise ValidationFailed(f"invalid depends_on: {message}", {"depends_on": message}) from error
        return False
    return True


def dependents_of(parent: Job, store: JobStore | None = None) -> list[str]:
    """The ids of the jobs recorded as waiting for `parent` (consistent read), sorted."""
    table = (store or JobStore()).table
    item = table.get_item(
        Key=keys.job_key(parent.tenant_id, parent.id),
        ProjectionExpression="dependents",
        ConsistentRead=True,
    ).get("Item")
    return sorted((item or {}).get("dependents", set()))
