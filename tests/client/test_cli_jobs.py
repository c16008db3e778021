"""`jobq` job commands against the fake API: the requests they send, what they print, and their
exit statuses (0 success, 1 API error or a job that did not complete, 2 usage error)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.client import samples
from tests.client.conftest import Answer, FakeApi, FakeClock

J = samples.JOB_ID


def test_submit_sends_the_payload_and_options_and_prints_the_job(api: FakeApi, cli):
    api.on("POST", "/v1/jobs", Answer(201, samples.job()))

    result = cli(
        "submit", "echo", "--payload", '{"hello": "world"}', "--delay", "15m", "--priority", "high",
        "--max-retries", "0", "--timeout", "5", "--idempotency-key", "order-42", "--metadata", '{"o": 1}',
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert api.body() == {
        "handler": "echo",
        "payload": {"hello": "world"},
        "delay_seconds": 900,
        "priority": "high",
        "max_retries": 0,
        "timeout_seconds": 5,
        "metadata": {"o": 1},
    }
    assert api.last.headers["Idempotency-Key"] == "order-42"
    assert f"submitted {J} (echo, queued)" in result.stdout


def test_submit_schedules_with_at_and_cron(api: FakeApi, cli):
    api.on("POST", "/v1/jobs", Answer(201, samples.job("pending")))

    cli("submit", "echo", "--at", "2026-12-01T08:00:00+01:00")
    cli("submit", "echo", "--cron", "*/5 * * * *", "--tz", "Europe/Berlin", "--max-runs", "3")

    assert api.body(0) == {"handler": "echo", "run_at": "2026-12-01T08:00:00+01:00"}
    assert api.body(1) == {
        "handler": "echo",
        "cron": "*/5 * * * *",
        "timezone": "Europe/Berlin",
        "max_runs": 3,
    }


def test_submit_reads_the_payload_from_a_file_or_stdin(api: FakeApi, cli, tmp_path):
    api.on("POST", "/v1/jobs", Answer(201, samples.job()))
    path = tmp_path / "payload.json"
    path.write_text('{"from": "file"}')

    from_file = cli("submit", "echo", "--payload", f"@{path}")
    from_stdin = cli("submit", "echo", "--payload", "-", input='{"from": "stdin"}')

    assert (from_file.exit_code, from_stdin.exit_code) == (0, 0)
    assert [api.body(0)["payload"], api.body(1)["payload"]] == [{"from": "file"}, {"from": "stdin"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--payload", "{not json"], "not valid JSON"),
        (["--payload", "[1, 2]"], "must be a JSON object"),
        (["--payload", "@/nonexistent/payload.json"], "cannot read"),
        (["--delay", "soon"], "not a duration"),
        (["--priority", "asap"], "asap"),
        (["--max-retries", "many"], "--max-retries"),
    ],
)
def test_submit_usage_errors_exit_2_and_send_nothing(api: FakeApi, cli, args, message):
    result = cli("submit", "echo", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert api.requests == []


def test_submit_json_prints_the_answer_as_sent(api: FakeApi, cli):
    answer = samples.job(new_server_field={"x": 1})
    api.on("POST", "/v1/jobs", Answer(201, answer))

    result = cli("submit", "echo", "--json")

    assert result.exit_code == 0 and json.loads(result.stdout) == answer


@pytest.mark.parametrize(("final", "code"), [("completed", 0), ("failed", 1), ("cancelled", 1)])
def test_submit_wait_exits_by_the_final_status(api: FakeApi, cli, clock: FakeClock, final, code):
    api.on("POST", "/v1/jobs", Answer(201, samples.job()))
    result_field = {"last_result": {"success": final == "completed", "result": {"ok": 1}, "error_type": "E"}}
    api.on("GET", f"/v1/jobs/{J}", samples.job("processing"), samples.job(final, **result_field))

    result = cli("submit", "echo", "--wait")

    assert result.exit_code == code
    assert final in result.stdout and clock.sleeps == [1.0]


def test_get_shows_the_job_and_json_prints_it_raw(api: FakeApi, cli):
    answer = samples.job(
        "failed", last_result={"success": False, "error_type": "ValueError", "error_message": "bad [x]"}
    )
    api.on("GET", f"/v1/jobs/{J}", answer)

    shown = cli("get", J)
    raw = cli("get", J, "--json")
    raw_global = cli("--json", "get", J)

    assert shown.exit_code == 0
    assert J in shown.stdout and "failed" in shown.stdout and "ValueError: bad [x]" in shown.stdout
    assert json.loads(raw.stdout) == answer == json.loads(raw_global.stdout)


def test_an_api_error_exits_1_with_its_code_and_message_on_stderr(api: FakeApi, cli):
    api.on("GET", "/v1/jobs/nope", Answer(404, samples.error("not_found", "job not found", job_id="nope")))

    result = cli("get", "nope")

    assert result.exit_code == 1
    assert 'error: not_found: job not found {"job_id": "nope"}' in result.stderr
    assert result.stdout == ""


def test_a_wrong_key_exits_1_unauthorized(api: FakeApi, cli):
    api.on("GET", f"/v1/jobs/{J}", Answer(401, {"message": "Unauthorized"}))

    result = cli("get", J)

    assert result.exit_code == 1 and "error: unauthorized: Unauthorized" in result.stderr


def test_an_unreachable_api_exits_1(api: FakeApi, cli):
    api.on("GET", f"/v1/jobs/{J}", Answer(error=httpx.ConnectError("connection refused")))

    result = cli("get", J)

    assert result.exit_code == 1 and "cannot reach the API" in result.stderr


def test_without_url_or_key_a_command_exits_2(cli, monkeypatch):
    monkeypatch.delenv("JOBQ_URL")
    monkeypatch.delenv("JOBQ_API_KEY")

    missing = cli("get", J)
    given = cli("--url", "http://api.test", "get", J)

    assert missing.exit_code == 2 and "JOBQ_URL" in missing.stderr
    assert given.exit_code == 2 and "JOBQ_API_KEY" in given.stderr and "JOBQ_URL" not in given.stderr


def test_url_and_api_key_options_are_used(api: FakeApi, cli, monkeypatch):
    monkeypatch.delenv("JOBQ_URL")
    api.on("GET", f"/v1/jobs/{J}", samples.job())

    result = cli("--url", "http://other.test", "--api-key", "jq_other", "get", J)

    assert result.exit_code == 0
    assert api.last.url.host == "other.test" and api.last.headers["Authorization"] == "Bearer jq_other"


def test_list_sends_the_filters_and_shows_a_table_with_the_next_cursor(api: FakeApi, cli):
    api.on(
        "GET",
        "/v1/jobs",
        {"jobs": [samples.job("failed"), samples.job(job_id="01OTHER")], "next_cursor": "c2"},
    )

    result = cli(
        "list",
        "--status",
        "failed",
        "--handler",
        "echo",
        "--parent",
        "P1",
        "--limit",
        "2",
        "--type",
        "recurring",
    )

    assert result.exit_code == 0
    assert api.queries() == [
        {"status": "failed", "handler": "echo", "parent_id": "P1", "limit": "2", "type": "recurring"}
    ]
    assert J in result.stdout and "01OTHER" in result.stdout and "--cursor c2" in result.stdout


def test_list_all_reads_every_page_and_json_is_one_document(api: FakeApi, cli):
    api.on(
        "GET",
        "/v1/jobs",
        {"jobs": [samples.job(job_id="A")], "next_cursor": "c1"},
        {"jobs": [samples.job(job_id="B")], "next_cursor": None},
    )

    result = cli("list", "--all", "--json")

    assert result.exit_code == 0
    assert [j["id"] for j in json.loads(result.stdout)["jobs"]] == ["A", "B"]
    assert api.queries()[1] == {"cursor": "c1"}


def test_list_refuses_an_unknown_status(api: FakeApi, cli):
    result = cli("list", "--status", "done")

    assert result.exit_code == 2 and api.requests == []


@pytest.mark.parametrize(
    ("command", "method", "path", "body", "answer", "shown"),
    [
        (
            "cancel",
            "POST",
            f"/v1/jobs/{J}/cancel",
            None,
            samples.job("cancelled", status_reason="cancelled by request"),
            "cancelled (cancelled by request)",
        ),
        ("retry", "POST", f"/v1/jobs/{J}/retry", None, samples.job("queued"), f"{J} queued"),
        (
            "pause",
            "PATCH",
            f"/v1/jobs/{J}",
            {"enabled": False},
            samples.job("pending", enabled=False),
            "enabled: no",
        ),
        (
            "resume",
            "PATCH",
            f"/v1/jobs/{J}",
            {"enabled": True},
            samples.job("pending", enabled=True),
            "enabled: yes",
        ),
    ],
)
def test_state_changes(api: FakeApi, cli, command, method, path, body, answer, shown):
    api.on(method, path, answer)

    result = cli(command, J)
    as_json = cli(command, J, "--json")

    assert result.exit_code == 0 and shown in result.stdout
    assert (api.last.method, api.last.url.path) == (method, path)
    assert (json.loads(api.last.content) if body else api.last.content) == (body or b"")
    assert json.loads(as_json.stdout) == answer


def test_cancelling_twice_exits_1_with_invalid_state(api: FakeApi, cli):
    api.on(
        "POST",
        f"/v1/jobs/{J}/cancel",
        Answer(409, samples.error("invalid_state", "a cancelled job cannot be cancelled")),
    )

    result = cli("cancel", J)

    assert result.exit_code == 1 and "invalid_state: a cancelled job cannot be cancelled" in result.stderr
