"""The truth the soak checks against: the job records as stored (read from the stack's moto),
the ledger the handler wrote, the faults log; and the recounts made from them (counters,
activity tallies, concurrency peaks), written from the documented rules, not with the service's
own code."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

TERMINAL = ("completed", "failed", "timed_out", "cancelled")
WAITING = ("pending", "queued")
_DESERIALIZE = TypeDeserializer().deserialize


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def _job(item: dict[str, Any]) -> dict[str, Any]:
    job = {name: _plain(_DESERIALIZE(value)) for name, value in item.items()}
    for name in ("payload", "last_result", "metadata"):
        if isinstance(job.get(name), str):
            job[name] = json.loads(job[name])
    job.setdefault("history", [])
    return job


def load_jobs(dynamodb: Any, table: str, tenant_id: str) -> list[dict[str, Any]]:
    """Every job record of the tenant, strongly consistent."""
    params: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :job)",
        "ExpressionAttributeValues": {":pk": {"S": f"T#{tenant_id}"}, ":job": {"S": "JOB#"}},
        "ConsistentRead": True,
    }
    jobs = []
    while True:
        page = dynamodb.query(**params)
        jobs += [_job(item) for item in page.get("Items", [])]
        if not page.get("LastEvaluatedKey"):
            return jobs
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def open_count(dynamodb: Any, table: str, tenant_id: str) -> int:
    """Jobs still pending, queued or processing (a recurring schedule itself not counted): the
    two status-index partitions, as the sweeper's reconciliation counts them."""
    total = 0
    for group, extra in (
        ("waiting", " AND (attribute_not_exists(cron) OR attribute_exists(parent_id))"),
        ("processing", ""),
    ):
        params: dict[str, Any] = {
            "TableName": table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "FilterExpression": "#s IN (:p, :q, :r)" + extra,
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":pk": {"S": f"T#{tenant_id}#S#{group}"},
                ":p": {"S": "pending"},
                ":q": {"S": "queued"},
                ":r": {"S": "processing"},
            },
            "Select": "COUNT",
        }
        while True:
            page = dynamodb.query(**params)
            total += int(page.get("Count", 0))
            if not page.get("LastEvaluatedKey"):
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return total


def is_schedule(job: dict[str, Any]) -> bool:
    """A recurring job itself (its runs have a parent_id)."""
    return bool(job.get("cron")) and not job.get("parent_id")


def settled(job: dict[str, Any]) -> tuple[bool, str]:
    """Terminal, or pending with a reason (a recurring job with runs left); else why not."""
    status = job["status"]
    if status in TERMINAL:
        return True, status
    if status == "pending" and is_schedule(job) and job.get("run_count", 0) < (job.get("max_runs") or 10**9):
        return (
            True,
            f"recurring, {job.get('run_count', 0)} of {job.get('max_runs')} runs, next {job.get('next_run_at')}",
        )
    return False, f"{status} ({job.get('status_reason') or 'no reason'})"


# ------------------------------------------------------------------------------ recounts


def counter_recount(jobs: list[dict[str, Any]], day: str) -> dict[str, int]:
    """What `GET /v1/usage` must say: waiting (pending + queued, recurring schedules aside),
    running (processing), daily_count (jobs admitted on `day`: every record created that UTC
    day, schedules and runs included)."""
    return {
        "queued": sum(1 for j in jobs if j["status"] in WAITING and not is_schedule(j)),
        "running": sum(1 for j in jobs if j["status"] == "processing"),
        "daily_count": sum(1 for j in jobs if str(j["created_at"])[:10] == day),
    }


ACTIVITY_FIELDS = (
    "submitted",
    "started",
    "executions",
    "completed",
    "failed",
    "timed_out",
    "cancelled",
    "retried",
)


def activity_recount(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts of `GET /v1/metrics/performance` from the histories (tally rules of
    docs/observability.md): a job's first entry is a submission, a `processing` entry a start,
    an entry after `processing` the end of an execution (an error type when it did not
    complete), a final status its count, back to waiting after an execution or a final status a
    retry."""
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for job in jobs:
        previous = None
        for index, entry in enumerate(job["history"]):
            status = entry["status"]
            if index == 0:
                counts["submitted"] += 1
            if status == "processing":
                counts["started"] += 1
            else:
                ended = previous == "processing"
                counts["executions"] += ended
                if status in TERMINAL:
                    counts[status] += 1
                elif status in WAITING and previous is not None and (ended or previous in TERMINAL):
                    counts["retried"] += 1
                if ended and status != "completed":
                    error = entry.get("error_type") or ("Timeout" if status == "timed_out" else None)
                    if error:
                        errors[error[:64]] += 1
            previous = status
    return {**{name: counts[name] for name in ACTIVITY_FIELDS}, "errors_by_type": dict(errors)}


def event_recount(events: list[dict[str, Any]]) -> dict[str, int]:
    """The same counts from `GET /v1/events` events (status and previous status; no error types)."""
    counts: Counter[str] = Counter()
    for event in events:
        status, previous = event["status"], event.get("previous_status")
        if event["id"].endswith(":0"):
            counts["submitted"] += 1
        if status == "processing":
            counts["started"] += 1
            continue
        counts["executions"] += previous == "processing"
        if status in TERMINAL:
            counts[status] += 1
        elif (
            status in WAITING and previous is not None and (previous == "processing" or previous in TERMINAL)
        ):
            counts["retried"] += 1
    return dict(counts)


def history_ids(jobs: list[dict[str, Any]]) -> set[str]:
    """The ids the event feed must hold: `<job_id>:<n>` for every history entry."""
    return {f"{job['id']}:{n}" for job in jobs for n in range(len(job["history"]))}


# ------------------------------------------------------------------------------ the ledger


@dataclass
class Ledger:
    starts: Counter[tuple[str, int]] = field(default_factory=Counter)
    ends: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    tenant_of: dict[str, str] = field(default_factory=dict)
    bad_lines: int = 0

    @classmethod
    def read(cls, path: Path) -> Ledger:
        ledger = cls()
        if not path.exists():
            return ledger
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
                key = (record["job_id"], int(record["attempt"]))
            except (ValueError, KeyError, TypeError):
                ledger.bad_lines += 1
                continue
            ledger.tenant_of[record["job_id"]] = record["tenant"]
            if record["e"] == "start":
                ledger.starts[key] += 1
            else:
                ledger.ends[key] = record
        return ledger

    def duplicates(self) -> list[tuple[str, int]]:
        return [key for key, n in self.starts.items() if n > 1]

    def unfinished(self) -> list[tuple[str, int]]:
        return [key for key in self.starts if key not in self.ends]

    def peaks(self) -> dict[str, tuple[int, float | None]]:
        """Per tenant, the most attempts running at once (from the start/end intervals) and when."""
        events: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for record in self.ends.values():
            events[record["tenant"]] += [(record["started"], 1), (record["ended"], -1)]
        out = {}
        for tenant, steps in events.items():
            running = peak = 0
            when = None
            for moment, step in sorted(steps, key=lambda s: (s[0], s[1])):  # an end before a start
                running += step
                if running > peak:
                    peak, when = running, moment
            out[tenant] = (peak, when)
        return out


def fault_counts(path: Path) -> tuple[Counter[str], float | None]:
    """Faults injected, by kind and place, and the time of the last one."""
    counts: Counter[str] = Counter()
    last = None
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            counts[f"{record['fault']} @ {record['where']}"] += 1
            last = max(last or 0.0, float(record["t"]))
    return counts, last


def epoch(text: str) -> float:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()


def iso_hour(moment: datetime) -> str:
    return moment.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
