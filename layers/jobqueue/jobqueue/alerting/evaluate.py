"""One evaluation of a tenant's alert rules.

For each enabled rule: breached and no open alert -> a firing alert; firing and due to notify
(never notified, or the cooldown passed since) -> a notification (`fired`, then `reminder`s);
acknowledged -> nothing until it resolves; not breached (or too few samples) and open ->
resolved, with a `resolved` notification. An open alert whose rule was removed or disabled
resolves too. A notification is recorded after it went out, so one that failed is sent again
at the next evaluation (its webhook job has a derived id: never twice).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from jobqueue import ids
from jobqueue.activity.tally import Tally
from jobqueue.alerting.measure import Reading, describe, measure
from jobqueue.alerting.notify import notify
from jobqueue.models.alerts import WINDOWED, Alert, AlertRule, AlertStatus
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports

logger = Logger(child=True)


def evaluate_alerts(ports: Ports, tenant: Tenant, now: datetime) -> list[str]:
    """Returns what happened, as `<event>:<rule>` (fired, reminder, resolved)."""
    tenant_id = tenant.tenant_id
    settings = ports.alerts.settings(tenant_id)
    rules = [rule for rule in settings.effective_rules() if rule.enabled]
    open_alerts = {alert.rule: alert for alert in ports.alerts.get_many(tenant_id, settings.open.values())}
    longest = max((r.window_minutes for r in rules if r.metric in WINDOWED), default=0)
    minutes: dict[datetime, Tally] = {}
    if longest:
        last = now.replace(second=0, microsecond=0)
        minutes = ports.activity.minutes(
            tenant_id, last - timedelta(minutes=longest), last + timedelta(minutes=1)
        )
    usage = ports.counters.usage(tenant_id, now)
    done = []
    for rule in rules:
        reading = measure(rule, minutes, usage, tenant.limits, now)
        alert = open_alerts.pop(rule.name, None)
        if reading.breaches(rule):
            if alert is None:
                alert = _fire(ports, tenant_id, rule, reading, now)
            if (
                alert is not None
                and alert.status is AlertStatus.FIRING
                and _due(alert, rule.cooldown_minutes, now)
            ):
                kind = "fired" if alert.notifications == 0 else "reminder"
                alert = alert.model_copy(update={"value": float(reading.value or 0.0)})
                notify(ports, tenant, settings.webhook_url, alert, kind)
                ports.alerts.update(
                    tenant_id,
                    alert.id,
                    [AlertStatus.FIRING],
                    {"notified_at": now, "notifications": alert.notifications + 1, "value": alert.value},
                )
                done.append(f"{kind}:{rule.name}")
        elif alert is not None:
            done += _resolve(ports, tenant, settings.webhook_url, alert, describe(rule, reading), now)
    for alert in open_alerts.values():  # rules removed or disabled
        done += _resolve(
            ports, tenant, settings.webhook_url, alert, f"rule {alert.rule} removed or disabled", now
        )
    return done


def _fire(ports: Ports, tenant_id: str, rule: AlertRule, reading: Reading, now: datetime) -> Alert | None:
    alert = Alert(
        id=ids.ulid(now),
        rule=rule.name,
        metric=rule.metric,
        operator=rule.operator,
        value=float(reading.value or 0.0),
        threshold=rule.threshold,
        status=AlertStatus.FIRING,
        message=describe(rule, reading),
        fired_at=now,
    )
    if ports.alerts.open(tenant_id, alert):
        logger.info("alert fired", extra={"tenant_id": tenant_id, "rule": rule.name, "alert_id": alert.id})
        return alert
    return None  # opened by a concurrent evaluation: it notifies


def _due(alert: Alert, cooldown_minutes: int, now: datetime) -> bool:
    return alert.notified_at is None or now - alert.notified_at >= timedelta(minutes=cooldown_minutes)


def _resolve(
    ports: Ports, tenant: Tenant, webhook_url: str | None, alert: Alert, message: str, now: datetime
) -> list[str]:
    resolved = alert.model_copy(
        update={"status": AlertStatus.RESOLVED, "resolved_at": now, "message": message}
    )
    notify(ports, tenant, webhook_url, resolved, "resolved")
    if ports.alerts.close(tenant.tenant_id, alert, {"resolved_at": now, "message": message}) is None:
        return []
    logger.info(
        "alert resolved", extra={"tenant_id": tenant.tenant_id, "rule": alert.rule, "alert_id": alert.id}
    )
    return [f"resolved:{alert.rule}"]
