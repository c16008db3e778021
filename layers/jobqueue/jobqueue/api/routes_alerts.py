"""`/v1/alerts`: the calling tenant's alerts, acknowledging one, and its rule set."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel

from jobqueue.alerting.notify import alert_view
from jobqueue.api.deps import calling_tenant, ports_of
from jobqueue.api.openapi import responses
from jobqueue.errors import InvalidState, NotFound
from jobqueue.models.alerts import Alert, AlertRuleSet, AlertStatus

router = Router()

AlertId = Annotated[str, Path(pattern=r"^[0-9A-Z]{26}$")]


class AlertList(BaseModel):
    alerts: list[Alert]


class AlertRulesView(AlertRuleSet):
    """The rule set as answered: `defaults` is true until the tenant sets its own."""

    defaults: bool


@router.get(
    "/",
    summary="The tenant's alerts, newest first",
    tags=["alerts"],
    responses=responses(200, "the alerts", AlertList, 403),
)
def list_alerts(
    status: Annotated[AlertStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    tenant = calling_tenant(router)
    alerts = ports_of(router).alerts.list(tenant.tenant_id, status, limit)
    return {"alerts": [alert_view(alert) for alert in alerts]}


@router.post(
    "/<alert_id>/ack",
    summary="Acknowledge a firing alert: quiet until it resolves",
    tags=["alerts"],
    responses=responses(200, "the alert", Alert, 403, 404, 409),
)
def acknowledge(alert_id: AlertId) -> Any:
    tenant = calling_tenant(router)
    ports = ports_of(router)
    changes = {"status": AlertStatus.ACKNOWLEDGED, "acknowledged_at": ports.clock.now()}
    alert = ports.alerts.update(tenant.tenant_id, alert_id, [AlertStatus.FIRING], changes)
    if alert is None:
        alert = ports.alerts.get(tenant.tenant_id, alert_id)
        if alert is None:
            raise NotFound("alert not found", {"alert_id": alert_id})
        if alert.status is AlertStatus.RESOLVED:
            raise InvalidState("a resolved alert cannot be acknowledged", {"status": alert.status.value})
    return alert_view(alert)


@router.get(
    "/rules",
    summary="The tenant's alert rules (the defaults until it sets its own)",
    tags=["alerts"],
    responses=responses(200, "the rule set", AlertRulesView),
)
def get_rules() -> Any:
    tenant = calling_tenant(router)
    settings = ports_of(router).alerts.settings(tenant.tenant_id)
    rules = [rule.model_dump(mode="json") for rule in settings.effective_rules()]
    return {"rules": rules, "webhook_url": settings.webhook_url, "defaults": settings.rules is None}


@router.put(
    "/rules",
    summary="Replace the tenant's whole rule set (and its notification webhook)",
    tags=["alerts"],
    responses=responses(200, "the rule set as stored", AlertRulesView, body=True),
)
def put_rules(body: AlertRuleSet) -> Any:
    tenant = calling_tenant(router)
    ports_of(router).alerts.put_rules(tenant.tenant_id, body)
    return {**body.model_dump(mode="json"), "defaults": False}
