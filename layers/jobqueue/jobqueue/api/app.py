"""The API resolver: routers, error handlers, OpenAPI document and Swagger UI; and `handle`,
which answers one HTTP API event with the given ports and handler registry."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from jobqueue import __version__
from jobqueue.api import (
    routes_activity,
    routes_admin,
    routes_alerts,
    routes_dashboard,
    routes_handlers,
    routes_jobs,
    routes_maintenance,
    routes_system,
    routes_usage,
)
from jobqueue.api.body_guard import body_problem
from jobqueue.api.errors import register_error_handlers
from jobqueue.ports import Ports
from jobqueue.registry import Registry

TITLE = "jobqueue"
DESCRIPTION = "Multi-tenant background jobs over HTTPS. Send `Authorization: Bearer <api key>`."
SECURITY_SCHEMES = {"apiKey": HTTPBearer(description="a tenant or admin API key")}
SECURITY = [{"apiKey": []}]


def create_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(routes_jobs.router, prefix="/v1/jobs")
    app.include_router(routes_maintenance.router, prefix="/v1/maintenance-jobs")
    app.include_router(routes_handlers.router, prefix="/v1/handlers")
    app.include_router(routes_admin.router, prefix="/v1/admin")
    app.include_router(routes_usage.router, prefix="/v1/usage")
    app.include_router(routes_alerts.router, prefix="/v1/alerts")
    app.include_router(routes_system.router)
    app.include_router(routes_activity.router)
    app.include_router(routes_dashboard.router)
    register_error_handlers(app)
    app.enable_swagger(
        path="/v1/docs",
        title=TITLE,
        version=__version__,
        description=DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,
        security=SECURITY,
    )

    @cache
    def document() -> str:
        return app.get_openapi_json_schema(
            title=TITLE,
            version=__version__,
            description=DESCRIPTION,
            security_schemes=SECURITY_SCHEMES,
            security=SECURITY,
        )

    @app.get("/v1/openapi.json", include_in_schema=False)
    def openapi_document():  # unannotated: Powertools would try to model the return type
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document())

    return app


@cache
def get_app() -> APIGatewayHttpResolver:
    """The resolver, built once per process (it touches no AWS client and no env var)."""
    return create_app()


def handle(event: dict[str, Any], context: Any, ports: Ports, registry: Registry) -> dict[str, Any]:
    """Answer one HTTP API v2 event; the routes find `ports` and `registry` in the context."""
    problem = body_problem(event)
    if problem is not None:
        status, code, message = problem
        error = {"error": {"code": code, "message": message, "details": {"body": message}}}
        return {
            "statusCode": status,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(error),
            "isBase64Encoded": False,
        }
    app = get_app()
    app.append_context(ports=ports, registry=registry)
    return app.resolve(event, context)
