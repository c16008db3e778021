"""`GET /healthz`: unauthenticated liveness; touches nothing."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from jobqueue.api.openapi import Liveness, responses

router = Router()


@router.get(
    "/healthz",
    summary="Liveness",
    tags=["system"],
    security=[],
    responses=responses(200, "alive", Liveness, authorized=False),
)
def healthz() -> Any:
    return {"status": "ok"}
