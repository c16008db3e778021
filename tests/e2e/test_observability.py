"""Observability end to end on the local stack: known jobs give exact counts and a p95 in range
on every route; an alert fires, is acknowledged and resolves (notified by a signed webhook); a
callback arrives signed; events come in order."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.tcp_ports import free_port
from tests.e2e.conftest import Api, wait_for

pytestmark = pytest.mark.e2e

SLEEP_SECONDS = 0.4
ECHOES, FAILURES, SLEEPS = 6, 2, 4


class Receiver:
    """An HTTP server on this machine that records what is POSTed to it."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def signed(request: dict[str, Any], secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(request["headers"].get("X-Jobqueue-Signature", ""), expected)


def get(tenant: Api, path: str) -> dict[str, Any]:
    response = tenant.call("GET", path)
    assert response.status_code == 200, response.text
    return response.json()


def test_known_jobs_give_exact_counts_and_a_p95_in_range_on_every_route(tenant: Api) -> None:
    jobs = [tenant.submit({"handler": "echo", "payload": {"i": i}}) for i in range(ECHOES)]
    jobs += [
        tenant.submit({"handler": "fail", "payload": {"error_type": "QuotaExceeded", "retryable": False}})
        for _ in range(FAILURES)
    ]
    jobs += [
        tenant.submit({"handler": "sleep", "payload": {"seconds": SLEEP_SECONDS}}) for _ in range(SLEEPS)
    ]
    for job in jobs:
        tenant.wait_status(job["id"], {"completed", "failed"}, timeout=60)
    total = ECHOES + FAILURES + SLEEPS

    everything = wait_for(  # the stream function folds the records a moment later
        lambda: get(tenant, "/v1/metrics/performance"),
        lambda body: body["executions"] == total,
        timeout=30,
        what="every execution in the tallies",
    )
    assert (everything["submitted"], everything["completed"], everything["failed"]) == (
        total,
        total - FAILURES,
        FAILURES,
    )
    assert everything["errors_by_type"] == {"QuotaExceeded": FAILURES}
    assert everything["failure_rate"] == round(FAILURES / total, 4)
    sleeps = get(tenant, "/v1/metrics/performance?handler=sleep")
    assert sleeps["executions"] == SLEEPS and sleeps["completed"] == SLEEPS
    low, high = (
        SLEEP_SECONDS * 1000 * 0.95,
        SLEEP_SECONDS * 1000 * 1.05 + 300,
    )  # histogram error, then overhead
    assert low <= sleeps["p95_execution_ms"] <= high, sleeps
    assert sleeps["p95_queue_wait_ms"] is not None and sleeps["p95_queue_wait_ms"] < 30_000

    trend = get(tenant, "/v1/trends?period=P1D&interval=PT1H")
    assert len(trend["buckets"]) == 24 and sum(b["total"] for b in trend["buckets"]) == total
    assert sum(b["failed"] for b in trend["buckets"]) == FAILURES
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    window = get(tenant, f"/v1/usage?start={start}&end={end}")["window"]
    assert (window["total"], window["finished"]) == (total, total)
    assert window["by_status"] == {"completed": total - FAILURES, "failed": FAILURES}

    health = get(tenant, "/v1/health")
    assert health["signals"]["failure_rate"]["value"] == round(FAILURES / total, 4)
    assert health["health_score"] < 100 and any(
        r["signal"] == "failure_rate" for r in health["recommendations"]
    )
    queue = get(tenant, "/v1/queue")
    assert queue["queued"] == 0 and queue["processing"] == 0

    events = get(tenant, f"/v1/events?job_id={jobs[-1]['id']}")["events"]
    assert [e["status"] for e in events] == ["queued", "processing", "completed"]


def test_the_event_feed_has_every_jobs_events_in_order(tenant: Api) -> None:
    jobs = [tenant.submit({"handler": "echo"}) for _ in range(3)]
    for job in jobs:
        tenant.wait_status(job["id"], "completed")

    def read_all() -> list[dict[str, Any]]:
        events, cursor = [], None
        while True:
            page = get(tenant, "/v1/events?limit=4" + (f"&after={cursor}" if cursor else ""))
            events += page["events"]
            if not page["events"]:
                return events
            cursor = page["next_cursor"]

    events = wait_for(read_all, lambda found: len(found) == 9, timeout=30, what="9 settled events")
    for job in jobs:
        mine = [e for e in events if e["job_id"] == job["id"]]
        assert [(e["previous_status"], e["status"]) for e in mine] == [
            (None, "queued"),
            ("queued", "processing"),
            ("processing", "completed"),
        ]
        assert [e["id"] for e in mine] == [f"{job['id']}:{i}" for i in range(3)]


def test_a_callback_arrives_signed_and_its_outcome_shows_on_the_job(tenant: Api, receiver: Receiver) -> None:
    job = tenant.submit({"handler": "echo", "payload": {"n": 1}, "callback_url": receiver.url + "/done"})

    (request,) = wait_for(
        lambda: receiver.on("/done"), lambda found: len(found) == 1, timeout=60, what="the callback"
    )
    posted = json.loads(request["body"])
    assert posted["id"] == job["id"] and posted["status"] == "completed"
    assert posted["last_result"]["success"] is True and posted["last_result"]["result"] == {"n": 1}
    assert signed(request, tenant.signing_secret or "")
    shown = wait_for(
        lambda: tenant.job(job["id"]), lambda j: j.get("callback") is not None, timeout=30, what="the outcome"
    )
    assert shown["callback"]["status"] == "delivered" and shown["callback"]["status_code"] == 200


def test_an_alert_fires_is_acknowledged_and_resolves_with_signed_notifications(
    tenant: Api, receiver: Receiver
) -> None:
    rules = {
        "rules": [
            {
                "name": "failing",
                "metric": "failure_rate",
                "operator": ">",
                "threshold": 0.5,
                "window_minutes": 1,
                "min_samples": 2,
                "cooldown_minutes": 30,
                "enabled": True,
            }
        ],
        "webhook_url": receiver.url + "/alerts",
    }
    assert tenant.call("PUT", "/v1/alerts/rules", json=rules).status_code == 200
    for _ in range(3):
        tenant.submit({"handler": "fail", "payload": {"retryable": False}})

    # the sweeper evaluates every tenant once a minute
    (alert,) = wait_for(
        lambda: get(tenant, "/v1/alerts?status=firing")["alerts"],
        lambda a: len(a) == 1,
        timeout=150,
        what="a firing alert",
    )
    assert alert["rule"] == "failing" and alert["value"] == 1.0
    fired = wait_for(
        lambda: receiver.on("/alerts"), lambda r: len(r) >= 1, timeout=60, what="the fired webhook"
    )
    assert json.loads(fired[0]["body"])["event"] == "fired" and signed(fired[0], tenant.signing_secret or "")

    acked = tenant.call("POST", f"/v1/alerts/{alert['id']}/ack")
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"

    resolved = wait_for(
        lambda: get(tenant, "/v1/alerts?status=resolved")["alerts"],
        lambda a: len(a) == 1,
        timeout=180,
        what="the alert to resolve",
    )
    assert resolved[0]["id"] == alert["id"] and resolved[0]["acknowledged_at"] is not None
    notes = wait_for(
        lambda: receiver.on("/alerts"), lambda r: len(r) >= 2, timeout=60, what="the resolved webhook"
    )
    assert [json.loads(r["body"])["event"] for r in notes] == ["fired", "resolved"]
