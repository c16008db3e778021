"""One soak run: the stack up, the workload with faults on, the faults off, the drain, the
checks; `run()` returns the report (bench/soak/report.py prints it)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.soak import records
from bench.soak.checks import Checker
from bench.soak.config import SoakConfig
from bench.soak.report import verdicts
from bench.soak.stack import SoakStack
from bench.soak.workload import Book, Workload


def say(text: str) -> None:
    print(f"{datetime.now():%H:%M:%S} soak  {text}", flush=True)


def run(config: SoakConfig, workdir: Path, verbose: bool = False) -> dict[str, Any]:
    """The whole soak; returns the report (its `passed` says whether every check held)."""
    began = time.time()
    soak = SoakStack(config, workdir, verbose)
    try:
        soak.start()
        say(f"stack up in {time.time() - began:.1f} s; submitting {config.jobs} jobs with faults on")
        started = datetime.now(UTC)
        book = Book()
        workload = Workload(config, soak, book)
        progress = threading.Event()
        threading.Thread(target=_progress, args=(soak, book, workload, progress), daemon=True).start()
        submit_began = time.time()
        workload.run()
        faults_off = soak.faults_off()
        progress.set()
        submit_seconds = faults_off - submit_began
        say(f"{book.count} jobs accepted in {submit_seconds:.0f} s; faults off, draining")
        checker = Checker(soak, book, started)
        timeline = checker.drain(faults_off, config.drain_timeout)
        say("drained" if all(timeline.values()) else "drain deadline passed; checking what is there")
        report = _report(config, soak, book, checker, timeline, faults_off)
        report["run"] = {
            "jobs": config.jobs,
            "seed": config.seed,
            "short": config.short,
            "submit_seconds": round(submit_seconds, 1),
            "rate": book.count / max(submit_seconds, 1e-9),
            "total_seconds": round(time.time() - began, 1),
            "sweeper_extra_ticks": soak.extra_ticks,
            "dead_letter_depth": soak.dead_letters(),
            "stack": soak.stats()["functions"],
            "workdir": str(workdir),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
        return report
    finally:
        soak.stop()


def _report(
    config: SoakConfig,
    soak: SoakStack,
    book: Book,
    checker: Checker,
    timeline: dict[str, float | None],
    faults_off: float,
) -> dict[str, Any]:
    lost = checker.lost()
    attempts = checker.attempts()
    ledger = attempts.pop("_ledger")
    fault_counts, last_fault = records.fault_counts(soak.fault_log)
    stages = {name: (at - faults_off if at else None) for name, at in timeline.items()}
    settled = all(at is not None for at in timeline.values())
    counter_drift = checker.counter_drift()
    feed_problems = checker.feed_problems()  # before activity_drift: it sets `withdrawn`
    report: dict[str, Any] = {
        "lost": lost,
        "attempts": attempts,
        "counter_drift": counter_drift,
        "activity_drift": checker.activity_drift(),
        "feed_problems": feed_problems,
        "withdrawn": sorted({e["job_id"] for events in checker.withdrawn.values() for e in events}),
        "feed_events": sum(len(records.history_ids(jobs)) for jobs in checker.jobs.values()),
        "concurrency": checker.concurrency(ledger),
        "recovery": {
            "seconds": max(s for s in stages.values() if s is not None) if settled else None,
            "stages": stages,
            "timeout": config.drain_timeout,
            "last_fault_before_off": round(faults_off - last_fault, 1) if last_fault else None,
        },
        "stragglers": checker.stragglers(faults_off),
        "faults": dict(fault_counts),
        "answers": dict(book.answers),
        "expected_429": dict(book.expected_429),
        "cancels": {str(k): v for k, v in book.cancels.items()},
    }
    report["verdicts"] = verdicts(report)
    report["passed"] = all(ok for _, ok, _ in report["verdicts"])
    return report


def _progress(soak: SoakStack, book: Book, workload: Workload, stop: threading.Event) -> None:
    while not stop.wait(15):
        faults, _ = records.fault_counts(soak.fault_log)
        backlog = "paused" if workload.paused else "running"
        say(f"{book.count} accepted, submitting {backlog}, {sum(faults.values())} faults injected so far")
