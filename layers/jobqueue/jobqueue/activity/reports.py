"""Answers built from hour tallies: performance of a window (optionally one handler and one
job type), the buckets of a trend, and the window statistics of `/v1/usage`.

Rates are over jobs that ended with an outcome (completed, failed, timed out; cancellations
aside), so `success_rate + failure_rate == 1` and a retried attempt is not a failure. Times come
from the histograms: means exact, p95 within 4.8 % (`activity.histogram`). No data: null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jobqueue.activity.tally import HourTally, Tally, total
from jobqueue.activity.windows import Window
from jobqueue.times import iso


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def combined(hours: Iterable[HourTally], job_type: str | None = None) -> Tally:
    """The sum of the hours, over every job type or one."""
    if job_type is None:
        return total(hour.total() for hour in hours)
    return total(hour.by_type[job_type] for hour in hours if job_type in hour.by_type)


def outcome_fields(tally: Tally) -> dict[str, Any]:
    return {
        "completed": tally["completed"],
        "failed": tally["failed"],
        "timed_out": tally["timed_out"],
        "success_rate": rate(tally["completed"], tally.finished),
        "failure_rate": rate(tally.final_failures, tally.finished),
        "avg_execution_ms": _ms(tally.execution.mean),
        "p95_execution_ms": _ms(tally.execution.quantile(0.95)),
    }


def performance(
    hours: Mapping[datetime, HourTally], span: Window, handler: str | None, job_type: str | None
) -> dict[str, Any]:
    tally = combined(hours.values(), job_type)
    return {
        "handler": handler,
        "type": job_type,
        "start": iso(span.start),
        "end": iso(span.end),
        "executions": tally["ended"],
        **outcome_fields(tally),
        "submitted": tally["submitted"],
        "started": tally["started"],
        "retried": tally["retried"],
        "cancelled": tally["cancelled"],
        "p50_execution_ms": _ms(tally.execution.quantile(0.5)),
        "p99_execution_ms": _ms(tally.execution.quantile(0.99)),
        "avg_queue_wait_ms": _ms(tally.queue_wait.mean),
        "p95_queue_wait_ms": _ms(tally.queue_wait.quantile(0.95)),
        "errors_by_type": dict(tally.errors.most_common()),
    }


def trend(hours: Mapping[datetime, HourTally], buckets: list[Window]) -> list[dict[str, Any]]:
    """One entry per bucket, in order; a bucket without activity has zeros and nulls."""
    out = []
    for bucket in buckets:
        tally = combined(hour for at, hour in hours.items() if bucket.start <= at < bucket.end)
        out.append(
            {
                "start": iso(bucket.start),
                "end": iso(bucket.end),
                "total": tally["submitted"],
                **outcome_fields(tally),
                "cancelled": tally["cancelled"],
                "retried": tally["retried"],
            }
        )
    return out


def usage_window(hours: Mapping[datetime, HourTally], span: Window) -> dict[str, Any]:
    """`/v1/usage`'s `window`: what happened in it, exact (any number of jobs)."""
    tally = combined(hours.values())
    by_type = {
        t: n
        for t in sorted({t for h in hours.values() for t in h.by_type})
        if (n := combined(hours.values(), t)["submitted"])
    }
    return {
        "start": iso(span.start),
        "end": iso(span.end),
        "total": tally["submitted"],
        "finished": tally.finished,
        "success_rate": rate(tally["completed"], tally.finished),
        "failure_rate": rate(tally.final_failures, tally.finished),
        "avg_execution_ms": _ms(tally.execution.mean),
        "by_type": by_type,
        "by_status": {
            name: tally[name] for name in ("completed", "failed", "timed_out", "cancelled") if tally[name]
        },
        "retried": tally["retried"],
        "truncated": False,
    }
