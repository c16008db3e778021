"""The Python client (`jobq.Client`, `jobq.AsyncClient`) and the `jobq` CLI against the local
stack: every command at least once, with its exit status (0 success, 1 API error or a job that
did not complete, 2 usage error)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import jobq
from jobq.cli import app
from local.stack import LocalStack
from tests.e2e.conftest import Api

pytestmark = pytest.mark.e2e

RUNNER = CliRunner()
MISSING_JOB = "01NOSUCHJOB0000000000000000"
MISSING_ALERT = "01NOSUCHALERT0000000000000"
JOBQ_SCRIPT = Path(sys.executable).with_name("jobq")


def run(api: Api, *args: str, input: str | None = None) -> Result:
    """`jobq --url URL --api-key KEY ARGS...` in-process."""
    return RUNNER.invoke(
        app, ["--url", api.base_url, "--api-key", api.key, *args], input=input, env={"COLUMNS": "200"}
    )


def ok_json(result: Result) -> dict:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


@pytest.fixture
def client(tenant: Api) -> Iterator[jobq.Client]:
    with jobq.Client(tenant.base_url, tenant.key) as client:
        yield client


def test_the_client_submits_waits_lists_and_reads_observability(client: jobq.Client, tenant: Api):
    job = client.submit("echo", {"hello": "world"}, priority="high", metadata={"case": "client"})
    done = client.wait(job.id, timeout=30, poll_interval=0.2)

    assert (job.status, done.status) == ("queued", "completed")
    assert done.last_result.success and done.last_result.result is not None
    assert done.metadata == {"case": "client"} and done.raw["id"] == job.id
    assert job.id in [j.id for j in client.iter_jobs(handler="echo", limit=1)]
    assert client.list(status="completed").jobs[0].id == job.id
    assert [e.status for e in client.events(job_id=job.id).events][-1] == "completed"
    assert {"echo", "fail", "sleep"} <= {h.name for h in client.handlers()}
    assert client.usage().tenant_id == tenant.tenant_id
    assert 0 <= client.health().health_score <= 100
    assert client.queue().queued_by_priority is not None
    assert client.metrics(handler="echo").start < client.metrics(handler="echo").end
    assert len(client.trends("P1D", "PT6H").buckets) == 4
    assert client.alert_rules().defaults is True
    assert client.alerts() == []


def test_the_client_raises_the_apis_errors(client: jobq.Client, tenant: Api):
    delayed = client.submit("echo", {}, delay_seconds=600, idempotency_key="e2e-once")
    again = client.submit("echo", {}, delay_seconds=600, idempotency_key="e2e-once")
    cancelled = client.cancel(delayed.id)

    assert again.id == delayed.id and cancelled.status == "cancelled"
    with pytest.raises(jobq.InvalidState) as raised:
        client.cancel(delayed.id)
    assert raised.value.details["status"] == "cancelled"
    with pytest.raises(jobq.IdempotencyConflict):
        client.submit("echo", {"other": "body"}, delay_seconds=600, idempotency_key="e2e-once")
    with pytest.raises(jobq.NotFound):
        client.get(MISSING_JOB)
    with pytest.raises(jobq.InvalidRequest) as invalid:
        client.submit("sleep", {"seconds": "soon"})
    assert "payload.seconds" in invalid.value.details
    with pytest.raises(jobq.Forbidden):
        client.admin_stats()
    with pytest.raises(jobq.Unauthorized), jobq.Client(tenant.base_url, "jq_wrong") as wrong:
        wrong.health()


def test_the_async_client_submits_and_waits(tenant: Api):
    async def go() -> tuple[jobq.Job, list[jobq.Job]]:
        async with jobq.AsyncClient(tenant.base_url, tenant.key) as client:
            jobs = await client.submit_batch([{"handler": "echo", "payload": {"n": n}} for n in range(2)])
            done = [job async for job in client.wait_all([j.id for j in jobs], timeout=30, poll_interval=0.2)]
            return await client.get(jobs[0].id), done

    first, done = asyncio.run(go())

    assert first.status == "completed" and {j.status for j in done} == {"completed"}


def test_cli_submit_wait_get_list_and_events(tenant: Api, tmp_path: Path):
    payload = tmp_path / "payload.json"
    payload.write_text('{"from": "file"}')

    waited = ok_json(run(tenant, "submit", "echo", "--payload", f"@{payload}", "--wait", "--json"))
    from_stdin = ok_json(run(tenant, "submit", "echo", "--payload", "-", "--json", input='{"from": "stdin"}'))
    shown = run(tenant, "get", waited["id"])
    listed = ok_json(run(tenant, "list", "--handler", "echo", "--all", "--json"))
    table = run(tenant, "list", "--limit", "1")
    events = ok_json(run(tenant, "events", "--job", waited["id"], "--json"))
    followed = run(tenant, "events", "--job", waited["id"], "--follow", "--count", "2", "--json")
    feed = ok_json(run(tenant, "events", "--json"))

    assert waited["status"] == "completed" and waited["payload"] == {"from": "file"}
    assert from_stdin["payload"] == {"from": "stdin"}
    assert shown.exit_code == 0 and waited["id"] in shown.stdout and "completed" in shown.stdout
    assert {waited["id"], from_stdin["id"]} <= {job["id"] for job in listed["jobs"]}
    assert table.exit_code == 0 and "more: --cursor" in table.stdout
    assert [e["status"] for e in events["events"]][-1] == "completed"
    assert followed.exit_code == 0 and len(followed.stdout.splitlines()) == 2
    assert "next_cursor" in feed


def test_cli_watch_exits_0_for_completed_and_1_for_failed_jobs(tenant: Api):
    echo = ok_json(run(tenant, "submit", "echo", "--json"))
    fail = ok_json(run(tenant, "submit", "fail", "--payload", "{}", "--max-retries", "0", "--json"))

    completed = run(tenant, "watch", echo["id"], "--interval", "0.2", "--timeout", "30")
    failed = run(tenant, "watch", fail["id"], "--interval", "0.2", "--timeout", "30")
    both = run(tenant, "watch", echo["id"], fail["id"], "--interval", "0.2", "--json")

    assert completed.exit_code == 0 and "completed" in completed.stdout
    assert failed.exit_code == 1 and "failed" in failed.stdout
    assert both.exit_code == 1
    assert [j["status"] for j in json.loads(both.stdout)["jobs"]] == ["completed", "failed"]


def test_cli_cancel_retry_pause_resume(tenant: Api):
    delayed = ok_json(run(tenant, "submit", "echo", "--delay", "10m", "--json"))
    recurring = ok_json(
        run(tenant, "submit", "echo", "--cron", "*/5 * * * *", "--tz", "Europe/Berlin", "--json")
    )

    cancelled = run(tenant, "cancel", delayed["id"])
    twice = run(tenant, "cancel", delayed["id"])
    retried = ok_json(run(tenant, "retry", delayed["id"], "--json"))
    paused = ok_json(run(tenant, "pause", recurring["id"], "--json"))
    resumed = run(tenant, "resume", recurring["id"])
    stopped = ok_json(run(tenant, "cancel", recurring["id"], "--json"))

    assert delayed["type"] == "delayed" and recurring["type"] == "recurring"
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout
    assert twice.exit_code == 1 and "invalid_state" in twice.stderr
    assert retried["status"] in ("queued", "processing", "completed")
    assert paused["enabled"] is False
    assert resumed.exit_code == 0 and "enabled: yes" in resumed.stdout
    assert stopped["status"] == "cancelled"


def test_cli_observability_commands(tenant: Api):
    for command in (
        ["handlers"],
        ["usage"],
        ["health"],
        ["metrics", "--handler", "echo"],
        ["queue"],
        ["alerts"],
    ):
        assert run(tenant, *command).exit_code == 0, command
    trends = run(tenant, "trends", "--period", "P1D", "--interval", "PT6H")
    rules = ok_json(run(tenant, "alerts", "rules", "--json"))
    usage = ok_json(run(tenant, "usage", "--json"))

    assert trends.exit_code == 0 and "total  " in trends.stdout and "4 buckets" in trends.stdout
    assert rules["defaults"] is True and {r["name"] for r in rules["rules"]} >= {"high-failure-rate"}
    assert usage["tenant_id"] == tenant.tenant_id


def test_cli_errors_exit_1_and_usage_errors_exit_2(tenant: Api, stack: LocalStack):
    missing = run(tenant, "get", MISSING_JOB)
    no_alert = run(tenant, "alerts", "ack", MISSING_ALERT)
    bad_json = run(tenant, "submit", "echo", "--payload", "{nope")
    invalid = run(tenant, "submit", "sleep", "--payload", '{"seconds": "soon"}')
    no_key = RUNNER.invoke(app, ["get", MISSING_JOB], env={"JOBQ_URL": stack.api_url, "JOBQ_API_KEY": None})
    wrong_key = RUNNER.invoke(app, ["--url", stack.api_url, "--api-key", "jq_wrong", "health"])

    assert missing.exit_code == 1 and "not_found" in missing.stderr
    assert no_alert.exit_code == 1 and "not_found" in no_alert.stderr
    assert bad_json.exit_code == 2 and "--payload" in bad_json.stderr
    assert (
        invalid.exit_code == 1
        and "validation_error" in invalid.stderr
        and "payload.seconds" in invalid.stderr
    )
    assert no_key.exit_code == 2 and "JOBQ_API_KEY" in no_key.stderr
    assert wrong_key.exit_code == 1 and "unauthorized" in wrong_key.stderr


def test_cli_admin_commands(admin: Api, tenant: Api):
    tenant_id = tenant.tenant_id + "x"

    put = ok_json(run(admin, "admin", "tenant", "put", tenant_id, "--name", "CLI", "--tier", "2",
                      "--limits", '{"max_daily_jobs": 5000}', "--json"))  # fmt: skip
    got = ok_json(run(admin, "admin", "tenant", "get", tenant_id, "--json"))
    listed = ok_json(run(admin, "admin", "tenant", "list", "--limit", "50", "--json"))
    key = ok_json(run(admin, "admin", "key", "create", tenant_id, "--json"))
    stats = ok_json(run(admin, "admin", "stats", "--json"))
    shown = run(admin, "admin", "stats")
    admin_queue = ok_json(run(admin, "queue", "--json"))
    forbidden = run(tenant, "admin", "stats")

    assert put["overrides"] == {"max_daily_jobs": 5000} and put["signing_secret"]
    assert got["tier"] == 2 and got["signing_secret"] == put["signing_secret"]
    assert tenant_id in {t["tenant_id"] for t in listed["tenants"]}
    assert key["tenant_id"] == tenant_id and key["api_key"].startswith("jq_")
    assert jobq.Client(admin.base_url, key["api_key"]).usage().tenant_id == tenant_id
    assert stats["total_jobs_24h"] >= 0 and shown.exit_code == 0 and "jobs 24h" in shown.stdout
    assert admin_queue["queues"]
    assert forbidden.exit_code == 1 and "forbidden" in forbidden.stderr


def test_the_installed_console_script(tenant: Api):
    env = {"JOBQ_URL": tenant.base_url, "JOBQ_API_KEY": tenant.key, "PATH": "/usr/bin:/bin"}

    found = subprocess.run(
        [str(JOBQ_SCRIPT), "get", MISSING_JOB], env=env, capture_output=True, text=True, timeout=60
    )
    handlers = subprocess.run(
        [str(JOBQ_SCRIPT), "handlers", "--json"], env=env, capture_output=True, text=True, timeout=60
    )

    assert found.returncode == 1 and "error: not_found: job not found" in found.stderr
    assert handlers.returncode == 0 and "echo" in {h["name"] for h in json.loads(handlers.stdout)["handlers"]}
