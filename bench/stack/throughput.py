"""Throughput of the stack: N `echo` jobs of a fresh tier-4 tenant submitted with
`POST /v1/jobs/batch` (100 a request, one after the other), timed from the first submission to
the last job's `completed_at`; every AWS call the stack makes meanwhile is recorded at moto.

Completion is watched cheaply: `GET /v1/usage` every `poll` seconds until the tenant has nothing
waiting or running (one counter read), then the completed jobs are listed (pages of 100) for
their `completed_at`. The recording goes on until the stream function has been idle for
`quiet` seconds, so it holds the stream's work for these jobs too; the calls behind the bench's
own polling are left out of it (`BenchPolls`)."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from bench.stack.api import BATCH_LIMIT, new_tenant, timestamp
from bench.stack.recording import Call, MotoRecorder, Recording, read_back, write_unit_totals, writes
from bench.stack.report import per_job, rate
from local.stack import LocalStack


def idle_rates(recorder: MotoRecorder, seconds: float) -> dict[str, float]:
    """Calls per second by operation while nothing is submitted (pollers, clock, EMF sink)."""
    recorder.start()
    time.sleep(seconds)
    counts = recorder.stop().counts()
    return {key: round(n / seconds, 2) for key, n in sorted(counts.items())}


def tenant_items(stack: LocalStack, tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """The tenant's items in the jobs table (profile, counters) before the run: the substrate's
    copy starts from them."""
    table = stack.resources["JobsTable"]["Ref"]
    pages = stack.client("dynamodb").get_paginator("query")
    items = []
    for page in pages.paginate(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"T#{tenant_id}"}},
    ):
        items += page["Items"]
    return {table: items}


def _signature(call: Call) -> tuple[str, str]:
    return call.key, json.dumps(call.body, sort_keys=True)


class BenchPolls:
    """The AWS calls behind the bench's own polling, to leave out of the stack's: those of one
    GET /v1/usage, recorded alone before the run (matched by identical request, at most once
    per poll), and the listing by status (Queries of GSI1 for this tenant's status partitions)."""

    def __init__(self, tenant_id: str, usage_calls: list[Call]):
        self.tenant_id = tenant_id
        self.usage = Counter(_signature(c) for c in usage_calls if c.service == "dynamodb")

    def split(self, calls: list[Call], usage_polls: int) -> tuple[list[Call], Counter[str]]:
        budget = Counter({signature: n * usage_polls for signature, n in self.usage.items()})
        kept: list[Call] = []
        left_out: Counter[str] = Counter()
        for call in calls:
            signature = _signature(call) if call.service == "dynamodb" else None
            if signature is not None and budget[signature] > 0:
                budget[signature] -= 1
                left_out[call.key] += 1
            elif self._listing(call):
                left_out[call.key] += 1
            else:
                kept.append(call)
        return kept, left_out

    def _listing(self, call: Call) -> bool:
        """The listing's Query of GSI1, and its BatchGetItem of the jobs the index named."""
        if call.service != "dynamodb" or not call.body:
            return False
        if call.operation == "BatchGetItem":
            wanted = [
                k for table in call.body.get("RequestItems", {}).values() for k in table.get("Keys", [])
            ]
            return bool(wanted) and all(
                k.get("PK", {}).get("S") == f"T#{self.tenant_id}"
                and k.get("SK", {}).get("S", "").startswith("JOB#")
                for k in wanted
            )
        if call.operation != "Query":
            return False
        values = [v.get("S", "") for v in call.body.get("ExpressionAttributeValues", {}).values()]
        return any(v.startswith(f"T#{self.tenant_id}#S#") for v in values)


def _stream_invocations(stack: LocalStack) -> int:
    return sum(pool.invocations for pool in stack.pools.values() if pool.spec.label == "stream")


def run_throughput(
    stack: LocalStack, recorder: MotoRecorder, jobs: int, poll: float = 0.5, quiet: float = 2.0
) -> tuple[dict[str, Any], Recording, dict[str, list[dict[str, Any]]]]:
    """(figures, the recording without the bench's polling, the tenant's items before the run)."""
    tenant = new_tenant(stack.api_url, stack.admin_key, "tp", tier=4, max_queued_jobs=max(1000, jobs))
    tenant.usage()  # the key is authorized (and cached) before the clock starts, as for any client
    recorder.start()
    tenant.usage()
    polls = BenchPolls(tenant.tenant_id, recorder.stop().calls)
    seed = tenant_items(stack, tenant.tenant_id)
    bodies = [{"handler": "echo", "payload": {"i": i}} for i in range(jobs)]
    recorder.start()
    recording_started = time.monotonic()
    first_submit = time.time()
    submitted, batch_s = [], []
    for start in range(0, jobs, BATCH_LIMIT):
        before = time.monotonic()
        submitted += tenant.submit_batch(bodies[start : start + BATCH_LIMIT])
        batch_s.append(round(time.monotonic() - before, 2))
    submit_s = time.time() - first_submit
    usage_polls = 0
    deadline = time.monotonic() + max(120.0, jobs * 1.0)
    while True:
        usage = tenant.usage()
        usage_polls += 1
        if usage["queued"] == 0 and usage["running"] == 0:
            completed = tenant.jobs("completed")
            failed = tenant.jobs("failed") if len(completed) < jobs else []
            if len(completed) + len(failed) >= jobs:
                break
        if time.monotonic() > deadline:
            raise TimeoutError(f"throughput: {usage} after {time.monotonic() - recording_started:.0f} s")
        time.sleep(poll)
    seen = time.time()
    last = _stream_invocations(stack)
    changed = time.monotonic()
    while time.monotonic() - changed < quiet:
        time.sleep(0.2)
        now = _stream_invocations(stack)
        if now != last:
            last, changed = now, time.monotonic()
    recording = recorder.stop()
    window_s = time.monotonic() - recording_started
    last_completed = max(
        timestamp(job.get("completed_at") or job["updated_at"]) for job in completed + failed
    )
    wall_s = last_completed - first_submit
    ours, excluded = polls.split(recording.calls, usage_polls)
    recording = Recording(ours, recording.unreadable)
    return (
        {
            "tenant": tenant.tenant_id,
            "jobs": len(submitted),
            "batch_size": BATCH_LIMIT,
            "submit_s": round(submit_s, 2),
            "submit_s_by_batch": batch_s,
            "wall_s": round(wall_s, 2),
            "jobs_per_s": rate(len(submitted), wall_s),
            "completion_seen_after_s": round(seen - first_submit, 2),
            "usage_polls": usage_polls,
            "failed": len(failed),
            "recording_window_s": round(window_s, 1),
            "bench_polling_calls_left_out": dict(excluded),
        },
        recording,
        seed,
    )


def calls_report(
    stack: LocalStack, recording: Recording, jobs: int, idle: dict[str, float]
) -> dict[str, Any]:
    """Per job: AWS calls by operation and their total (the pollers', the clock's and the EMF
    sink's included: they ran meanwhile; the idle rates tell how much of that goes on anyway),
    and DynamoDB write units computed from item sizes."""
    counts = recording.counts()
    dynamodb = stack.client("dynamodb")
    tables = {
        c.body["TableName"]
        for c in recording.calls
        if c.service == "dynamodb" and c.body and "TableName" in c.body
    }
    for call in recording.calls:
        if call.body and call.operation in ("TransactWriteItems", "BatchWriteItem"):
            for element in call.body.get("TransactItems", []):
                tables |= {r["TableName"] for r in element.values()}
            tables |= set(call.body.get("RequestItems", {}))
    key_names = {
        table: [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
        for table in sorted(tables)
    }
    found = writes(recording.calls, key_names)
    units = write_unit_totals(found, read_back(dynamodb, [w for w in found if w.key != "{}"]))
    return {
        "jobs": jobs,
        "total": round(sum(counts.values()) / jobs, 2),
        "by_operation": per_job(counts, jobs),
        "recorded_calls": sum(counts.values()),
        "unreadable_recorded_lines": recording.unreadable,
        "idle_calls_per_s": idle,
        "dynamodb_items_written": round(len(found) / jobs, 2),
        "dynamodb_write_units": round(units["total"] / jobs, 2),
        "dynamodb_write_units_split": {k: round(v / jobs, 2) for k, v in units.items()},
        "write_units_method": (
            "computed, not asked: moto's ReturnConsumedCapacity answers a constant 1.0. Per written item "
            "1 unit per started KB of the larger of the item sent (puts) and the item read back after the "
            "run, 2x inside TransactWriteItems (ConditionCheck items counted like writes), a deleted item "
            "1 unit; base table only: GSI writes (GSI1 on a status change, GSI2) are not counted"
        ),
    }
