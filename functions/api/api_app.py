"""API function: HTTP API v2 events -> the jobqueue resolver (routes live in jobqueue.api).

No Tracer here on purpose: creating one imports the X-Ray SDK, about 320 ms of cold start on its
own; the API Gateway access log and request ids cover the tracing need.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.api.app import handle
from jobqueue.wiring import check_app_handlers, default_ports, default_registry

logger = Logger()
# The app's own handlers (layers/handlers/app_handlers) are imported as the function starts: a
# module that fails to import or a handler name defined twice stops it, naming the module.
check_app_handlers()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    principal = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    logger.append_keys(tenant_id=principal.get("tenant_id"), key_id=principal.get("key_id"))
    return handle(event, context, default_ports(), default_registry())
