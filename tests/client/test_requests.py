"""Each job method of the Client sends its route's request (method, path, query, body, headers)
and reads the answer into its model."""

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


def jobs_page(*jobs: dict[str, Any], cursor: str | None = None) -> dict[str, Any]:
    return {"jobs": list(jobs), "next_cursor": cursor}


# (id, call, method, path, query, body, answer, check of the result)
CASES: list[tuple[str, Callable[[jobq.Client], Any], str, str, dict, Any, Any, Callable[[Any], bool]]] = [
    (
        "submit_batch",
        lambda c: c.submit_batch(
            [{"handler": "echo", "payload": {"n": 1}}, {"handler": "sleep", "delay_seconds": 30}]
        ),
        "POST",
        "/v1/jobs/batch",
        {},
        {"jobs": [{"handler": "echo", "payload": {"n": 1}}, {"handler": "sleep", "delay_seconds": 30}]},
        {"jobs": [samples.job(), samples.job(job_id="01B")]},
        lambda r: [j.id for j in r] == [J, "01B"],
    ),
    (
        "get",
        lambda c: c.get(J),
        "GET",
        f"/v1/jobs/{J}",
        {},
        None,
        samples.job("completed"),
        lambda r: r.is_terminal,
    ),
    (
        "list",
        lambda c: c.list(
            status="failed", handler="echo", created_after=datetime(2025, 3, 1, tzinfo=UTC), limit=20
        ),
        "GET",
        "/v1/jobs",
        {"status": "failed", "handler": "echo", "created_after": "2025-03-01T00:00:00Z", "limit": "20"},
        None,
        jobs_page(samples.job("failed"), cursor="c2"),
        lambda r: isinstance(r, jobq.JobPage) and r.next_cursor == "c2" and r.jobs[0].status == "failed",
    ),
    (
        "cancel",
        lambda c: c.cancel(J),
        "POST",
        f"/v1/jobs/{J}/cancel",
        {},
        None,
        samples.job("cancelled", status_reason="cancelled by request"),
        lambda r: r.status == "cancelled" and r.status_reason == "cancelled by request",
    ),
    (
        "retry",
        lambda c: c.retry(J),
        "POST",
        f"/v1/jobs/{J}/retry",
        {},
        None,
        samples.job(),
        lambda r: r.status == "queued",
    ),
    (
        "pause",
        lambda c: c.pause(J),
        "PATCH",
        f"/v1/jobs/{J}",
        {},
        {"enabled": False},
        samples.job("pending", type="recurring", enabled=False),
        lambda r: r.enabled is False,
    ),
    (
        "resume",
        lambda c: c.resume(J),
        "PATCH",
        f"/v1/jobs/{J}",
        {},
        {"enabled": True},
        samples.job("pending", type="recurring", enabled=True),
        lambda r: r.enabled is True,
    ),
    (
        "maintenance_jobs",
        lambda c: c.maintenance_jobs(retention_days=14),
        "POST",
        "/v1/maintenance-jobs",
        {},
        {"retention_days": 14},
        {"jobs": [samples.job("pending", job_id="maint-cleanup-old-jobs", type="recurring")]},
        lambda r: r[0].id == "maint-cleanup-old-jobs",
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "answer", "check"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_job_method_sends_its_request_and_reads_its_model(
    api: FakeApi, client, call, method, path, query, body, answer, check
):
    sends(api, client, call, method, path, query, body, answer, check)
