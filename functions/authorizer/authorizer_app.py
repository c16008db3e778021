"""Authorizer function: HTTP API Lambda authorizer (payload 2.0, simple responses).

A missing or bad key raises `Unauthorized` (message "Unauthorized"): API Gateway answers 401.
Never logs the event: it carries the API key. No Tracer (X-Ray SDK import: ~320 ms cold start).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.authorizer.authorize import authorize
from jobqueue.wiring import default_ports

logger = Logger()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event, default_ports().tenants)
