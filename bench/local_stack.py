"""`make bench`: the local stack's figures in one run, one JSON report and a short summary.

    .venv/bin/python -m bench.local_stack [--throughput-jobs 300] [--jobs 20] [--burst 20]
        [--flood-jobs 150] [--quiet-jobs 20] [--cold-runs 0] [--sweeper-ticks 5] [--minutes 0]
        [--json out.json]

1. throughput: `--throughput-jobs` echo jobs of a fresh tier-4 tenant via POST /v1/jobs/batch
   (100 a request), first submission -> last `completed_at`, jobs/s (bench/stack/throughput.py);
2. substrate: the AWS requests moto received meanwhile, replayed verbatim from one thread on
   copies of the tables and queues (bench/stack/substrate.py says exactly what), jobs/s and the
   ratio stack/substrate;
3. latency: submit -> completed one job at a time and in a burst (bench/stack/latency.py);
4. flood: tenant A floods (150 sleep jobs of 1 s, 5 slots), B submits `--quiet-jobs` echo jobs
   0.5 s apart from 3 s on; B's start latency p50/p95/max;
5. calls_per_job: the recorded calls by operation per job and the DynamoDB write units
   (computed from item sizes: moto does not measure consumed capacity);
6. cold_start: each function's import + first invocation in a fresh process against
   `import boto3` (bench/stack/cold_start.py);
7. sweeper: `--sweeper-ticks` idle ticks invoked through the stack, and the rule's own ticks;
8. schedule (only with `--minutes` > 0): how late the clock fires one-shot schedules.

function_durations_ms: per function its invocations and their duration (Lambda's REPORT
Duration on the local stack: bench/stack/durations.py) during the one-at-a-time latency run (the
cost model's `single`), the throughput run (`batch100`) and the sweeper's ticks.

About three minutes on a 2-core machine with the defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.stack import cold_start, durations, latency, throughput
from bench.stack.api import Api
from bench.stack.recording import MotoRecorder, recorder_env
from bench.stack.report import human_summary, ratio, verdicts
from bench.stack.substrate import Substrate
from local.console import Console
from local.stack import LocalStack
from local.tcp_ports import free_port


class _Quiet(Console):
    def print(self, label: str, text: str) -> None:
        pass


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.local_stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--throughput-jobs", type=int, default=300, help="echo jobs of the throughput run")
    parser.add_argument("--jobs", type=int, default=20, help="jobs submitted one at a time")
    parser.add_argument("--burst", type=int, default=20, help="jobs submitted at once")
    parser.add_argument("--flood-jobs", type=int, default=150, help="sleep jobs (1 s) of the flooding tenant")
    parser.add_argument(
        "--flood-slots", type=int, default=5, help="the flooding tenant's max_concurrent_jobs"
    )
    parser.add_argument("--quiet-jobs", type=int, default=20, help="echo jobs of the quiet tenant")
    parser.add_argument("--quiet-spacing", type=float, default=0.5, help="seconds between the quiet jobs")
    parser.add_argument(
        "--flood-lead", type=float, default=3.0, help="seconds of flood before the quiet jobs"
    )
    parser.add_argument("--cold-runs", type=int, default=0, help="runs per function; 0: 3, or 5 if quick")
    parser.add_argument("--sweeper-ticks", type=int, default=5, help="sweeper ticks invoked directly")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="recording of the idle stack")
    parser.add_argument("--minutes", type=float, default=0.0, help="schedule lateness for this long; 0 skips")
    parser.add_argument("--json", type=Path, help="also write the report here")
    return parser.parse_args()


class _Sections:
    """Each part of the bench: a progress line on stderr, its duration, the machine's 1-minute
    load average at its end (the stack keeps about 2 busy while it works: much more means
    something else ran beside the bench), and its error if it failed: the other parts still
    run and the report still prints (`make bench` then exits 1)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.load: dict[str, float] = {}
        self.failed: dict[str, str] = {}

    @contextlib.contextmanager
    def __call__(self, name: str, text: str) -> Iterator[None]:
        print(f"bench: {text} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            traceback.print_exc()
            self.failed[name] = f"{type(exc).__name__}: {exc}"[:1000]
        finally:
            self.seconds[name] = round(time.monotonic() - started, 1)
            self.load[name] = round(os.getloadavg()[0], 2)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "arguments": {**vars(args), "json": str(args.json) if args.json else None},
    }
    recording_path = workdir / "moto-recording.jsonl"
    recorder_env(recording_path)  # before the moto server starts: it reads it once
    started = time.monotonic()
    stack = LocalStack(
        api_port=free_port(), moto_port=free_port(), admin_key=uuid.uuid4().hex, console=_Quiet()
    )
    stack.start()
    report["startup_s"] = round(time.monotonic() - started, 1)
    section = _Sections()
    try:
        assert stack.demo and stack.demo.api_key, stack.demo
        recorder = MotoRecorder(stack.moto_url, recording_path)
        idle: dict[str, float] = {}
        recording = None
        function_durations: dict[str, Any] = {}
        rule_ticks = durations.Window(stack, {"sweeper"})

        with section("idle", "idle stack, recorded"):
            idle = throughput.idle_rates(recorder, args.idle_seconds)
        with section("throughput", f"throughput, {args.throughput_jobs} jobs"):
            window = durations.Window(stack)
            report["throughput"], recording, seed = throughput.run_throughput(
                stack, recorder, args.throughput_jobs
            )
            jobs = report["throughput"]["jobs"]
            function_durations["batches_of_100"] = window.close(
                jobs,
                what="the throughput run: POST /v1/jobs/batch of 100, worker batches of up to 10",
                scenario="batch100",
                api_route="POST /v1/jobs/batch",
            )
            report["calls_per_job"] = throughput.calls_report(stack, recording, jobs, idle)
        if recording is not None:
            with section("substrate", f"moto substrate, {len(recording.calls)} recorded calls, one thread"):
                substrate = Substrate(
                    stack.moto_url, stack.region, stack.client("dynamodb"), stack.client("sqs")
                )
                substrate.prepare(recording.calls, seed)
                report["substrate"] = substrate.replay(recording.calls, jobs)
                report["substrate"]["stack_to_substrate"] = ratio(
                    report["throughput"]["jobs_per_s"], report["substrate"]["jobs_per_s"]
                )
        with section("latency", "latency, one at a time and in a burst"):
            demo = Api(stack.api_url, stack.demo.api_key, stack.demo.tenant_id)
            window = durations.Window(stack)
            report["sequential_submit_to_completed_ms"] = latency.sequential(demo, args.jobs)
            durations.settle(stack)
            function_durations["one_at_a_time"] = window.close(
                args.jobs + 1,
                what="the latency run one job at a time (and its warm-up job), GET /v1/jobs/{id} every 50 ms",
                scenario="single",
                api_route="POST /v1/jobs",
            )
            report["burst_submit_to_completed_ms"], report["burst_wall_s"] = latency.burst(demo, args.burst)
        with section("flood", "a quiet tenant during a flood"):
            report["flood"] = latency.flood(
                stack, args.flood_jobs, args.flood_slots, args.quiet_jobs, args.quiet_spacing, args.flood_lead
            )
        with section("cold_start", "cold starts"):
            report["cold_start"] = cold_start.cold_starts(stack, workdir, args.cold_runs)
        with section("sweeper", f"sweeper, {args.sweeper_ticks} ticks"):
            function_durations["sweeper_rule_ticks"] = rule_ticks.close(
                what="the ticks of the sweeper's rate(1 minute) rule during the bench (the first reconciles)"
            )
            function_durations["sweeper_ticks"] = durations.sweeper_ticks(stack, args.sweeper_ticks)
        if args.minutes > 0:
            with section("schedule", f"schedule lateness, {args.minutes} min"):
                report["schedule"] = latency.schedule_lateness(stack, args.minutes)
        order = ("one_at_a_time", "batches_of_100", "sweeper_rule_ticks", "sweeper_ticks")
        report["function_durations_ms"] = {k: function_durations[k] for k in order if k in function_durations}
        report["stats"] = stack.stats()
    finally:
        stack.stop()
    report["section_s"] = section.seconds
    report["load_average_1m_at_section_end"] = section.load
    report["cpus"] = os.cpu_count()
    report["failed_sections"] = section.failed
    report["total_s"] = round(time.monotonic() - started, 1)
    report["targets"] = verdicts(report)
    return report


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="jobq-bench-") as workdir:
        report = run(args, Path(workdir))
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    print(human_summary(report))
    if report["failed_sections"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
