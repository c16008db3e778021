"""What a route works with: the ports and the handler registry of the current request, put in
the resolver's context by `jobqueue.api.app.handle` (Powertools clears it after each request)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from jobqueue.api.caller import current_tenant
from jobqueue.models.job import Job
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports
from jobqueue.registry import Registry


def ports_of(router: Router) -> Ports:
    return router.context["ports"]


def registry_of(router: Router) -> Registry:
    return router.context["registry"]


def calling_tenant(router: Router) -> Tenant:
    """The calling tenant's profile (403 for an admin key or a tenant without a profile)."""
    return current_tenant(router.current_event.raw_event, ports_of(router).tenants)


def view(router: Router, job: Job) -> dict[str, Any]:
    """A job as the API answers it: its public fields, its status as of now."""
    return job.public(ports_of(router).clock.now())
