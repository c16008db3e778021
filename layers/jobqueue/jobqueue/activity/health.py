"""`GET /v1/health`: a 0-100 score from named signals, each with a recommendation when it
weighs on the score.

    score = 100 - sum(weight * severity)      severity of each signal in [0, 1]

| signal | value | severity 0 .. 1 | weight |
|---|---|---|---|
| failure_rate | final failures / finished jobs, last 24 h | 0 at 0 .. 1 at 25 % | 35 |
| timeout_rate | timed-out attempts / ended attempts, last 24 h | 0 at 0 .. 1 at 10 % | 10 |
| backlog | waiting jobs / max_queued_jobs | 0 at 50 % .. 1 at 100 % | 20 |
| oldest_queued_age_ms | age of the oldest due job not started | 0 at 60 s .. 1 at 15 min | 15 |
| slot_saturation | running / max_concurrent_jobs | 0 at 80 % .. 1 at 100 % | 10 |
| daily_quota | jobs admitted today / max_daily_jobs | 0 at 80 % .. 1 at 100 % | 10 |

healthy at 80 or more, warning from 50, critical below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobqueue.activity.reports import combined, rate
from jobqueue.activity.tally import TIMEOUT_ERROR, HourTally, Tally
from jobqueue.models.counters import CounterUsage
from jobqueue.tiers import TenantLimits

HEALTHY_FROM = 80
WARNING_FROM = 50
MIN_RUNS = 5  # a handler is named only with at least this many ended attempts


@dataclass(frozen=True)
class Signal:
    name: str
    value: float | None
    weight: int
    low: float  # severity 0 at or below
    high: float  # severity 1 at or above

    @property
    def severity(self) -> float:
        if self.value is None or self.value <= self.low:
            return 0.0
        return min(1.0, (self.value - self.low) / (self.high - self.low))

    @property
    def penalty(self) -> float:
        return self.weight * self.severity


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def health(
    hours: Mapping[datetime, HourTally],
    usage: CounterUsage,
    limits: TenantLimits,
    queue_length: int,
    oldest_queued_age_ms: int | None,
) -> dict[str, Any]:
    tally = combined(hours.values())
    timeouts = tally.errors[TIMEOUT_ERROR]
    signals = [
        Signal("failure_rate", _share(tally.final_failures, tally.finished), 35, 0.0, 0.25),
        Signal("timeout_rate", _share(timeouts, tally["ended"]), 10, 0.0, 0.10),
        Signal(
            "backlog",
            _share(usage.waiting, limits.max_queued_jobs) if limits.max_queued_jobs else 1.0,
            20,
            0.5,
            1.0,
        ),
        Signal("oldest_queued_age_ms", oldest_queued_age_ms, 15, 60_000, 900_000),
        Signal("slot_saturation", _share(usage.running, limits.max_concurrent_jobs), 10, 0.8, 1.0),
        Signal(
            "daily_quota",
            _share(usage.daily_count, limits.max_daily_jobs) if limits.max_daily_jobs else 1.0,
            10,
            0.8,
            1.0,
        ),
    ]
    score = max(0, round(100 - sum(s.penalty for s in signals)))
    status = "healthy" if score >= HEALTHY_FROM else "warning" if score >= WARNING_FROM else "critical"
    return {
        "health_score": score,
        "health_status": status,
        "success_rate": rate(tally["completed"], tally.finished),
        "queue_length": queue_length,
        "oldest_queued_age_ms": oldest_queued_age_ms,
        "signals": {
            s.name: {
                "value": None if s.value is None else round(s.value, 4),
                "weight": s.weight,
                "penalty": round(s.penalty, 1),
            }
            for s in signals
        },
        "recommendations": recommendations(signals, hours, usage, limits),
    }


def recommendations(
    signals: list[Signal], hours: Mapping[datetime, HourTally], usage: CounterUsage, limits: TenantLimits
) -> list[dict[str, str]]:
    by_name = {s.name: s for s in signals}
    out = []
    if by_name["failure_rate"].severity or by_name["timeout_rate"].severity:
        worst = _worst_handler(hours)
        if worst is None:
            share = by_name["failure_rate"].value or 0.0
            out.append(
                {
                    "signal": "failure_rate",
                    "message": f"{share:.0%} of the jobs that ended in 24 h failed: see errors_by_type of GET /v1/metrics/performance?handler=...",
                }
            )
        else:
            handler, share, error = worst
            signal = (
                "timeout_rate"
                if error == TIMEOUT_ERROR and by_name["timeout_rate"].severity
                else "failure_rate"
            )
            advice = (
                "raise its timeout_seconds or make it faster"
                if error == TIMEOUT_ERROR
                else "look at its last_result errors"
            )
            out.append(
                {
                    "signal": signal,
                    "message": f"check handler {handler}: {share:.0%} of its runs fail with {error}; {advice}",
                }
            )
    if by_name["backlog"].severity:
        out.append(
            {
                "signal": "backlog",
                "message": f"raise max_queued_jobs or submit more slowly: {usage.waiting} of {limits.max_queued_jobs} waiting places are taken",
            }
        )
    if by_name["oldest_queued_age_ms"].severity:
        age = (by_name["oldest_queued_age_ms"].value or 0) / 1000
        out.append(
            {
                "signal": "oldest_queued_age_ms",
                "message": f"a due job has waited {age:.0f} s to start: raise max_concurrent_jobs or look for slow handlers",
            }
        )
    if by_name["slot_saturation"].severity:
        out.append(
            {
                "signal": "slot_saturation",
                "message": f"raise max_concurrent_jobs: {usage.running} of {limits.max_concurrent_jobs} slots are in use",
            }
        )
    if by_name["daily_quota"].severity:
        out.append(
            {
                "signal": "daily_quota",
                "message": f"raise max_daily_jobs: {usage.daily_count} of {limits.max_daily_jobs} jobs admitted today",
            }
        )
    return out


def _worst_handler(hours: Mapping[datetime, HourTally]) -> tuple[str, float, str] | None:
    """The handler with the highest share of failed runs (ended attempts), with its most
    common error type; None when no handler has failed runs."""
    per_handler: dict[str, Tally] = {}
    for hour in hours.values():
        for name, tally in hour.by_handler.items():
            per_handler.setdefault(name, Tally()).merge(tally)
    worst = None
    for name, tally in sorted(per_handler.items()):
        failed_runs = sum(tally.errors.values())
        if tally["ended"] < MIN_RUNS or not failed_runs:
            continue
        share = failed_runs / tally["ended"]
        if worst is None or share > worst[1]:
            worst = (name, share, tally.errors.most_common(1)[0][0])
    return worst
