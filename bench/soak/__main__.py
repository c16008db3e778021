"""`make soak`: the fault soak through the local stack (docs/reliability.md, "Fault soak").

    .venv/bin/python -m bench.soak [--jobs N] [--seed S] [--short] [--json out.json] [--keep]

Starts a local stack with faults injected by configuration (local/faults.py), submits a mix of
job types for several tenants (some at their limits) until N jobs are accepted, turns the faults
off, waits for the drain and checks: nothing accepted lost, no attempt run twice, counters and
aggregates equal to the recount from the job records, no tenant over its concurrency limit, and
how long the system took to recover. Prints a summary; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.soak.config import SoakConfig
from bench.soak.report import summary
from bench.soak.run import run


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, help=f"jobs to accept (default {SoakConfig.jobs}; --short: 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--short", action="store_true", help="a few hundred jobs, about a minute (the test's run)"
    )
    parser.add_argument("--sweep-every", type=float, help="extra sweeper ticks every N s (--short: 10)")
    parser.add_argument(
        "--drain-timeout", type=float, help="seconds after the faults stop to settle everything"
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work dir (ledger, fault log, stack log)"
    )
    parser.add_argument("--verbose", action="store_true", help="the stack's log on stdout")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> SoakConfig:
    config = SoakConfig.short_run(args.seed) if args.short else SoakConfig(seed=args.seed)
    if args.jobs:
        config.jobs = args.jobs
    if args.sweep_every is not None:
        config.sweep_every = args.sweep_every or None
    if args.drain_timeout:
        config.drain_timeout = args.drain_timeout
    return config


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    config = config_from(args)
    workdir = Path(tempfile.mkdtemp(prefix="jobq-soak-"))
    report = run(config, workdir, args.verbose)
    print(summary(report), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    if report["passed"] and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
