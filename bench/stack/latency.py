"""Latencies on the local stack: submit -> completed one job at a time and in a burst (per-job
GETs every 50 ms), a quiet tenant's start latency while another floods, and how late the
clock fires one-shot Scheduler schedules (optional: it takes `minutes`)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.stack.api import Api, new_tenant, timestamp
from bench.stack.report import summary
from local.stack import LocalStack

FINAL = {"completed", "failed", "timed_out", "cancelled"}


def submit_to_completed_ms(api: Api) -> float:
    started = time.monotonic()
    job = api.submit({"handler": "echo", "payload": {}})
    while True:
        if api.ok("GET", f"/v1/jobs/{job['id']}")["status"] in FINAL:
            return (time.monotonic() - started) * 1000
        if time.monotonic() - started > 60:
            raise TimeoutError(job["id"])
        time.sleep(0.05)


def sequential(api: Api, jobs: int) -> dict[str, Any]:
    submit_to_completed_ms(api)  # warm the api and worker paths once
    return summary(submit_to_completed_ms(api) for _ in range(jobs))


def burst(api: Api, jobs: int) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    with ThreadPoolExecutor(jobs) as executor:
        latencies = list(
            executor.map(lambda _: submit_to_completed_ms(Api(api.base_url, api.key)), range(jobs))
        )
    return summary(latencies), round(time.monotonic() - started, 2)


def flood(
    stack: LocalStack, flood_jobs: int, flood_slots: int, quiet_jobs: int, spacing: float, lead: float
) -> dict[str, Any]:
    """Tenant A (tier 3, `flood_slots` concurrent) submits `flood_jobs` sleep jobs of 1 s in
    batches; `lead` seconds later, once A holds its slots, tenant B submits `quiet_jobs` echo
    jobs, one every `spacing` seconds. B's start latency: started_at - created_at. A's
    leftovers are cancelled after."""
    flooder = new_tenant(
        stack.api_url,
        stack.admin_key,
        "fa",
        tier=3,
        max_concurrent_jobs=flood_slots,
        max_queued_jobs=flood_jobs + 10,
    )
    quiet = new_tenant(stack.api_url, stack.admin_key, "fb", tier=3)
    quiet.usage()  # B's key authorized before its first timed job
    sleep = {"handler": "sleep", "payload": {"seconds": 1}}
    started = time.monotonic()
    flood_ids = [job["id"] for job in flooder.submit_batch([sleep] * flood_jobs)]
    # `lead` seconds on, and the flood holding its slots (as tests/e2e/test_tenancy.py waits)
    time.sleep(max(0.0, lead - (time.monotonic() - started)))
    while (running := flooder.usage()["running"]) < min(flood_slots, flood_jobs):
        if time.monotonic() - started > 60:
            break
        time.sleep(0.2)
    quiet_began_s = time.monotonic() - started
    try:
        mine = []
        for i in range(quiet_jobs):
            mine.append(quiet.submit({"handler": "echo", "payload": {"i": i}}))
            time.sleep(spacing)
        done = [quiet.wait_job(job["id"], FINAL, timeout=180) for job in mine]
        usage = flooder.usage()
    finally:
        for job_id in flood_ids:  # no backlog left for what follows
            flooder.call("POST", f"/v1/jobs/{job_id}/cancel")
    latencies = [timestamp(j["started_at"]) - timestamp(j["created_at"]) for j in done if j.get("started_at")]
    return {
        "flood_jobs": flood_jobs,
        "flood_slots": flood_slots,
        "quiet_began_after_s": round(quiet_began_s, 2),
        "flood_running_when_quiet_began": running,
        "flood_still_waiting_at_end": usage["queued"],
        "quiet_jobs": quiet_jobs,
        "quiet_spacing_s": spacing,
        "quiet_not_completed": sum(1 for j in done if j["status"] != "completed"),
        "quiet_tenant_start_latency_s": summary(latencies, digits=2),
    }


def schedule_lateness(stack: LocalStack, minutes: float) -> dict[str, Any]:
    """One-shot at() schedules in moto a few seconds ahead, one every 4 s, delivered to a queue of
    our own, for `minutes`; the lateness is the clock's own record (stack.stats())."""
    sqs, scheduler = stack.client("sqs"), stack.client("scheduler")
    url = sqs.create_queue(QueueName="bench-schedule-target")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    deadline = time.monotonic() + minutes * 60
    n = 0
    while time.monotonic() < deadline - 10:
        at = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
        scheduler.create_schedule(
            Name=f"bench-{n}",
            ScheduleExpression=f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/x", "Input": "{}"},
            ActionAfterCompletion="DELETE",
        )
        n += 1
        time.sleep(4)
    time.sleep(max(0.0, deadline - time.monotonic()))
    stats = stack.stats()
    return {
        "minutes": minutes,
        "schedules_created": n,
        "fires": stats["schedule_fires"],
        "rule_fire_lateness_ms": stats["rule_fire_lateness_ms"],
        "scheduler_fire_lateness_ms": stats["scheduler_fire_lateness_ms"],
    }
