"""An EventBridge Scheduler schedule as the service defines it (the adapter adds the target's
ARN, role, retry policy and dead-letter queue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Schedule:
    """`expression` is `at(yyyy-mm-ddThh:mm:ss)` or `cron(...)`, evaluated in `timezone`;
    `input` is the dispatcher's event; a one-shot deletes itself after firing."""

    name: str
    expression: str
    input: dict[str, Any] = field(default_factory=dict)
    timezone: str = "UTC"
    enabled: bool = True
    end_at: datetime | None = None
    one_shot: bool = False
    description: str = ""
