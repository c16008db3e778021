"""Alert rules and alerts in memory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jobqueue.models.alerts import OPEN_STATUSES, Alert, AlertRuleSet, AlertSettings, AlertStatus
from jobqueue.testing.locking import synchronized


@synchronized
class InMemoryAlertStore:
    def __init__(self) -> None:
        self._settings: dict[str, AlertSettings] = {}
        self._alerts: dict[tuple[str, str], Alert] = {}

    def settings(self, tenant_id: str) -> AlertSettings:
        return self._settings.get(tenant_id, AlertSettings()).model_copy(deep=True)

    def put_rules(self, tenant_id: str, rule_set: AlertRuleSet) -> None:
        current = self._settings.get(tenant_id, AlertSettings())
        self._settings[tenant_id] = AlertSettings(
            rules=[rule.model_copy() for rule in rule_set.rules],
            webhook_url=rule_set.webhook_url,
            open=current.open,
        )

    def get(self, tenant_id: str, alert_id: str) -> Alert | None:
        alert = self._alerts.get((tenant_id, alert_id))
        return alert.model_copy() if alert else None

    def get_many(self, tenant_id: str, alert_ids: Iterable[str]) -> list[Alert]:
        return [a for a in (self.get(tenant_id, i) for i in alert_ids) if a is not None]

    def list(self, tenant_id: str, status: AlertStatus | None, limit: int) -> list[Alert]:
        found = [
            a
            for (t, _), a in self._alerts.items()
            if t == tenant_id and (status is None or a.status is status)
        ]
        return [a.model_copy() for a in sorted(found, key=lambda a: a.id, reverse=True)[:limit]]

    def open(self, tenant_id: str, alert: Alert) -> bool:
        settings = self._settings.setdefault(tenant_id, AlertSettings())
        if alert.rule in settings.open:
            return False
        settings.open[alert.rule] = alert.id
        self._alerts[(tenant_id, alert.id)] = alert.model_copy()
        return True

    def update(
        self, tenant_id: str, alert_id: str, expected: Iterable[AlertStatus], changes: Mapping[str, Any]
    ) -> Alert | None:
        alert = self._alerts.get((tenant_id, alert_id))
        if alert is None or alert.status not in set(expected):
            return None
        updated = alert.model_copy(update=dict(changes))
        self._alerts[(tenant_id, alert_id)] = updated
        return updated.model_copy()

    def close(self, tenant_id: str, alert: Alert, changes: Mapping[str, Any]) -> Alert | None:
        closed = self.update(tenant_id, alert.id, OPEN_STATUSES, {**changes, "status": AlertStatus.RESOLVED})
        settings = self._settings.get(tenant_id)
        if settings is not None and settings.open.get(alert.rule) == alert.id:
            del settings.open[alert.rule]
        return closed
