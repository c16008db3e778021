"""The value of a rule's metric now, and how many samples it stands on."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobqueue.activity.tally import Tally, total
from jobqueue.models.alerts import AlertMetric, AlertRule
from jobqueue.models.counters import CounterUsage
from jobqueue.tiers import TenantLimits


@dataclass(frozen=True)
class Reading:
    value: float | None
    samples: float  # jobs that ended in the window; gauges are always judged (infinite samples)

    def breaches(self, rule: AlertRule) -> bool:
        return self.value is not None and self.samples >= rule.min_samples and rule.breached(self.value)


def window_tally(minutes: Mapping[datetime, Tally], now: datetime, window_minutes: int) -> Tally:
    """The minute buckets covering the last `window_minutes`: the current (partial) minute and
    the `window_minutes` whole minutes before it."""
    last = now.replace(second=0, microsecond=0)
    first = last - timedelta(minutes=window_minutes)
    return total(tally for minute, tally in minutes.items() if first <= minute <= last)


def measure(
    rule: AlertRule,
    minutes: Mapping[datetime, Tally],
    usage: CounterUsage,
    limits: TenantLimits,
    now: datetime,
) -> Reading:
    if rule.metric is AlertMetric.FAILURE_RATE:
        tally = window_tally(minutes, now, rule.window_minutes)
        value = tally.final_failures / tally.finished if tally.finished else None
        return Reading(value, tally.finished)
    if rule.metric is AlertMetric.P95_EXECUTION_MS:
        tally = window_tally(minutes, now, rule.window_minutes)
        return Reading(tally.execution.quantile(0.95), tally.execution.count)
    if rule.metric is AlertMetric.WAITING_JOBS:
        return Reading(float(usage.waiting), math.inf)
    return Reading(usage.running / limits.max_concurrent_jobs, math.inf)


def describe(rule: AlertRule, reading: Reading) -> str:
    value = reading.value
    shown = "n/a" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.3g}"
    where = (
        f" over the last {rule.window_minutes} min ({reading.samples:.0f} samples)"
        if math.isfinite(reading.samples)
        else ""
    )
    return f"{rule.metric.value} is {shown}{where}; rule {rule.name}: {rule.operator} {rule.threshold:g}"
