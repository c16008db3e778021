"""An alert's notification: an event on the bus (source `jobqueue`, detail-type `Alert Fired`,
`Alert Reminder` or `Alert Resolved`, detail `{tenant_id, event, alert}`) and, when the tenant
set a webhook, a `tenant_webhook` job of its queue POSTing the same detail, signed."""

from __future__ import annotations

from typing import Any

from jobqueue import system_jobs
from jobqueue.models.alerts import Alert
from jobqueue.models.tenant import Tenant
from jobqueue.ports import BusEvent, Ports

SOURCE = "jobqueue"


class NotificationNotPublished(Exception):
    """The bus did not take the alert's event."""


def alert_view(alert: Alert) -> dict[str, Any]:
    """An alert as the API and the notifications show it."""
    return alert.model_dump(mode="json", exclude={"notified_at"})


def notify(ports: Ports, tenant: Tenant, webhook_url: str | None, alert: Alert, kind: str) -> None:
    detail = {"tenant_id": tenant.tenant_id, "event": kind, "alert": alert_view(alert)}
    if ports.events.publish([BusEvent(SOURCE, f"Alert {kind.title()}", detail)]):
        raise NotificationNotPublished(alert.id)
    if webhook_url:
        job = system_jobs.delivery_job(
            f"{alert.id}-{kind}{alert.notifications if kind != 'resolved' else ''}",
            tenant.tenant_id,
            tenant.tier,
            "tenant_webhook",
            {"url": webhook_url, "body": detail},
            ports.clock.now(),
        )
        system_jobs.enqueue(ports, job)
