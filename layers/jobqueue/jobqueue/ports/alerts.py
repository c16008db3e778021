"""Alert rules and alerts of each tenant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from jobqueue.models.alerts import Alert, AlertRuleSet, AlertSettings, AlertStatus


class AlertStore(Protocol):
    def settings(self, tenant_id: str) -> AlertSettings:
        """The tenant's rules (None: never set), webhook and open alert per rule."""

    def put_rules(self, tenant_id: str, rule_set: AlertRuleSet) -> None:
        """Replace the rule set and webhook (open alerts are kept; the evaluator settles them)."""

    def get(self, tenant_id: str, alert_id: str) -> Alert | None: ...

    def get_many(self, tenant_id: str, alert_ids: Iterable[str]) -> list[Alert]: ...

    def list(self, tenant_id: str, status: AlertStatus | None, limit: int) -> list[Alert]:
        """Newest first."""

    def open(self, tenant_id: str, alert: Alert) -> bool:
        """Store a new firing alert as its rule's open alert; False when the rule has one."""

    def update(
        self, tenant_id: str, alert_id: str, expected: Iterable[AlertStatus], changes: Mapping[str, Any]
    ) -> Alert | None:
        """Set `changes` on an alert in one of the `expected` statuses; None otherwise."""

    def close(self, tenant_id: str, alert: Alert, changes: Mapping[str, Any]) -> Alert | None:
        """Resolve an open alert (with `changes`) and free its rule; None when it was not open."""
