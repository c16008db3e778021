"""The table's two global secondary indexes: what they project, and whole items fetched by the
keys an index answered (docs/decisions/013-slim-index-projections.md).

DynamoDB bills an index write by the size of the projected entry, and every status change of a
job rewrites its GSI1 entry, every lease change its GSI2 entry. So GSI1 projects only what its
readers filter on, GSI2 only keys; a reader that answers whole items (a page of jobs, the
sweeper's jobs, tenant profiles) fetches them by key with BatchGetItem. template.yaml's
`JobsTable` says the same (tests/template checks it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

STATUS_INDEX = "GSI1"  # T#<tenant>#S#<status> / <job id>
SWEEP_INDEX = "GSI2"  # SWEEP#<0..7> / <due time>, and TENANTS / <next reconciliation>

# What GSI1's readers filter on (job_reads: the status as presented, JobQuery.filters(), the
# count of schedules, finished jobs before a time); the job id is GSI1SK.
STATUS_INDEX_ATTRIBUTES = (
    "status",
    "waiting_on",
    "scheduled_for",
    "type",
    "handler",
    "priority",
    "parent_id",
    "cron",
    "completed_at",
)

BATCH_GET_MAX = 100  # keys per BatchGetItem call
BATCH_GET_ROUNDS = 8  # calls for one chunk's unprocessed keys before giving up
_BACKOFF_SECONDS = 0.02  # doubling per round, at most _BACKOFF_MAX
_BACKOFF_MAX = 0.5

Key = tuple[str, str]
sleep: Callable[[float], None] = time.sleep  # a test's stand-in


class UnprocessedKeys(RuntimeError):
    """BatchGetItem left keys unprocessed after BATCH_GET_ROUNDS calls (throttled)."""


def key_of(item: dict[str, Any]) -> Key:
    return (item["PK"], item["SK"])


def fetch(table: Any, items: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The whole items of the index entries `items` (any number: 100 keys a BatchGetItem call,
    unprocessed keys asked again with a backoff), by (PK, SK); an item gone since is absent.
    Strongly consistent: an item the index already holds is never missed (the index is written
    after the table), so a page never skips a job just created."""
    wanted = list(dict.fromkeys(key_of(item) for item in items))
    found: dict[Key, dict[str, Any]] = {}
    for start in range(0, len(wanted), BATCH_GET_MAX):
        chunk = [{"PK": pk, "SK": sk} for pk, sk in wanted[start : start + BATCH_GET_MAX]]
        request: dict[str, Any] = {table.name: {"Keys": chunk, "ConsistentRead": True}}
        for attempt in range(BATCH_GET_ROUNDS):
            if attempt:
                sleep(min(_BACKOFF_SECONDS * 2 ** (attempt - 1), _BACKOFF_MAX))
            response = table.meta.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table.name, []):
                found[key_of(item)] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise UnprocessedKeys(f"BatchGetItem left keys unprocessed after {BATCH_GET_ROUNDS} calls")
    return found


def whole(table: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole items of the index entries `items`, in their order (an item gone is left out)."""
    if not items:
        return []
    found = fetch(table, items)
    return [found[key] for key in map(key_of, items) if key in found]
