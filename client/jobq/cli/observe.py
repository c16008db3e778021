"""Catalogue and observability commands: handlers, usage, health, trends, metrics, queue,
alerts (and `alerts ack`, `alerts rules`), events."""

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from jobq.cli import choices, render
from jobq.cli.state import JsonFlag, api_errors, state, wants_json
from jobq.models import Event, QueueDepth

app = typer.Typer()
alerts_app = typer.Typer(help="List alerts (default), acknowledge one, show the rules.")
app.add_typer(alerts_app, name="alerts")

Start = Annotated[str | None, typer.Option(help="RFC 3339 with an offset (default: end - 24 h).")]
End = Annotated[str | None, typer.Option(help="RFC 3339 with an offset (default: now).")]


@app.command()
@api_errors
def handlers(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """List the registered handlers."""
    found = state(ctx).client().handlers()
    if wants_json(ctx, json_output):
        render.print_json({"handlers": [h.raw for h in found]})
        return
    table = Table(box=None, pad_edge=False)
    for name in ("NAME", "CATEGORY", "JOB TYPES", "TIMEOUT", "DESCRIPTION"):
        table.add_column(name, overflow="fold")
    for h in found:
        timeout = f"{h.default_timeout_seconds}s" if h.default_timeout_seconds else "-"
        table.add_row(h.name, h.category, ",".join(h.job_types), timeout, h.description)
    render.out().print(table)


@app.command()
@api_errors
def usage(ctx: typer.Context, start: Start = None, end: End = None, json_output: JsonFlag = False) -> None:
    """Show the tenant's counters against its limits, warnings, and a window's statistics."""
    answer = state(ctx).client().usage(start, end)
    if wants_json(ctx, json_output):
        render.print_json(answer.raw)
        return
    limits = answer.limits
    rows = [
        ("tenant", f"{answer.tenant_id} (tier {answer.tier})"),
        ("waiting", f"{answer.queued} of {render.text(limits.max_queued_jobs)}"),
        ("running", f"{answer.running} of {render.text(limits.max_concurrent_jobs)}"),
        (f"today ({answer.day})", f"{answer.daily_count} of {render.text(limits.max_daily_jobs)}"),
        ("job types", ", ".join(limits.allowed_job_types or [])),
    ]
    if answer.window is not None:
        w = answer.window
        rows += [
            ("window", f"{w.start} to {w.end}"),
            ("submitted", str(w.total)),
            ("finished", f"{w.finished} (success {render.rate(w.success_rate)})"),
            ("by status", render.text(w.by_status)),
        ]
    console = render.out()
    console.print(render.pairs(rows))
    for warning in answer.warnings:
        console.print(render.line(("warning: ", "yellow"), warning))


@app.command()
@api_errors
def health(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """Show the health score, its signals and recommendations."""
    answer = state(ctx).client().health()
    if wants_json(ctx, json_output):
        render.print_json(answer.raw)
        return
    console = render.out()
    console.print(f"health {answer.health_score}/100: {answer.health_status}")
    table = Table(box=None, pad_edge=False)
    for name in ("SIGNAL", "VALUE", "WEIGHT", "PENALTY"):
        table.add_column(name)
    for name, signal in answer.signals.items():
        table.add_row(name, render.text(signal.value), str(signal.weight), render.text(signal.penalty))
    console.print(table)
    for item in answer.recommendations:
        console.print(f"- {item.signal}: {item.message}")


@app.command()
@api_errors
def trends(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help="ISO 8601: P7D, PT12H, P1DT6H (at most P31D).")] = "P1D",
    interval: Annotated[choices.Interval, typer.Option(help="Bucket size.")] = choices.Interval.PT1H,
    json_output: JsonFlag = False,
) -> None:
    """Chart submissions and failures per interval."""
    answer = state(ctx).client().trends(period, interval)
    if wants_json(ctx, json_output):
        render.print_json(answer.raw)
        return
    buckets = answer.buckets
    totals = [b.total for b in buckets]
    failures = [b.failed + b.timed_out for b in buckets]
    console = render.out()
    console.print(f"{answer.period} by {answer.interval}: {len(buckets)} buckets")
    console.print(f"total  {render.sparkline(totals)}  sum {sum(totals)}, max {max(totals, default=0)}")
    console.print(render.line("failed ", (render.sparkline(failures), "red"), f"  sum {sum(failures)}"))
    console.print(render.trend_table(buckets))


@app.command()
@api_errors
def metrics(
    ctx: typer.Context,
    handler: Annotated[str | None, typer.Option(help="One handler.")] = None,
    type: Annotated[choices.JobType | None, typer.Option("--type")] = None,
    start: Start = None,
    end: End = None,
    json_output: JsonFlag = False,
) -> None:
    """Show performance: counts, rates, p95 execution and queue wait."""
    p = state(ctx).client().metrics(handler, type, start, end)
    if wants_json(ctx, json_output):
        render.print_json(p.raw)
        return
    rows = [
        ("window", f"{render.text(p.start)} to {render.text(p.end)}"),
        ("handler / type", f"{p.handler or 'all'} / {p.type or 'all'}"),
        (
            "executions",
            f"{p.executions} (completed {p.completed}, failed {p.failed}, timed out {p.timed_out})",
        ),
        ("success rate", render.rate(p.success_rate)),
        ("execution ms", f"avg {render.text(p.avg_execution_ms)}, p95 {render.text(p.p95_execution_ms)}"),
        ("queue wait ms", f"avg {render.text(p.avg_queue_wait_ms)}, p95 {render.text(p.p95_queue_wait_ms)}"),
        ("errors", render.text(p.errors_by_type or None)),
    ]
    render.out().print(render.pairs(rows))


