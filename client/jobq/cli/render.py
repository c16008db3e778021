"""How the CLI shows answers: raw JSON for `--json`, else Rich tables, sparklines and bars."""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from jobq.models import Job, TrendBucket

SPARKS = "▁▂▃▄▅▆▇█"
STATUS_STYLES = {
    "completed": "green",
    "failed": "red",
    "timed_out": "red",
    "cancelled": "yellow",
    "processing": "cyan",
    "queued": "blue",
    "pending": "magenta",
    "firing": "red",
    "acknowledged": "yellow",
    "resolved": "green",
}


def out() -> Console:
    """Standard output; no markup is parsed (API text may hold brackets): styles come as `Text`."""
    return Console(highlight=False, markup=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, markup=False)


def print_json(data: Any) -> None:
    """The answer as JSON on stdout, for scripts (`jq`, `json.loads`)."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def text(value: Any) -> str:
    """A value for a cell: `-` for none, times without microseconds, rates as percentages."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def short_time(value: datetime | None) -> str:
    """For tables: month-day and time (the year is rarely news)."""
    return "-" if value is None else value.strftime("%m-%d %H:%M:%S")


def rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def status(value: str) -> Text:
    return Text(value, style=STATUS_STYLES.get(value, ""))


def line(*parts: str | Text | tuple[str, str]) -> Text:
    """A line of plain strings, `Text`s and (text, style) pairs."""
    return Text.assemble(*parts)


def pairs(rows: Iterable[tuple[str, Any]], title: str | None = None) -> Table:
    """A two-column table of names and values (a `Text` keeps its style, others via `text`)."""
    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value if isinstance(value, str | Text) else text(value))
    return table


def job_table(jobs: Sequence[Job], width: int) -> Table:
    """A row per job; type and priority only when the terminal has room (100 columns)."""
    wide = width >= 100
    names = ["ID", "STATUS", "HANDLER", *(["TYPE", "PRIORITY"] if wide else []), "TRIES", "CREATED"]
    table = Table(box=None, pad_edge=False)
    for name in names:
        table.add_column(name, no_wrap=True, overflow="ellipsis", min_width=26 if name == "ID" else None)
    for job in jobs:
        extra = [job.type, job.priority] if wide else []
        table.add_row(
            job.id, status(job.status), job.handler, *extra, str(job.attempts), short_time(job.created_at)
        )
    return table


def job_details(job: Job) -> Table:
    rows: list[tuple[str, Any]] = [
        ("id", job.id),
        ("handler", job.handler),
        ("type", job.type),
        ("status", status(job.status)),
        ("reason", job.status_reason),
        ("priority", job.priority),
        ("attempts", f"{job.attempts} (max retries {job.max_retries})"),
        ("created", job.created_at),
        ("scheduled for", job.scheduled_for),
        ("started", job.started_at),
        ("completed", job.completed_at),
    ]
    if job.cron:
        rows += [
            ("cron", f"{job.cron} ({job.timezone or 'UTC'})"),
            ("enabled", job.enabled),
            ("runs", f"{job.run_count}" + (f" of {job.max_runs}" if job.max_runs else "")),
            ("next run", job.next_run_at),
        ]
    if job.parent_id:
        rows.append(("parent", job.parent_id))
    rows.append(("payload", job.payload))
    if job.last_result is not None:
        result = job.last_result
        if result.success:
            rows.append(("result", result.result))
        else:
            rows.append(("error", f"{result.error_type}: {result.error_message}"))
    return pairs((name, value) for name, value in rows if value is not None)


def sparkline(values: Sequence[float]) -> str:
    """One character per value, from ▁ (zero) to █ (the largest); blank when all are zero."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, round(v / top * (len(SPARKS) - 1)))] for v in values)


def bar(value: float, top: float, width: int = 30) -> str:
    if top <= 0 or value <= 0:
        return ""
    return "█" * max(1, round(value / top * width))


def trend_table(buckets: Sequence[TrendBucket]) -> Table:
    """One row per bucket: its start, submissions (green) and failures (red) on one scale."""
    top = max((b.total for b in buckets), default=0)
    table = Table(box=None, pad_edge=False)
    for name in ("START", "TOTAL", "FAILED", "SUCCESS", ""):
        table.add_column(name, no_wrap=True)
    for bucket in buckets:
        failed = bucket.failed + bucket.timed_out
        chart = line((bar(bucket.total, top), "green"), " ", (bar(failed, top), "red"))
        table.add_row(
            bucket.start.strftime("%m-%d %H:%M"),
            str(bucket.total),
            str(failed),
            rate(bucket.success_rate),
            chart,
        )
    return table
