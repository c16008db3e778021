"""Alert rules on in-memory ports, evaluated by the sweeper's tick: firing -> acknowledged ->
resolved, one notification per cooldown, quiet once acknowledged, a notification on resolving."""

from __future__ import annotations

import json

import pytest

from jobqueue.models.job import JobStatus
from jobqueue.sweeper.tick import sweep
from jobqueue.testing.stream import FakeStream
from tests.support.fakes import api_ports, call, deliver
from tests.unit.activity.kit import run, submit

RULE = {
    "name": "failures",
    "metric": "failure_rate",
    "operator": ">",
    "threshold": 0.2,
    "window_minutes": 10,
    "min_samples": 5,
    "cooldown_minutes": 15,
    "enabled": True,
}


@pytest.fixture
def ports():
    return api_ports()


def put_rules(ports, rules, webhook_url=None):
    body = {"rules": rules, **({"webhook_url": webhook_url} if webhook_url else {})}
    return call(ports, "api_put_alert_rules", body=body)


def failures(ports, failed: int, ok: int) -> None:
    for i in range(failed + ok):
        job = submit(ports)
        run(
            ports, job["id"], JobStatus.COMPLETED if i >= failed else JobStatus.FAILED, 10, error="ValueError"
        )
    FakeStream(ports).drain()


def tick(ports, minutes: float = 1.0) -> None:
    ports.clock.advance(seconds=minutes * 60)
    sweep(ports, remaining_ms=lambda: 50_000)


def alerts(ports, status=None):
    answer = call(ports, "api_list_alerts", query={"status": status} if status else {})
    assert answer.status == 200
    return answer.body["alerts"]


def notifications(ports) -> list[str]:
    return [event.detail_type for event in ports.events.published if event.detail_type.startswith("Alert")]


def test_the_defaults_until_a_tenant_sets_its_rules(ports):
    body = call(ports, "api_get_alert_rules").body
    assert body["defaults"] is True and body["webhook_url"] is None
    assert {(r["metric"], r["operator"], r["threshold"]) for r in body["rules"]} == {
        ("failure_rate", ">", 0.1),
        ("waiting_jobs", ">", 50),
        ("p95_execution_ms", ">", 5000),
        ("slot_utilization", ">", 0.8),
    }

    assert put_rules(ports, [RULE], "https://hooks.example.com/alerts").status == 200
    stored = call(ports, "api_get_alert_rules").body
    assert stored == {"rules": [RULE], "webhook_url": "https://hooks.example.com/alerts", "defaults": False}


@pytest.mark.parametrize(
    "rules",
    [
        [RULE, RULE],
        [{**RULE, "threshold": 2}],
        [{**RULE, "operator": "=="}],
        [{**RULE, "metric": "latency"}],
        [{**RULE, "name": "Bad Name"}],
        [{**RULE, "window_minutes": 0}],
        [{**RULE, "colour": "red"}],
    ],
)
def test_a_bad_rule_set_answers_422_and_changes_nothing(ports, rules):
    answer = put_rules(ports, rules)
    assert answer.status == 422 and answer.body["error"]["code"] == "validation_error"
    assert call(ports, "api_get_alert_rules").body["defaults"] is True


def test_an_http_webhook_is_refused(ports):
    assert put_rules(ports, [RULE], "http://hooks.example.com/alerts").status == 422


def test_an_alert_fires_notifies_once_per_cooldown_is_quiet_once_acknowledged_and_resolves(ports):
    put_rules(ports, [RULE], "https://hooks.example.com/alerts")
    failures(ports, failed=3, ok=5)  # 3 of 8 final failures: 37.5 % > 20 %

    tick(ports)
    (alert,) = alerts(ports, "firing")
    assert (alert["rule"], alert["metric"], alert["threshold"]) == ("failures", "failure_rate", 0.2)
    assert alert["value"] == pytest.approx(0.375) and "failure_rate is 0.375" in alert["message"]
    assert notifications(ports) == ["Alert Fired"]
    webhook = [m for m in ports.queue.sent if json.loads(m.body).get("job_id", "").startswith(alert["id"])]
    assert len(webhook) == 1  # the notification's webhook job, through the queue

    failures(ports, failed=3, ok=5)
    tick(ports, 5)  # still failing, within the cooldown: quiet
    assert notifications(ports) == ["Alert Fired"]
    ports.clock.advance(minutes=10)
    failures(ports, failed=3, ok=5)
    tick(ports, 1)  # still failing, the cooldown passed since it fired
    assert notifications(ports) == ["Alert Fired", "Alert Reminder"]

    acked = call(ports, "api_ack_alert", job_id=alert["id"])
    assert acked.status == 200 and acked.body["status"] == "acknowledged" and acked.body["acknowledged_at"]
    ports.clock.advance(minutes=20)
    failures(ports, failed=3, ok=5)
    tick(ports, 1)  # still failing, past the cooldown, but acknowledged: quiet
    assert notifications(ports) == ["Alert Fired", "Alert Reminder"]
    assert alerts(ports, "acknowledged")[0]["id"] == alert["id"]

    tick(ports, 15)  # nothing ended in the window: too few samples to judge, it resolves
    (resolved,) = alerts(ports, "resolved")
    assert resolved["id"] == alert["id"] and resolved["resolved_at"] and resolved["acknowledged_at"]
    assert notifications(ports) == ["Alert Fired", "Alert Reminder", "Alert Resolved"]
    assert alerts(ports, "firing") == [] and alerts(ports, "acknowledged") == []

    refused = call(ports, "api_ack_alert", job_id=alert["id"])
    assert refused.status == 409 and refused.body["error"]["code"] == "invalid_state"


def test_the_webhook_notification_is_delivered_signed_with_the_tenants_secret(ports):
    put_rules(ports, [RULE], "https://hooks.example.com/alerts")
    failures(ports, failed=5, ok=0)
    tick(ports)
    ports.queue.sent[:] = [m for m in ports.queue.sent if "tenant_webhook" in m.body or "-fired" in m.body]

    deliver(ports)

    (request,) = ports.web.requests
    body = json.loads(request["body"])
    assert request["url"] == "https://hooks.example.com/alerts" and body["event"] == "fired"
    assert body["alert"]["rule"] == "failures" and body["tenant_id"] == "acme"
    from jobqueue.handlers.webhook import sign

    secret = ports.tenants.get("acme").signing_secret
    assert request["headers"]["X-Jobqueue-Signature"] == sign(request["body"], secret)


def test_a_gauge_rule_fires_without_a_window_and_a_removed_rule_resolves_its_alert(ports):
    waiting = {**RULE, "name": "backlog", "metric": "waiting_jobs", "threshold": 2, "min_samples": 0}
    put_rules(ports, [waiting])
    for _ in range(3):
        submit(ports)

    tick(ports)
    (alert,) = alerts(ports, "firing")
    assert alert["rule"] == "backlog" and alert["value"] == 3

    put_rules(ports, [RULE])
    tick(ports)
    (resolved,) = alerts(ports, "resolved")
    assert "removed or disabled" in resolved["message"]


def test_too_few_samples_do_not_fire(ports):
    put_rules(ports, [RULE])
    failures(ports, failed=4, ok=0)  # 100 % failures but 4 < min_samples 5
    tick(ports)
    assert alerts(ports) == []


def test_an_unknown_alert_is_a_404(ports):
    assert call(ports, "api_ack_alert", job_id="01JQ8Z6Y3K4M5N6P7Q8R9S0T1V").status == 404
    assert call(ports, "api_ack_alert", job_id="not-an-id").status in (404, 422)
