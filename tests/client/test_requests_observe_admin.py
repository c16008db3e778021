"""Each catalogue, observability and admin method sends its route's request and reads its model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import jobq
from tests.client import samples
from tests.client.conftest import FakeApi, sends

J = samples.JOB_ID
A = samples.ALERT_ID

# (id, call, method, path, query, body, answer, check of the result)
CASES: list[tuple[str, Callable[[jobq.Client], Any], str, str, dict, Any, Any, Callable[[Any], bool]]] = [
    (
        "handlers",
        lambda c: c.handlers(),
        "GET",
        "/v1/handlers",
        {},
        None,
        samples.HANDLERS,
        lambda r: [h.name for h in r] == ["echo", "sleep"] and isinstance(r[0], jobq.Handler),
    ),
    (
        "usage",
        lambda c: c.usage(start="2026-11-22T00:00:00Z", end=datetime(2026, 11, 23, tzinfo=UTC)),
        "GET",
        "/v1/usage",
        {"start": "2026-11-22T00:00:00Z", "end": "2026-11-23T00:00:00Z"},
        None,
        samples.USAGE,
        lambda r: r.limits.max_queued_jobs == 50 and r.window.success_rate == 0.9737 and r.warnings,
    ),
    (
        "usage without a window",
        lambda c: c.usage(),
        "GET",
        "/v1/usage",
        {},
        None,
        {**samples.USAGE, "window": None},
        lambda r: r.window is None,
    ),
    (
        "health",
        lambda c: c.health(),
        "GET",
        "/v1/health",
        {},
        None,
        samples.HEALTH,
        lambda r: r.signals["failure_rate"].weight == 35,
    ),
    (
        "trends",
        lambda c: c.trends(),
        "GET",
        "/v1/trends",
        {"period": "P7D", "interval": "PT1H"},
        None,
        samples.TRENDS,
        lambda r: [b.total for b in r.buckets] == [0, 4, 8],
    ),
    (
        "metrics",
        lambda c: c.metrics(handler="echo", type="immediate", start="2026-11-30T00:00:00Z"),
        "GET",
        "/v1/metrics/performance",
        {"handler": "echo", "type": "immediate", "start": "2026-11-30T00:00:00Z"},
        None,
        samples.PERFORMANCE,
        lambda r: isinstance(r, jobq.Performance) and r.p95_execution_ms == 611.2,
    ),
    (
        "queue",
        lambda c: c.queue(),
        "GET",
        "/v1/queue",
        {},
        None,
        samples.QUEUE,
        lambda r: r.queued_by_priority["normal"] == 2,
    ),
    (
        "queue of a tenant (admin)",
        lambda c: c.queue(tenant_id="acme"),
        "GET",
        "/v1/queue",
        {"tenant_id": "acme"},
        None,
        {**samples.QUEUE, "queues": samples.DEPTHS},
        lambda r: r.queues[0].name == "jobqueue-normal",
    ),
    (
        "events",
        lambda c: c.events(after="cur1", job_id=J, limit=10),
        "GET",
        "/v1/events",
        {"after": "cur1", "job_id": J, "limit": "10"},
        None,
        {"events": [samples.event(1)], "next_cursor": "cur2"},
        lambda r: isinstance(r, jobq.EventPage) and r.events[0].id == f"{J}:1" and r.next_cursor == "cur2",
    ),
    (
        "alerts",
        lambda c: c.alerts(status="firing", limit=5),
        "GET",
        "/v1/alerts",
        {"status": "firing", "limit": "5"},
        None,
        {"alerts": [samples.ALERT]},
        lambda r: r[0].rule == "high-failure-rate" and isinstance(r[0], jobq.Alert),
    ),
    (
        "ack_alert",
        lambda c: c.ack_alert(A),
        "POST",
        f"/v1/alerts/{A}/ack",
        {},
        None,
        {**samples.ALERT, "status": "acknowledged"},
        lambda r: r.status == "acknowledged",
    ),
    (
        "alert_rules",
        lambda c: c.alert_rules(),
        "GET",
        "/v1/alerts/rules",
        {},
        None,
        samples.RULES,
        lambda r: r.rules[0].min_samples == 20,
    ),
    (
        "put_alert_rules",
        lambda c: c.put_alert_rules(
            [jobq.AlertRule(name="failures", metric="failure_rate", operator=">", threshold=0.2)],
            webhook_url="https://example.com/hook",
        ),
        "PUT",
        "/v1/alerts/rules",
        {},
        {
            "rules": [
                {
                    "name": "failures",
                    "metric": "failure_rate",
                    "operator": ">",
                    "threshold": 0.2,
                    "window_minutes": 15,
                    "min_samples": 10,
                    "cooldown_minutes": 30,
                    "enabled": True,
                }
            ],
            "webhook_url": "https://example.com/hook",
        },
        samples.RULES,
        lambda r: isinstance(r, jobq.AlertRules) and not r.defaults,
    ),
    (
        "admin_stats",
        lambda c: c.admin_stats(),
        "GET",
        "/v1/admin/stats",
        {},
        None,
        samples.STATS,
        lambda r: r.top_tenants[0].jobs_24h == 800,
    ),
    (
        "put_tenant",
        lambda c: c.put_tenant("acme", "Acme", 1, {"max_queued_jobs": 2}),
        "PUT",
        "/v1/admin/tenants/acme",
        {},
        {"name": "Acme", "tier": 1, "limits": {"max_queued_jobs": 2}},
        samples.tenant(),
        lambda r: isinstance(r, jobq.Tenant) and r.overrides == {"max_queued_jobs": 2},
    ),
    (
        "put_tenant_bus_events",
        lambda c: c.put_tenant("acme", "Acme", 1, bus_events="all"),
        "PUT",
        "/v1/admin/tenants/acme",
        {},
        {"name": "Acme", "tier": 1, "limits": {}, "bus_events": "all"},
        samples.tenant(bus_events="all"),
        lambda r: r.bus_events == "all",
    ),
    (
        "put_tenant_suspended",
        lambda c: c.put_tenant("acme", "Acme", 1, suspended=True),
        "PUT",
        "/v1/admin/tenants/acme",
        {},
        {"name": "Acme", "tier": 1, "limits": {}, "suspended": True},
        samples.tenant(suspended=True),
        lambda r: r.suspended is True,
    ),
    (
        "get_tenant",
        lambda c: c.get_tenant("acme"),
        "GET",
        "/v1/admin/tenants/acme",
        {},
        None,
        samples.tenant(),
        lambda r: r.signing_secret == "s3cret",
    ),
    (
        "list_tenants",
        lambda c: c.list_tenants(limit=2, cursor="t1"),
        "GET",
        "/v1/admin/tenants",
        {"limit": "2", "cursor": "t1"},
        None,
        {"tenants": [samples.tenant(signing_secret=None)], "next_cursor": None},
        lambda r: isinstance(r, jobq.TenantPage) and r.tenants[0].tenant_id == "acme",
    ),
    (
        "create_key",
        lambda c: c.create_key("acme"),
        "POST",
        "/v1/admin/tenants/acme/keys",
        {},
        None,
        samples.KEY,
        lambda r: r.api_key == "jq_abc",
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "answer", "check"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_other_method_sends_its_request_and_reads_its_model(
    api: FakeApi, client, call, method, path, query, body, answer, check
):
    sends(api, client, call, method, path, query, body, answer, check)
