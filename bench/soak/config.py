"""What a soak run does: its size and timings, the faults it injects, and its tenants.

Two shapes: the default run (`make soak`, about 5 minutes on 2 cores; `--jobs 10000` for the
long one) and `--short` (a few hundred jobs, about a minute, the run of tests/e2e/test_soak.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL_CATEGORIES = ["notification", "scheduled", "maintenance", "cleanup", "data_sync", "custom_processing"]


@dataclass(frozen=True)
class TenantPlan:
    """A soak tenant: its tier and overrides, and how it is loaded."""

    tenant_id: str
    tier: int
    limits: dict[str, Any]
    role: str  # "mixed": the job mix; "busy": always at its concurrency limit; "full": near max_queued_jobs
    weight: float = 0.0  # its share of the mixed submissions


TENANTS = [
    TenantPlan("soak-large", 3, {"max_daily_jobs": 1_000_000}, "mixed", 0.55),
    TenantPlan("soak-medium", 2, {"max_daily_jobs": 1_000_000, "max_queued_jobs": 150}, "mixed", 0.30),
    TenantPlan("soak-small", 1, {"max_daily_jobs": 1_000_000, "max_queued_jobs": 40}, "mixed", 0.15),
    # At its max_concurrent_jobs the whole time: more work offered than two slots can run.
    TenantPlan("soak-busy", 3, {"max_daily_jobs": 1_000_000, "max_concurrent_jobs": 2}, "busy"),
    # Near its max_queued_jobs: bursts bigger than its waiting places (its 429s are expected).
    TenantPlan("soak-full", 2, {"max_daily_jobs": 1_000_000, "max_queued_jobs": 8}, "full"),
]

# The job mix of the "mixed" tenants: kind -> weight (bench/soak/workload.py builds each kind).
MIX = {
    "immediate": 40,
    "delayed": 8,
    "scheduled": 5,
    "flaky": 9,
    "failing": 3,
    "final": 3,
    "timeout": 4,
    "batch": 9,
    "dependent": 8,
    "cancel": 3,
    "idempotent": 3,
}


def faults(seed: int, switch: str, log: str, *, short: bool) -> dict[str, Any]:
    """The fault configuration (local/faults.py). The short run's rates are higher so that a
    few hundred jobs still meet every fault several times."""
    scale = 2.0 if short else 1.0
    return {
        "seed": seed,
        "switch": switch,
        "log": log,
        "dynamodb": {"throttle": 0.02, "server_error": 0.01, "exhausted": 0.002 * scale},
        "functions": {
            "WorkerFunction": {"kill_on_dynamodb": 0.0015 * scale},
            "ApiFunction": {"kill_before_send": 0.015 * scale},
            "StreamFunction": {"fail_before": 0.04 * scale**2, "fail_after": 0.04 * scale**2},
        },
        "sqs": {"duplicate": 0.05},
        "schedules": {"duplicate": 0.5},
    }


@dataclass
class SoakConfig:
    jobs: int = 900  # accepted jobs to reach (batch items count one each)
    seed: int = 1
    short: bool = False
    submitters: int = 3  # HTTP submitting threads for the mixed tenants
    max_backlog: int = 150  # visible messages in the band queues above which submitting pauses
    recurring: int = 2  # cron jobs (every minute, max_runs 2); only when the run is long enough
    dispatch_grace_seconds: int = 30  # DISPATCH_GRACE_SECONDS of the functions (default 300)
    lease_grace_seconds: int = 10  # LEASE_GRACE_SECONDS (default 30)
    sweep_every: float | None = None  # extra sweeper ticks (s) besides the template's rate(1 minute)
    drain_timeout: float = 300.0  # after the faults stop, to settle every job and counter
    worker_timeout: str = "30"  # WorkerTimeoutSeconds: queue visibility timeout 180 s
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def short_run(cls, seed: int = 1) -> SoakConfig:
        return cls(
            jobs=200,
            seed=seed,
            short=True,
            submitters=4,
            recurring=0,
            dispatch_grace_seconds=10,
            lease_grace_seconds=5,
            sweep_every=8.0,
            drain_timeout=90.0,
        )
