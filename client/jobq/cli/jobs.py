"""Job commands: submit, get, list, watch, cancel, retry, pause, resume."""

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from jobq.cli import choices, render
from jobq.cli.state import JsonFlag, api_errors, json_argument, seconds, state, wants_json
from jobq.models import Job

app = typer.Typer()

Priority = Annotated[choices.Priority | None, typer.Option(help="Job priority.")]
Interval = Annotated[float, typer.Option("--interval", min=0.05, help="Seconds between polls.")]
Timeout = Annotated[float | None, typer.Option("--timeout", min=0, help="Give up after this many seconds.")]


def _finished(job: Job) -> Text:
    reason = f" ({job.status_reason})" if job.status_reason else ""
    return render.line(f"{job.id} ", render.status(job.status), reason)


@app.command()
@api_errors
def submit(
    ctx: typer.Context,
    handler: Annotated[str, typer.Argument(help="A registered handler (see `jobq handlers`).")],
    payload: Annotated[
        str | None, typer.Option("--payload", "-p", help="JSON object, @file, or - for stdin.")
    ] = None,
    delay: Annotated[str | None, typer.Option(help="Run after a delay: 90, 90s, 15m, 2h, 1d.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Run at an RFC 3339 time with an offset.")] = None,
    cron: Annotated[str | None, typer.Option(help="Run on a 5-field cron schedule.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone of --cron (default UTC).")] = None,
    max_runs: Annotated[int | None, typer.Option(help="At most this many cron runs.")] = None,
    end_at: Annotated[str | None, typer.Option(help="No cron run after this RFC 3339 time.")] = None,
    priority: Priority = None,
    max_retries: Annotated[int | None, typer.Option(help="Retries after a failed attempt (0-25).")] = None,
    timeout: Annotated[int | None, typer.Option("--timeout", help="Seconds an attempt may run.")] = None,
    depends_on: Annotated[list[str] | None, typer.Option(help="A job that must complete first.")] = None,
    callback_url: Annotated[str | None, typer.Option(help="POSTed the job when it ends.")] = None,
    metadata: Annotated[str | None, typer.Option(help="JSON object kept with the job.")] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="A repeat answers the first job.")] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until it ends; exit 1 unless completed.")
    ] = False,
    wait_timeout: Annotated[float | None, typer.Option(help="With --wait: give up after seconds.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Submit a job."""
    body = json_argument(payload, "--payload")
    if body is not None and not isinstance(body, dict):
        raise typer.BadParameter("the payload must be a JSON object", param_hint="--payload")
    client = state(ctx).client()
    job = client.submit(
        handler,
        body,
        idempotency_key=idempotency_key,
        delay_seconds=seconds(delay, "--delay"),
        run_at=at,
        cron=cron,
        timezone=tz,
        max_runs=max_runs,
        end_at=end_at,
        priority=priority,
        max_retries=max_retries,
        timeout_seconds=timeout,
        depends_on=depends_on or None,
        callback_url=callback_url,
        metadata=json_argument(metadata, "--metadata"),
    )
    as_json = wants_json(ctx, json_output)
    if not as_json:
        render.out().print(
            render.line(f"submitted {job.id} ({job.handler}, ", render.status(job.status), ")")
        )
    if wait:
        job = client.wait(job.id, timeout=wait_timeout)
    if as_json:
        render.print_json(job.raw)
    elif wait:
        render.out().print(render.job_details(job))
    if wait and job.status != "completed":
        raise typer.Exit(1)


@app.command()
@api_errors
def get(
    ctx: typer.Context, job_id: Annotated[str, typer.Argument(metavar="ID")], json_output: JsonFlag = False
):
    """Show a job."""
    job = state(ctx).client().get(job_id)
    if wants_json(ctx, json_output):
        render.print_json(job.raw)
    else:
        render.out().print(render.job_details(job))


@app.command("list")
@api_errors
def list_jobs(
    ctx: typer.Context,
    status: Annotated[choices.Status | None, typer.Option()] = None,
    type: Annotated[choices.JobType | None, typer.Option("--type")] = None,
    handler: Annotated[str | None, typer.Option()] = None,
    priority: Priority = None,
    parent: Annotated[str | None, typer.Option("--parent", help="Runs of this recurring job.")] = None,
    created_after: Annotated[str | None, typer.Option(help="RFC 3339 with an offset.")] = None,
    created_before: Annotated[str | None, typer.Option(help="RFC 3339 with an offset.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=100, help="Page size (default 50).")] = None,
    cursor: Annotated[str | None, typer.Option(help="`next_cursor` of the previous page.")] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Every page, not just the first.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """List jobs, newest first."""
    client = state(ctx).client()
    filters = {
        "status": status,
        "type": type,
        "handler": handler,
        "priority": priority,
        "parent_id": parent,
        "created_after": created_after,
        "created_before": created_before,
        "limit": limit,
        "cursor": cursor,
    }
    if all_pages:
        jobs, next_cursor = list(client.iter_jobs(**filters)), None
        raw = {"jobs": [job.raw for job in jobs], "next_cursor": None}
    else:
        page = client.list(**filters)
        jobs, next_cursor, raw = page.jobs, page.next_cursor, page.raw
    if wants_json(ctx, json_output):
        render.print_json(raw)
        return
    console = render.out()
    console.print(render.job_table(jobs, console.width))
    if next_cursor:
        console.print(f"more: --cursor {next_cursor} (or --all)")


@app.command()
@api_errors
def watch(
    ctx: typer.Context,
    job_ids: Annotated[list[str], typer.Argument(metavar="ID...", help="One or more job ids.")],
    interval: Interval = 1.0,
    timeout: Timeout = None,
    json_output: JsonFlag = False,
) -> None:
    """Follow jobs until they end; exit 0 when every one completed, else 1."""
    client = state(ctx).client()
    as_json = wants_json(ctx, json_output)
    ids = list(dict.fromkeys(job_ids))
    console = render.out()
    seen: dict[str, str] = {}
    finished: dict[str, Job] = {}

    def update(job: Job) -> None:
        if not as_json and len(ids) == 1 and seen.get(job.id) != job.status:
            console.print(render.line(f"{job.id} ", render.status(job.status)))
        seen[job.id] = job.status

    if len(ids) == 1 or as_json:
        for job in client.wait_all(ids, timeout=timeout, poll_interval=interval, on_update=update):
            finished[job.id] = job
    else:
        with Progress(
            TextColumn("finished"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("jobs", total=len(ids))
            for job in client.wait_all(ids, timeout=timeout, poll_interval=interval, on_update=update):
                finished[job.id] = job
                progress.console.print(_finished(job))
                progress.advance(task)
    jobs = [finished[job_id] for job_id in ids]
    if as_json:
        render.print_json(jobs[0].raw if len(jobs) == 1 else {"jobs": [job.raw for job in jobs]})
    elif len(ids) == 1 and jobs[0].status_reason:
        console.print(f"reason: {jobs[0].status_reason}")
    if any(job.status != "completed" for job in jobs):
        raise typer.Exit(1)


def _change(name: str, verb: str, doc: str) -> None:
    @app.command(name, help=doc)
    @api_errors
    def command(
        ctx: typer.Context,
        job_id: Annotated[str, typer.Argument(metavar="ID")],
        json_output: JsonFlag = False,
    ) -> None:
        job = getattr(state(ctx).client(), verb)(job_id)
        if wants_json(ctx, json_output):
            render.print_json(job.raw)
        else:
            enabled = "" if job.enabled is None else f", enabled: {render.text(job.enabled)}"
            render.out().print(render.line(_finished(job), enabled))


_change("cancel", "cancel", "Cancel a pending or queued job.")
_change("retry", "retry", "Queue a failed, timed-out or cancelled job again.")
_change("pause", "pause", "Pause a recurring job.")
_change("resume", "resume", "Resume a paused recurring job.")
