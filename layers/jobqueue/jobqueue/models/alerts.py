"""Alert rules and alerts.

A rule compares a metric of the tenant with a threshold (`failure_rate > 0.1`). Its alert
goes firing -> acknowledged -> resolved: a firing alert notifies when it fires and again once
per `cooldown_minutes` while it lasts; acknowledged, it is quiet until it resolves; resolving
notifies once.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobqueue.urls import check_post_url


class AlertMetric(StrEnum):
    FAILURE_RATE = "failure_rate"  # final failures / jobs that ended, over the window (a fraction)
    WAITING_JOBS = "waiting_jobs"  # pending + queued jobs now
    P95_EXECUTION_MS = "p95_execution_ms"  # over the window
    SLOT_UTILIZATION = "slot_utilization"  # running / max_concurrent_jobs now (a fraction)


WINDOWED = frozenset({AlertMetric.FAILURE_RATE, AlertMetric.P95_EXECUTION_MS})


class AlertStatus(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


OPEN_STATUSES = frozenset({AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED})
OPERATORS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class AlertRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique in the set: a-z, 0-9, _ and -")
    metric: AlertMetric
    operator: str = Field(description="one of >, >=, <, <=")
    threshold: float = Field(ge=0)
    window_minutes: int = Field(
        default=15, ge=1, le=1440, description="for failure_rate and p95_execution_ms"
    )
    min_samples: int = Field(default=10, ge=0, le=100_000, description="ended jobs needed to judge a window")
    cooldown_minutes: int = Field(default=30, ge=1, le=10_080)
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use a-z, 0-9, _ and - (at most 63, starting with a letter or digit)")
        return value

    @field_validator("operator")
    @classmethod
    def _operator(cls, value: str) -> str:
        if value not in OPERATORS:
            raise ValueError("must be one of >, >=, <, <=")
        return value

    @model_validator(mode="after")
    def _fractions(self) -> AlertRule:
        if self.metric in (AlertMetric.FAILURE_RATE, AlertMetric.SLOT_UTILIZATION) and self.threshold > 1:
            raise ValueError(f"{self.metric.value} is a fraction: its threshold is at most 1")
        return self

    def breached(self, value: float) -> bool:
        return OPERATORS[self.operator](float(value), float(self.threshold))


DEFAULT_RULES = (
    AlertRule(name="high-failure-rate", metric=AlertMetric.FAILURE_RATE, operator=">", threshold=0.1),
    AlertRule(
        name="many-waiting-jobs", metric=AlertMetric.WAITING_JOBS, operator=">", threshold=50, min_samples=0
    ),
    AlertRule(name="slow-executions", metric=AlertMetric.P95_EXECUTION_MS, operator=">", threshold=5000),
    AlertRule(
        name="slots-saturated",
        metric=AlertMetric.SLOT_UTILIZATION,
        operator=">",
        threshold=0.8,
        min_samples=0,
    ),
)


class AlertRuleSet(BaseModel):
    """`PUT /v1/alerts/rules`: the tenant's whole rule set, and where to POST notifications."""

    model_config = ConfigDict(extra="forbid")

    rules: list[AlertRule] = Field(max_length=50)
    webhook_url: str | None = Field(default=None, max_length=2048, description="https; signed like callbacks")

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[AlertRule]) -> list[AlertRule]:
        names = [rule.name for rule in rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique: {', '.join(duplicates)}")
        return rules

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else check_post_url(value)


class Alert(BaseModel):
    id: str
    rule: str
    metric: AlertMetric
    operator: str
    value: float
    threshold: float
    status: AlertStatus
    message: str
    fired_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    notified_at: datetime | None = None
    notifications: int = 0


class AlertSettings(BaseModel):
    """A tenant's stored alert state: its rules (None: the defaults), its webhook, and the open
    alert of each rule that has one."""

    rules: list[AlertRule] | None = None
    webhook_url: str | None = None
    open: dict[str, str] = Field(default_factory=dict)

    def effective_rules(self) -> list[AlertRule]:
        return list(DEFAULT_RULES) if self.rules is None else self.rules
