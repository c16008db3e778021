"""Every route of the API as a `Call`: built here once, sent by `Client` or `AsyncClient`.

Retry safety (see `Call.resend_safe`): a submit carries an `Idempotency-Key` (a uuid4 unless the
caller gives one), so its resend answers the first job (or 409 while the first is still running:
resent again); cancel, retry, pause, resume and ack
change a state once (a resend answers 409 `invalid_state`, or the same state); PUTs and the
maintenance jobs are idempotent. Only a batch and a new API key would be done twice: they are
resent after a 429 or a connection never opened, not after a 5xx or a lost connection.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jobq._request import Call, segment, to_json
from jobq.models import (
    AdminStats,
    Alert,
    AlertRules,
    ApiKey,
    EventPage,
    Handler,
    Health,
    Job,
    JobPage,
    Performance,
    QueueStatus,
    Tenant,
    TenantPage,
    Trends,
    Usage,
)

SUBMIT_OPTIONS = frozenset(
    {
        "priority",
        "delay_seconds",
        "run_at",
        "cron",
        "timezone",
        "max_runs",
        "end_at",
        "max_retries",
        "retry",
        "timeout_seconds",
        "depends_on",
        "callback_url",
        "metadata",
    }
)
JOB_FILTERS = frozenset(
    {
        "status",
        "type",
        "handler",
        "priority",
        "parent_id",
        "created_after",
        "created_before",
        "limit",
        "cursor",
    }
)
Time = datetime | str | None


def _check(names: Iterable[str], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(names) - allowed)
    if unknown:
        raise TypeError(f"unknown {what}: {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def _jobs(data: Any) -> list[Job]:
    return [Job.model_validate(job) for job in data["jobs"]]


def job_body(handler: str, payload: Mapping[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """The JSON of one submission; options set to None are left out (the API's defaults apply)."""
    _check(options, SUBMIT_OPTIONS, "submit option")
    body: dict[str, Any] = {"handler": handler}
    if payload is not None:
        body["payload"] = to_json(payload)
    body.update({name: to_json(value) for name, value in options.items() if value is not None})
    return body


# Jobs


def submit(
    handler: str,
    payload: Mapping[str, Any] | None = None,
    *,
    idempotency_key: str | None = None,
    **options: Any,
) -> Call[Job]:
    key = idempotency_key or str(uuid.uuid4())
    body = job_body(handler, payload, **options)
    headers = {"Idempotency-Key": key}
    return Call("POST", "/v1/jobs", Job.model_validate, json=body, headers=headers, keyed=True)


def submit_batch(jobs: Iterable[Mapping[str, Any]]) -> Call[list[Job]]:
    body = {"jobs": [job_body(**dict(job)) for job in jobs]}
    return Call("POST", "/v1/jobs/batch", _jobs, json=body, resend_safe=False)


def get_job(job_id: str) -> Call[Job]:
    return Call("GET", f"/v1/jobs/{segment(job_id)}", Job.model_validate)


def list_jobs(**filters: Any) -> Call[JobPage]:
    _check(filters, JOB_FILTERS, "filter")
    return Call("GET", "/v1/jobs", JobPage.model_validate, params=filters)


def cancel(job_id: str) -> Call[Job]:
    return Call("POST", f"/v1/jobs/{segment(job_id)}/cancel", Job.model_validate)


def retry(job_id: str) -> Call[Job]:
    return Call("POST", f"/v1/jobs/{segment(job_id)}/retry", Job.model_validate)


def set_enabled(job_id: str, enabled: bool) -> Call[Job]:
    return Call("PATCH", f"/v1/jobs/{segment(job_id)}", Job.model_validate, json={"enabled": enabled})


def maintenance_jobs(retention_days: int | None = None) -> Call[list[Job]]:
    body = {} if retention_days is None else {"retention_days": retention_days}
    return Call("POST", "/v1/maintenance-jobs", _jobs, json=body)


# Catalogue, usage and observability


def handlers() -> Call[list[Handler]]:
    return Call("GET", "/v1/handlers", lambda data: [Handler.model_validate(h) for h in data["handlers"]])


def usage(start: Time = None, end: Time = None) -> Call[Usage]:
    return Call("GET", "/v1/usage", Usage.model_validate, params={"start": start, "end": end})


def health() -> Call[Health]:
    return Call("GET", "/v1/health", Health.model_validate)


def trends(period: str = "P7D", interval: str = "PT1H") -> Call[Trends]:
    return Call("GET", "/v1/trends", Trends.model_validate, params={"period": period, "interval": interval})


def metrics(
    handler: str | None = None, type: str | None = None, start: Time = None, end: Time = None
) -> Call[Performance]:
    params = {"handler": handler, "type": type, "start": start, "end": end}
    return Call("GET", "/v1/metrics/performance", Performance.model_validate, params=params)


def queue(tenant_id: str | None = None) -> Call[QueueStatus]:
    return Call("GET", "/v1/queue", QueueStatus.model_validate, params={"tenant_id": tenant_id})


def events(after: str | None = None, job_id: str | None = None, limit: int | None = None) -> Call[EventPage]:
    params = {"after": after, "job_id": job_id, "limit": limit}
    return Call("GET", "/v1/events", EventPage.model_validate, params=params)


def alerts(status: str | None = None, limit: int | None = None) -> Call[list[Alert]]:
    params = {"status": status, "limit": limit}
    return Call(
        "GET", "/v1/alerts", lambda data: [Alert.model_validate(a) for a in data["alerts"]], params=params
    )


def ack_alert(alert_id: str) -> Call[Alert]:
    return Call("POST", f"/v1/alerts/{segment(alert_id)}/ack", Alert.model_validate)


def alert_rules() -> Call[AlertRules]:
    return Call("GET", "/v1/alerts/rules", AlertRules.model_validate)


def put_alert_rules(rules: Iterable[Any], webhook_url: str | None = None) -> Call[AlertRules]:
    body = {"rules": [to_json(rule) for rule in rules], "webhook_url": webhook_url}
    return Call("PUT", "/v1/alerts/rules", AlertRules.model_validate, json=body)


# Admin


def admin_stats() -> Call[AdminStats]:
    return Call("GET", "/v1/admin/stats", AdminStats.model_validate)


def put_tenant(
    tenant_id: str,
    name: str,
    tier: int,
    limits: Mapping[str, Any] | None = None,
    bus_events: str | None = None,
    suspended: bool = False,
) -> Call[Tenant]:
    body = {"name": name, "tier": tier, "limits": to_json(limits or {})}
    if bus_events is not None:  # left out: the deployment's choice
        body["bus_events"] = bus_events
    if suspended:  # left out: not suspended (a PUT replaces the whole profile)
        body["suspended"] = True
    return Call("PUT", f"/v1/admin/tenants/{segment(tenant_id)}", Tenant.model_validate, json=body)


def get_tenant(tenant_id: str) -> Call[Tenant]:
    return Call("GET", f"/v1/admin/tenants/{segment(tenant_id)}", Tenant.model_validate)


def list_tenants(limit: int | None = None, cursor: str | None = None) -> Call[TenantPage]:
    params = {"limit": limit, "cursor": cursor}
    return Call("GET", "/v1/admin/tenants", TenantPage.model_validate, params=params)


def create_key(tenant_id: str) -> Call[ApiKey]:
    path = f"/v1/admin/tenants/{segment(tenant_id)}/keys"
    return Call("POST", path, ApiKey.model_validate, resend_safe=False)
