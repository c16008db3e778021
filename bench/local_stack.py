"""Latency of the local stack: submit -> completed over HTTP, and how late the clock fires.

    .venv/bin/python -m bench.local_stack [--jobs 20] [--burst 20] [--minutes 2]

Prints one JSON document. The schedule part waits for the template's rate(1 minute) sweeper
rule and for one-shot at() schedules created in moto (one every few seconds), so it takes
`--minutes` minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from local.console import Console
from local.stack import LocalStack
from local.tcp_ports import free_port


class _Quiet(Console):
    def print(self, label: str, text: str) -> None:
        pass


def _summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {}
    return {
        "n": len(values),
        "min": round(values[0], 1),
        "p50": round(statistics.median(values), 1),
        "p95": round(values[min(len(values) - 1, int(len(values) * 0.95))], 1),
        "max": round(values[-1], 1),
    }


def _run_job(session: requests.Session, url: str, key: str) -> float:
    headers = {"Authorization": f"Bearer {key}"}
    started = time.monotonic()
    response = session.post(
        f"{url}/v1/jobs", json={"handler": "echo", "payload": {}}, headers=headers, timeout=30
    )
    if response.status_code != 201:
        raise RuntimeError(f"submit answered {response.status_code}: {response.text[:300]}")
    job = response.json()
    while True:
        status = session.get(f"{url}/v1/jobs/{job['id']}", headers=headers, timeout=30).json()["status"]
        if status in ("completed", "failed"):
            return (time.monotonic() - started) * 1000
        if time.monotonic() - started > 60:
            raise TimeoutError(job["id"])
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=2.0)
    args = parser.parse_args()
    report: dict[str, Any] = {}
    started = time.monotonic()
    stack = LocalStack(
        api_port=free_port(), moto_port=free_port(), admin_key=uuid.uuid4().hex, console=_Quiet()
    )
    stack.start()
    report["startup_s"] = round(time.monotonic() - started, 1)
    try:
        assert stack.demo and stack.demo.api_key, stack.demo
        session = requests.Session()
        _run_job(session, stack.api_url, stack.demo.api_key)  # warm the api/worker paths once
        report["sequential_submit_to_completed_ms"] = _summary(
            [_run_job(session, stack.api_url, stack.demo.api_key) for _ in range(args.jobs)]
        )
        burst_started = time.monotonic()
        with ThreadPoolExecutor(args.burst) as executor:
            latencies = list(
                executor.map(
                    lambda _: _run_job(requests.Session(), stack.api_url, stack.demo.api_key),
                    range(args.burst),
                )
            )
        report["burst_submit_to_completed_ms"] = _summary(latencies)
        report["burst_wall_s"] = round(time.monotonic() - burst_started, 2)

        # one-shot schedules in moto, a few seconds ahead, delivered to a queue of our own
        sqs, scheduler = stack.client("sqs"), stack.client("scheduler")
        url = sqs.create_queue(QueueName="bench-schedule-target")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        deadline = time.monotonic() + args.minutes * 60
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
        report["stats"] = stack.stats()
    finally:
        stack.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
