"""The soak's verdict (one line per check), the summary it prints, and its JSON figures."""

from __future__ import annotations

from typing import Any


def verdicts(report: dict[str, Any]) -> list[tuple[str, bool, str]]:
    lost, attempts = report["lost"], report["attempts"]
    listing = lost["api_listing"]
    recovery = report["recovery"]
    peaks = report["concurrency"]
    over = {t: p for t, p in peaks.items() if p["peak"] > p["limit"]}
    busy = peaks.get("soak-busy", {})
    withdrawn = report["withdrawn"]
    known = f" ({len(withdrawn)} withdrawn submission(s) still counted: known issue)" if withdrawn else ""
    return [
        (
            "accepted jobs lost",
            lost["lost"] == 0
            and not listing.get("error")
            and not listing["accepted_not_listed"]
            and not listing["status_differs"]
            and not lost["unacknowledged_unsettled"],
            f"{lost['lost']} of {lost['accepted']} accepted ({lost['unacknowledged_written']} more written by "
            f"requests whose answer was lost, all settled: {not lost['unacknowledged_unsettled']})",
        ),
        (
            "attempts run twice",
            attempts["duplicate_attempts"] == 0
            and not attempts["attempts_of_unknown_jobs"]
            and not attempts["attempts_beyond_the_record"]
            and not attempts["completed_without_a_run"]
            and not attempts["idempotent_repeats_with_another_job"],
            f"{attempts['duplicate_attempts']} of {attempts['attempts_started']} attempts started",
        ),
        (
            "counter drift (usage vs records)",
            not report["counter_drift"],
            "0 tenants off" if not report["counter_drift"] else f"{len(report['counter_drift'])} tenants off",
        ),
        (
            "aggregate drift (performance vs histories)",
            not report["activity_drift"],
            (
                "0 tenants off"
                if not report["activity_drift"]
                else f"{len(report['activity_drift'])} tenants off"
            )
            + known,
        ),
        (
            "event feed (each history entry once)",
            not report["feed_problems"],
            f"{report['feed_events']} events" if not report["feed_problems"] else "see feed_problems",
        ),
        (
            "peak concurrency <= limit",
            not over,
            ", ".join(f"{t.removeprefix('soak-')} {p['peak']}/{p['limit']}" for t, p in peaks.items())
            + (f" (busy tenant at its limit: {busy.get('peak') == busy.get('limit')})" if busy else ""),
        ),
        (
            "recovered after the faults stopped",
            recovery["seconds"] is not None,
            f"{recovery['seconds']:.1f} s"
            if recovery["seconds"] is not None
            else f"not within {recovery['timeout']:.0f} s",
        ),
    ]


def summary(report: dict[str, Any]) -> str:
    lines = ["", "fault soak " + ("PASSED" if report["passed"] else "FAILED"), ""]
    width = max(len(name) for name, _, _ in report["verdicts"])
    for name, ok, figure in report["verdicts"]:
        lines.append(f"  {'ok  ' if ok else 'FAIL'}  {name:<{width}}  {figure}")
    run = report["run"]
    lines += [
        "",
        f"  jobs accepted {report['lost']['accepted']} ({run['submit_seconds']:.0f} s of submitting, "
        f"{run['rate']:.1f} jobs/s), records {report['lost']['records']} (runs {report['lost']['runs']}), "
        f"whole run {run['total_seconds']:.0f} s",
        "  answers: " + ", ".join(f"{status} x{n}" for status, n in sorted(report["answers"].items())),
        f"  expected 429s (tenant near max_queued_jobs): {sum(report['expected_429'].values())}",
        "  faults injected: "
        + (", ".join(f"{k} x{n}" for k, n in sorted(report["faults"].items())) or "none"),
        "  recovery: "
        + ", ".join(
            f"{stage} +{delay:.1f} s"
            for stage, delay in report["recovery"]["stages"].items()
            if delay is not None
        )
        + " after the faults stopped",
        "  outcomes: " + ", ".join(f"{k} x{n}" for k, n in report["lost"]["outcomes"].items()),
    ]
    if report["lost"]["unexpected_outcomes"]:
        lines.append(
            "  outcomes a fault changed: "
            + "; ".join(f"{k} x{n}" for k, n in report["lost"]["unexpected_outcomes"].items())
        )
    if report["withdrawn"]:
        lines.append(
            "  KNOWN ISSUE: submissions answered 5xx whose record the api wrote and deleted again still count "
            f"in the tallies and the event feed (docs/reliability.md): {report['withdrawn']}"
        )
    lines.append("  settled last (s after the faults stopped):")
    lines += [f"    {line}" for line in report["stragglers"]]
    for key in ("counter_drift", "activity_drift", "feed_problems"):
        if report[key]:
            lines.append(f"  {key}: {report[key]}")
    for key in ("missing", "unsettled", "unacknowledged_unsettled"):
        if report["lost"][key]:
            lines.append(f"  {key}: {report['lost'][key]}")
    for key in (
        "duplicates",
        "attempts_of_unknown_jobs",
        "attempts_beyond_the_record",
        "completed_without_a_run",
    ):
        if report["attempts"][key]:
            lines.append(f"  {key}: {report['attempts'][key]}")
    lines.append(f"  work dir: {report['run']['workdir']}")
    return "\n".join(lines)
