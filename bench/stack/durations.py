"""Function durations per part of the bench: the invocations the stack's pools recorded between
two moments (local/function_pool.py `Duration`: Lambda's REPORT Duration as each function's
runtime measured it, the event's arrival to the handler's answer in a warm environment), by
function, summed up by bench/stack/report.py `function_durations`. They include moto's
latency: every AWS call of a handler goes to the local moto server."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from bench.stack.report import function_durations
from local.stack import ROOT, LocalStack


class Window:
    """The invocations of the functions `labels` (all when None) that ended from now on."""

    def __init__(self, stack: LocalStack, labels: Collection[str] | None = None):
        self.stack = stack
        self.labels = labels
        self.started = time.monotonic()

    def invocations(self, until: float) -> list[tuple[str, float, str | None, int | None]]:
        found = []
        for pool in self.stack.pools.values():
            label = pool.spec.label
            if self.labels is None or label in self.labels:
                found += [
                    (label, d.ms, d.route, d.records)
                    for d in list(pool.durations)
                    if self.started <= d.ended <= until
                ]
        return found

    def close(self, jobs: int | None = None, **about: Any) -> dict[str, Any]:
        """`about` (what the part was), `jobs`, the window's length and the figures by function."""
        ended = time.monotonic()
        return {
            **about,
            "jobs": jobs,
            "window_s": round(ended - self.started, 1),
            "functions": function_durations(self.invocations(ended), jobs),
        }


def _count(stack: LocalStack, labels: Collection[str]) -> int:
    return sum(pool.invocations for pool in stack.pools.values() if pool.spec.label in labels)


def settle(
    stack: LocalStack,
    labels: Collection[str] = ("worker", "stream"),
    quiet: float = 2.0,
    timeout: float = 30.0,
) -> None:
    """Wait until the functions `labels` have not been invoked for `quiet` seconds (the stream's
    last batch comes up to its 1 s batching window after the last job completed), at most `timeout`."""
    deadline = time.monotonic() + timeout
    last, changed = _count(stack, labels), time.monotonic()
    while time.monotonic() - changed < quiet and time.monotonic() < deadline:
        time.sleep(0.2)
        now = _count(stack, labels)
        if now != last:
            last, changed = now, time.monotonic()


def sweeper_ticks(stack: LocalStack, ticks: int) -> dict[str, Any]:
    """`ticks` sweeper ticks invoked one after the other through the stack, as its rate(1 minute)
    rule invokes it (events/sweeper_tick.json, dated now): on the stack left idle, idle ticks."""
    logical_id = next(k for k, pool in stack.pools.items() if pool.spec.label == "sweeper")
    event = json.loads((ROOT / "events" / "sweeper_tick.json").read_text())
    window = Window(stack, {"sweeper"})
    for _ in range(ticks):
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        stack.invoke(logical_id, {**event, "id": str(uuid.uuid4()), "time": now})
    return window.close(what=f"{ticks} sweeper ticks invoked directly, one after the other")