@app.command()
@api_errors
def queue(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Admin keys: this tenant's queue.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Show due jobs by priority, scheduled, recurring, running (admin: the SQS queues)."""
    q = state(ctx).client().queue(tenant)
    if wants_json(ctx, json_output):
        render.print_json(q.raw)
        return
    console = render.out()
    if q.queued is not None:
        by_priority = ", ".join(f"{k} {v}" for k, v in (q.queued_by_priority or {}).items())
        rows = [
            ("queued", f"{q.queued} ({by_priority})"),
            ("scheduled", q.scheduled),
            ("recurring", q.recurring),
            ("processing", q.processing),
            ("oldest queued", "-" if q.oldest_queued_age_ms is None else f"{q.oldest_queued_age_ms} ms"),
        ]
        console.print(render.pairs(rows))
    if q.queues:
        console.print(queue_table(q.queues))


def queue_table(queues: list[QueueDepth]) -> Table:
    table = Table(box=None, pad_edge=False)
    for name in ("QUEUE", "VISIBLE", "IN FLIGHT", "DELAYED", "OLDEST"):
        table.add_column(name, no_wrap=True)
    for d in queues:
        oldest = "-" if d.oldest_message_age_seconds is None else f"{d.oldest_message_age_seconds}s"
        table.add_row(d.name, str(d.visible), str(d.in_flight), str(d.delayed), oldest)
    return table


@alerts_app.callback(invoke_without_command=True)
@api_errors
def alerts(
    ctx: typer.Context,
    status: Annotated[choices.AlertStatus | None, typer.Option()] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=200)] = None,
    json_output: JsonFlag = False,
) -> None:
    """List alerts, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    found = state(ctx).client().alerts(status, limit)
    if wants_json(ctx, json_output):
        render.print_json({"alerts": [a.raw for a in found]})
        return
    console = render.out()
    if not found:
        console.print("no alerts" + (f" {status.value}" if status else ""))
    for a in found:
        console.print(
            render.line(f"{a.id}  ", render.status(a.status), f"  {a.rule}  {render.short_time(a.fired_at)}")
        )
        console.print(f"    {a.message}")


@alerts_app.command("ack")
@api_errors
def ack(
    ctx: typer.Context, alert_id: Annotated[str, typer.Argument(metavar="ID")], json_output: JsonFlag = False
):
    """Acknowledge a firing alert (quiet until it resolves)."""
    alert = state(ctx).client().ack_alert(alert_id)
    if wants_json(ctx, json_output):
        render.print_json(alert.raw)
    else:
        render.out().print(f"{alert.id} {alert.status}")


@alerts_app.command("rules")
@api_errors
def rules(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """Show the alert rules (the defaults until the tenant sets its own)."""
    answer = state(ctx).client().alert_rules()
    if wants_json(ctx, json_output):
        render.print_json(answer.raw)
        return
    table = Table(box=None, pad_edge=False, title="default rules" if answer.defaults else None)
    for name in ("NAME", "RULE", "WINDOW", "MIN SAMPLES", "COOLDOWN", "ENABLED"):
        table.add_column(name, no_wrap=True)
    for r in answer.rules:
        rule = f"{r.metric} {r.operator} {render.text(r.threshold)}"
        table.add_row(
            r.name,
            rule,
            f"{r.window_minutes}m",
            str(r.min_samples),
            f"{r.cooldown_minutes}m",
            render.text(r.enabled),
        )
    render.out().print(table)
    if answer.webhook_url:
        render.out().print(f"webhook: {answer.webhook_url}")


@app.command()
@api_errors
def events(
    ctx: typer.Context,
    after: Annotated[str | None, typer.Option(help="A `next_cursor`: only later events.")] = None,
    job: Annotated[str | None, typer.Option("--job", help="Only this job's events.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=500, help="Page size (default 100).")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep polling for new events.")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="With --follow: seconds between polls.")] = 2.0,
    count: Annotated[int | None, typer.Option(min=1, help="With --follow: stop after this many.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Show lifecycle events in order; --follow prints new ones as they come (Ctrl-C stops)."""
    client = state(ctx).client()
    as_json = wants_json(ctx, json_output)
    console = render.out()
    if not follow:
        page = client.events(after, job, limit)
        if as_json:
            render.print_json(page.raw)
            return
        for event in page.events:
            console.print(event_line(event))
        if page.next_cursor:
            console.print(f"next: --after {page.next_cursor}")
        return
    shown = 0
    try:
        for event in client.follow_events(after, job, limit, poll_interval=interval):
            if as_json:
                print(render.text(event.raw), flush=True)  # one JSON document per line
            else:
                console.print(event_line(event))
            shown += 1
            if count is not None and shown >= count:
                return
    except KeyboardInterrupt:
        return


def event_line(event: Event) -> Text:
    previous = f"{event.previous_status} -> " if event.previous_status else ""
    head = f"{render.short_time(event.at)}  {event.job_id}  {event.handler}  {previous}"
    return render.line(head, render.status(event.status), f"  #{event.attempt}")
