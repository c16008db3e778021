"""`GET /v1/handlers`: the registered handlers with their payload JSON schema."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from jobqueue.api.caller import principal_of
from jobqueue.api.deps import registry_of
from jobqueue.api.openapi import HandlerList, responses

router = Router()


@router.get(
    "/",
    summary="Registered handlers: name, category, payload schema, job types",
    tags=["handlers"],
    responses=responses(200, "the handlers", HandlerList),
)
def list_handlers() -> Any:
    principal_of(router.current_event.raw_event)  # any key: the catalogue is the same for everyone
    return {"handlers": [spec.describe() for spec in registry_of(router).all()]}
