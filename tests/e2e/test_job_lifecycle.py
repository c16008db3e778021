"""Jobs through the whole system: API -> DynamoDB -> SQS -> worker -> DynamoDB, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import Api, wait_for

pytestmark = pytest.mark.e2e


def _seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def test_submitted_job_completes_with_its_result(tenant: Api) -> None:
    job = tenant.submit({"handler": "echo", "payload": {"hello": "world"}})

    done = tenant.wait_status(job["id"], "completed")

    assert job["status"] in ("queued", "pending")
    assert done["type"] == "immediate"
    assert done["attempts"] == 1
    assert done["last_result"]["success"] is True
    assert done["last_result"]["result"] == {"hello": "world"}


def test_flaky_job_is_retried_with_backoff_until_it_succeeds(tenant: Api) -> None:
    job = tenant.submit(
        {
            "handler": "flaky",
            "payload": {"fail_times": 2},
            "max_retries": 3,
            "retry": {"strategy": "fixed", "base_seconds": 1},
        }
    )

    done = tenant.wait_status(job["id"], "completed", timeout=45)

    assert done["attempts"] == 3
    assert done["last_result"]["result"] == {"succeeded_on_attempt": 3}
    # two back-offs of one second each between the three attempts
    assert _seconds_between(done["created_at"], done["completed_at"]) >= 2


def test_delayed_job_does_not_start_before_its_delay(tenant: Api) -> None:
    job = tenant.submit({"handler": "echo", "payload": {}, "delay_seconds": 3})

    done = tenant.wait_status(job["id"], "completed")

    assert done["type"] == "delayed"
    assert _seconds_between(done["created_at"], done["started_at"]) >= 2.9


def test_job_scheduled_with_run_at_starts_at_that_time(tenant: Api) -> None:
    run_at = datetime.now(UTC) + timedelta(seconds=4)
    job = tenant.submit({"handler": "echo", "payload": {}, "run_at": run_at.isoformat()})

    done = tenant.wait_status(job["id"], "completed")

    assert done["type"] == "scheduled"
    assert datetime.fromisoformat(done["started_at"]) >= run_at - timedelta(seconds=1)


def test_job_over_its_timeout_times_out(tenant: Api) -> None:
    job = tenant.submit(
        {"handler": "sleep", "payload": {"seconds": 5}, "timeout_seconds": 1, "max_retries": 0}
    )

    done = tenant.wait_status(job["id"], {"timed_out", "failed", "completed"}, timeout=30)

    assert done["status"] == "timed_out"
    assert done["last_result"]["success"] is False


def test_cancelled_job_never_runs_and_cannot_be_cancelled_twice(tenant: Api) -> None:
    job = tenant.submit({"handler": "echo", "payload": {}, "delay_seconds": 60})

    first = tenant.call("POST", f"/v1/jobs/{job['id']}/cancel")
    second = tenant.call("POST", f"/v1/jobs/{job['id']}/cancel")

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "cancelled"
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "invalid_state"
    assert tenant.job(job["id"])["status"] == "cancelled"


def test_failed_job_retried_by_the_client_runs_again(tenant: Api) -> None:
    job = tenant.submit({"handler": "flaky", "payload": {"fail_times": 1}, "max_retries": 0})
    tenant.wait_status(job["id"], "failed")

    response = tenant.call("POST", f"/v1/jobs/{job['id']}/retry")
    done = tenant.wait_status(job["id"], "completed")

    assert response.status_code == 200, response.text
    assert response.json()["status"] in ("queued", "processing", "completed")
    assert done["attempts"] == 2


def test_retry_of_a_completed_job_is_an_invalid_state(tenant: Api) -> None:
    job = tenant.submit({"handler": "echo", "payload": {}})
    tenant.wait_status(job["id"], "completed")

    response = tenant.call("POST", f"/v1/jobs/{job['id']}/retry")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_list_pages_through_every_job_with_the_cursor(tenant: Api) -> None:
    submitted = {
        tenant.submit({"handler": "echo", "payload": {"n": n}, "delay_seconds": 300})["id"] for n in range(5)
    }

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        path = "/v1/jobs?limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = tenant.call("GET", path)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["jobs"]) <= 2
        seen += [job["id"] for job in page["jobs"]]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor or pages > 10:
            break

    assert set(seen) == submitted
    assert len(seen) == len(submitted)
    assert pages >= 3


def test_list_filters_by_status(tenant: Api) -> None:
    waiting = tenant.submit({"handler": "echo", "payload": {}, "delay_seconds": 300})
    done = tenant.submit({"handler": "echo", "payload": {}})
    tenant.wait_status(done["id"], "completed")

    response = tenant.call("GET", "/v1/jobs?status=completed")

    assert response.status_code == 200, response.text
    ids = {job["id"] for job in response.json()["jobs"]}
    assert done["id"] in ids
    assert waiting["id"] not in ids


def test_repeat_with_the_same_idempotency_key_returns_the_first_job(tenant: Api) -> None:
    body = {"handler": "echo", "payload": {"once": True}}
    headers = {"Idempotency-Key": "order-42"}

    first = tenant.call("POST", "/v1/jobs", json=body, headers=headers)
    again = tenant.call("POST", "/v1/jobs", json=body, headers=headers)
    other_body = tenant.call("POST", "/v1/jobs", json={**body, "payload": {"once": False}}, headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert other_body.status_code == 409
    listed = tenant.call("GET", "/v1/jobs").json()["jobs"]
    assert [job["id"] for job in listed].count(first.json()["id"]) == 1
    assert len(listed) == 1


def test_batch_submission_creates_and_runs_every_job(tenant: Api) -> None:
    response = tenant.call(
        "POST", "/v1/jobs/batch", json={"jobs": [{"handler": "echo", "payload": {"n": n}} for n in range(3)]}
    )

    assert response.status_code == 201, response.text
    jobs = response.json()["jobs"]
    assert len(jobs) == 3
    for job in jobs:
        assert tenant.wait_status(job["id"], "completed")["last_result"]["result"]["n"] in (0, 1, 2)


def test_recurring_job_runs_a_child_per_cron_slot_and_completes_at_max_runs(tenant: Api) -> None:
    # EventBridge Scheduler (moto stores the schedule, the local clock fires it) -> dispatcher
    # -> a child job per slot. A cron slot is a minute boundary: up to ~60 s of waiting.
    parent = tenant.submit({"handler": "echo", "payload": {"tick": True}, "cron": "* * * * *", "max_runs": 1})
    assert parent["type"] == "recurring"

    def children() -> list[dict]:
        response = tenant.call("GET", f"/v1/jobs?parent_id={parent['id']}")
        assert response.status_code == 200, response.text
        return response.json()["jobs"]

    runs = wait_for(
        children,
        lambda jobs: any(job["status"] == "completed" for job in jobs),
        timeout=100,
        what="a completed run of the recurring job",
        interval=1,
    )
    assert all(run["parent_id"] == parent["id"] for run in runs)
    assert tenant.wait_status(parent["id"], "completed", timeout=30)["run_count"] == 1
