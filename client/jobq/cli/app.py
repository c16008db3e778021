"""The `jobq` command: global options, and the job, observability and admin commands.

Exit status: 0 on success, 1 on an API error (code and message on stderr) or a job that did not
complete (`watch`, `submit --wait`), 2 on a usage error (bad option, bad JSON, no URL or key).
"""

from typing import Annotated

import typer

from jobq.cli import admin, jobs, observe
from jobq.cli.state import State
from jobq.cli.state import state as current_state

app = typer.Typer(
    name="jobq",
    help="The jobqueue API from the command line. Settings: --url/--api-key or JOBQ_URL/JOBQ_API_KEY.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(jobs.app)
app.add_typer(observe.app)
app.add_typer(admin.app, name="admin")


@app.callback()
def options(
    ctx: typer.Context,
    url: Annotated[
        str | None, typer.Option(envvar="JOBQ_URL", help="API base URL.", show_envvar=True)
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="JOBQ_API_KEY", help="Tenant or admin API key.", show_envvar=True)
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="JSON output for every command.")] = False,
) -> None:
    """Submit and follow jobs, read metrics and alerts, manage tenants."""
    if isinstance(ctx.obj, State):  # a State given by the caller (tests) keeps its client
        ctx.obj.url, ctx.obj.api_key, ctx.obj.json = url, api_key, json_output
    else:
        ctx.obj = State(url=url, api_key=api_key, json=json_output)
    ctx.call_on_close(current_state(ctx).close)


def main() -> None:
    """The console script `jobq`."""
    app()
