"""What `LocalStack.stats()` reports: per function its environments, invocations, errors and
invocation durations (the last ones its pool keeps: n, mean/min/p50/p95/max in ms);
how late the clock fired (all fires, rules, Scheduler schedules: n/min/p50/p95/max in ms); how
many EMF records and metric datums reached moto."""

from __future__ import annotations

from typing import Any

from local.clock import Clock
from local.emf import MetricsSink
from local.function_pool import FunctionPool
from local.function_specs import FunctionSpec


def stack_stats(
    specs: dict[str, FunctionSpec],
    pools: dict[str, FunctionPool],
    clock: Clock | None,
    metrics: MetricsSink | None,
) -> dict[str, Any]:
    fires = list(clock.fires) if clock else []
    lateness = sorted(fire.lateness_ms for fire in fires)
    by_kind = {
        kind: sorted(fire.lateness_ms for fire in fires if fire.schedule.kind == kind)
        for kind in ("rule", "scheduler")
    }
    return {
        "functions": {
            spec.label: {
                "environments": pool.size,
                "invocations": pool.invocations,
                "errors": pool.errors,
                "duration_ms": _with_mean([d.ms for d in list(pool.durations)]),
            }
            for spec, pool in ((specs[k], p) for k, p in pools.items())
        },
        "schedule_fires": len(lateness),
        "schedule_lateness_ms": _summary(lateness),
        "rule_fire_lateness_ms": _summary(by_kind["rule"]),
        "scheduler_fire_lateness_ms": _summary(by_kind["scheduler"]),
        "metrics": {
            "emf_records": metrics.records if metrics else 0,
            "datums": metrics.datums if metrics else 0,
        },
    }


def _with_mean(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {**_summary(sorted(values)), "mean": round(sum(values) / len(values), 1)}


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "min": round(values[0], 1),
        "p50": round(values[len(values) // 2], 1),
        "p95": round(values[min(len(values) - 1, int(len(values) * 0.95))], 1),
        "max": round(values[-1], 1),
    }
