"""`GET /healthz`: unauthenticated liveness; touches nothing."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()


@router.get("/healthz", summary="Liveness", tags=["system"], security=[])
def healthz() -> Any:
    return {"status": "ok"}
