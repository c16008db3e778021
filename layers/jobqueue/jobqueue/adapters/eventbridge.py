"""The event bus on EventBridge (the `EventBus` port): PutEvents in tens."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger

from jobqueue.adapters import aws
from jobqueue.ports import BusEvent
from jobqueue.settings import get_settings

logger = Logger(child=True)

PUT_EVENTS_BATCH = 10


class EventBridgeBus:
    def __init__(self, client: Any = None):
        self._client = client

    @property
    def events(self) -> Any:
        return self._client or aws.client("events")

    def publish(self, events: Sequence[BusEvent]) -> list[int]:
        bus_name = _bus_name()
        failed: list[int] = []
        for start in range(0, len(events), PUT_EVENTS_BATCH):
            chunk = list(range(start, min(start + PUT_EVENTS_BATCH, len(events))))
            entries = [_entry(events[i], bus_name) for i in chunk]
            try:
                response = self.events.put_events(Entries=entries)
            except Exception:
                logger.exception("PutEvents failed", extra={"entries": len(chunk)})
                failed += chunk
                continue
            results = response.get("Entries", [])
            for index, result in zip(chunk, results, strict=False):
                if result.get("ErrorCode"):
                    logger.warning(
                        "event not taken by EventBridge", extra={"error_code": result["ErrorCode"]}
                    )
                    failed.append(index)
            failed += chunk[len(results) :]  # never expected; be safe
        return failed


def _entry(event: BusEvent, bus_name: str) -> dict[str, Any]:
    return {
        "Source": event.source,
        "DetailType": event.detail_type,
        "Detail": json.dumps(dict(event.detail), separators=(",", ":")),
        "EventBusName": bus_name,
    }


def _bus_name() -> str:
    name = get_settings().event_bus_name
    if not name:
        raise RuntimeError("EVENT_BUS_NAME is not set")
    return name
