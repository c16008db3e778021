"""Admin commands (admin keys): `admin tenant put|get|list`, `admin key create`, `admin stats`."""

from typing import Annotated

import typer
from rich.table import Table

from jobq.cli import choices, render
from jobq.cli.observe import queue_table
from jobq.cli.state import JsonFlag, api_errors, json_argument, state, wants_json
from jobq.models import Tenant

app = typer.Typer(help="Tenants, keys and system statistics (admin keys).")
tenant_app = typer.Typer(help="Create, show and list tenants.")
key_app = typer.Typer(help="Issue tenant API keys.")
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")

TenantId = Annotated[str, typer.Argument(metavar="TENANT_ID")]


def _tenant(tenant: Tenant) -> Table:
    rows = [
        ("tenant", tenant.tenant_id),
        ("name", tenant.name),
        ("tier", str(tenant.tier)),
        ("limits", render.text(tenant.limits)),
        ("overrides", render.text(tenant.overrides)),
        ("bus events", tenant.bus_events or "the deployment's"),
        ("suspended", "yes: keys refused, jobs held" if tenant.suspended else "no"),
    ]
    if tenant.signing_secret:
        rows.append(("signing secret", tenant.signing_secret))
    return render.pairs(rows)


@tenant_app.command("put")
@api_errors
def put_tenant(
    ctx: typer.Context,
    tenant_id: TenantId,
    name: Annotated[str, typer.Option(help="Display name.")],
    tier: Annotated[int, typer.Option(min=1, max=4, help="Tier 1-4.")],
    limits: Annotated[str | None, typer.Option(help="JSON object of limit overrides, @file or -.")] = None,
    bus_events: Annotated[
        choices.BusEvents | None,
        typer.Option(help="Its jobs' status changes on the event bus; default: the deployment's choice."),
    ] = None,
    suspended: Annotated[
        bool,
        typer.Option(
            "--suspended/--active", help="Refuse its keys and hold its jobs; a put without it resumes."
        ),
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Create or replace a tenant (its overrides, bus events and suspension are replaced too)."""
    overrides = json_argument(limits, "--limits")
    if overrides is not None and not isinstance(overrides, dict):
        raise typer.BadParameter("the limits must be a JSON object", param_hint="--limits")
    chosen = bus_events.value if bus_events else None
    tenant = state(ctx).client().put_tenant(tenant_id, name, tier, overrides, chosen, suspended)
    if wants_json(ctx, json_output):
        render.print_json(tenant.raw)
    else:
        render.out().print(_tenant(tenant))


@tenant_app.command("get")
@api_errors
def get_tenant(ctx: typer.Context, tenant_id: TenantId, json_output: JsonFlag = False) -> None:
    """Show a tenant: tier, effective limits, overrides, signing secret."""
    tenant = state(ctx).client().get_tenant(tenant_id)
    if wants_json(ctx, json_output):
        render.print_json(tenant.raw)
    else:
        render.out().print(_tenant(tenant))


@tenant_app.command("list")
@api_errors
def list_tenants(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option(min=1, max=200, help="Page size.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """List every tenant, by id."""
    tenants = list(state(ctx).client().iter_tenants(limit))
    if wants_json(ctx, json_output):
        render.print_json({"tenants": [t.raw for t in tenants], "next_cursor": None})
        return
    table = Table(box=None, pad_edge=False)
    for column in ("TENANT", "NAME", "TIER", "OVERRIDES"):
        table.add_column(column, overflow="fold")
    for t in tenants:
        table.add_row(t.tenant_id, t.name, str(t.tier), render.text(t.overrides or None))
    render.out().print(table)


@key_app.command("create")
@api_errors
def create_key(ctx: typer.Context, tenant_id: TenantId, json_output: JsonFlag = False) -> None:
    """Issue an API key for a tenant (shown once)."""
    key = state(ctx).client().create_key(tenant_id)
    if wants_json(ctx, json_output):
        render.print_json(key.raw)
        return
    render.out().print(f"key {key.key_id} for {key.tenant_id} (shown once):")
    render.out().print(key.api_key)


@app.command("stats")
@api_errors
def stats(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """System statistics of the last 24 h and the queues now."""
    s = state(ctx).client().admin_stats()
    if wants_json(ctx, json_output):
        render.print_json(s.raw)
        return
    top = ", ".join(f"{t.tenant_id} {t.jobs_24h}" for t in s.top_tenants) or "-"
    rows = [
        ("jobs 24h", f"{s.total_jobs_24h} (completed {s.completed_24h}, failed {s.failed_24h})"),
        ("success 24h", render.rate(s.success_rate_24h)),
        ("active tenants", str(s.active_tenants_24h)),
        ("top tenants", top),
        ("messages", f"queued {s.queued}, processing {s.processing}, delayed {s.delayed}"),
        ("dead letters", str(s.dead_letter_depth)),
    ]
    console = render.out()
    console.print(render.pairs(rows))
    if s.queues:
        console.print(queue_table(s.queues))
    for warning in s.warnings:
        console.print(render.line(("warning: ", "yellow"), warning))
