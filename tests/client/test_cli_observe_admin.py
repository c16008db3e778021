"""`jobq` observability and admin commands against the fake API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client import samples
from tests.client.conftest import Answer, FakeApi, FakeClock

J = samples.JOB_ID
A = samples.ALERT_ID


SHOWN = [
    (["handlers"], "/v1/handlers", samples.HANDLERS, ["echo", "sleep", "custom_processing", "30s"]),
    (
        ["usage"],
        "/v1/usage",
        samples.USAGE,
        ["41 of 50", "230 of 1000", "warning: max_queued_jobs: 41 of 50"],
    ),
    (
        ["health"],
        "/v1/health",
        samples.HEALTH,
        ["health 62/100: warning", "failure_rate", "check handler report"],
    ),
    (
        ["metrics"],
        "/v1/metrics/performance",
        samples.PERFORMANCE,
        ["412 (completed 398", "p95 611.2", "ValueError"],
    ),
    (
        ["queue"],
        "/v1/queue",
        samples.QUEUE,
        ["3 (critical 0, urgent 0, high 1, normal 2, low 0)", "1500 ms"],
    ),
    (
        ["alerts"],
        "/v1/alerts",
        {"alerts": [samples.ALERT]},
        [A, "firing", "high-failure-rate", "0.4 > 0.1"],
    ),
    (
        ["alerts", "rules"],
        "/v1/alerts/rules",
        samples.RULES,
        ["failure_rate > 0.2", "60m", "webhook: https://"],
    ),
    (
        ["events"],
        "/v1/events",
        {"events": [samples.event(1)], "next_cursor": "n1"},
        [J, "pending -> queued", "--after n1"],
    ),
    (
        ["admin", "stats"],
        "/v1/admin/stats",
        samples.STATS,
        ["1200 (completed 1150", "acme 800", "jobqueue-dlq", "warning:"],
    ),
    (
        ["admin", "tenant", "get", "acme"],
        "/v1/admin/tenants/acme",
        samples.tenant(bus_events="none"),
        ["Acme", "s3cret", '{"max_queued_jobs":2}', "none"],
    ),
    (
        ["admin", "key", "create", "acme"],
        "/v1/admin/tenants/acme/keys",
        samples.KEY,
        ["key_3f9a1c2b7d4e", "jq_abc"],
    ),
]


@pytest.mark.parametrize(
    ("args", "path", "answer", "shown"), SHOWN, ids=[" ".join(case[0]) for case in SHOWN]
)
def test_each_command_shows_its_answer_and_json_prints_it_raw(api: FakeApi, cli, args, path, answer, shown):
    method = "POST" if args[-2:-1] == ["create"] else "GET"
    api.on(method, path, answer)

    result = cli(*args)
    as_json = cli(*args, "--json")

    assert result.exit_code == 0, result.stderr
    for text in shown:
        assert text in result.stdout
    assert (api.last.method, api.last.url.path) == (method, path)
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == answer


def test_usage_and_metrics_send_their_windows(api: FakeApi, cli):
    api.on("GET", "/v1/usage", samples.USAGE)
    api.on("GET", "/v1/metrics/performance", samples.PERFORMANCE)

    cli("usage", "--start", "2026-11-22T00:00:00Z", "--end", "2026-11-23T00:00:00Z")
    cli("metrics", "--handler", "echo", "--type", "immediate", "--start", "2026-11-30T00:00:00Z")

    assert api.queries() == [
        {"start": "2026-11-22T00:00:00Z", "end": "2026-11-23T00:00:00Z"},
        {"handler": "echo", "type": "immediate", "start": "2026-11-30T00:00:00Z"},
    ]


def test_trends_draws_a_sparkline_and_bars_of_totals_and_failures(api: FakeApi, cli):
    api.on("GET", "/v1/trends", samples.TRENDS)

    result = cli("trends", "--period", "PT3H", "--interval", "PT1H")

    assert result.exit_code == 0
    assert api.queries() == [{"period": "PT3H", "interval": "PT1H"}]
    lines = result.stdout.splitlines()
    assert "total  ▁▅█  sum 12, max 8" in lines
    assert "failed ▁█▁  sum 1" in lines
    row_4, row_8 = (
        next(line for line in lines if line.startswith(start)) for start in ("11-23 06:00", "11-23 07:00")
    )
    assert row_8.count("█") == 30 and row_4.count("█") == 15 + 4  # totals on one scale, then failures


def test_trends_refuses_an_unknown_interval(api: FakeApi, cli):
    result = cli("trends", "--interval", "PT5M")

    assert result.exit_code == 2 and api.requests == []


def test_queue_of_an_admin_shows_the_sqs_queues(api: FakeApi, cli):
    api.on("GET", "/v1/queue", {"queues": samples.DEPTHS})

    result = cli("queue", "--tenant", "acme")

    assert api.queries() == [{"tenant_id": "acme"}]
    assert "jobqueue-normal" in result.stdout and "jobqueue-dlq" in result.stdout


def test_alerts_filters_and_ack(api: FakeApi, cli):
    api.on("GET", "/v1/alerts", {"alerts": []})
    api.on("POST", f"/v1/alerts/{A}/ack", {**samples.ALERT, "status": "acknowledged"})

    listed = cli("alerts", "--status", "firing", "--limit", "5")
    acked = cli("alerts", "ack", A)

    assert listed.exit_code == 0 and api.queries()[0] == {"status": "firing", "limit": "5"}
    assert listed.stdout.strip() == "no alerts firing"
    assert acked.exit_code == 0 and f"{A} acknowledged" in acked.stdout
    assert (api.last.method, api.last.url.path) == ("POST", f"/v1/alerts/{A}/ack")


def test_acking_a_resolved_alert_exits_1(api: FakeApi, cli):
    api.on(
        "POST",
        f"/v1/alerts/{A}/ack",
        Answer(409, samples.error("invalid_state", "a resolved alert cannot be acknowledged")),
    )

    result = cli("alerts", "ack", A)

    assert result.exit_code == 1 and "invalid_state" in result.stderr


def test_events_follow_polls_with_the_cursor_until_count(api: FakeApi, cli, clock: FakeClock):
    api.on(
        "GET",
        "/v1/events",
        {"events": [samples.event(1)], "next_cursor": "c1"},
        {"events": [], "next_cursor": "c1"},
        {
            "events": [samples.event(2, "processing", "queued"), samples.event(3, "completed", "processing")],
            "next_cursor": "c3",
        },
    )

    result = cli("events", "--follow", "--job", J, "--interval", "0.5", "--count", "3", "--json")

    assert result.exit_code == 0
    assert [json.loads(line)["status"] for line in result.stdout.splitlines()] == [
        "queued",
        "processing",
        "completed",
    ]
    assert [q.get("after") for q in api.queries()] == [None, "c1", "c1"]
    assert all(q["job_id"] == J for q in api.queries())
    assert clock.sleeps == [0.5]


def test_events_follow_ends_quietly_on_ctrl_c(api: FakeApi, cli, clock: FakeClock, monkeypatch):
    api.on(
        "GET",
        "/v1/events",
        {"events": [samples.event(1)], "next_cursor": "c1"},
        {"events": [], "next_cursor": "c1"},
    )

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(clock, "sleep", interrupted)

    result = cli("events", "--follow")

    assert result.exit_code == 0 and "pending -> queued" in result.stdout


def test_admin_tenant_put_sends_the_profile(api: FakeApi, cli, tmp_path):
    api.on("PUT", "/v1/admin/tenants/acme", samples.tenant())
    limits = tmp_path / "limits.json"
    limits.write_text('{"max_daily_jobs": 5000}')

    inline = cli(
        "admin",
        "tenant",
        "put",
        "acme",
        "--name",
        "Acme",
        "--tier",
        "1",
        "--limits",
        '{"max_queued_jobs": 2}',
    )
    from_file = cli(
        "admin", "tenant", "put", "acme", "--name", "Acme", "--tier", "2", "--limits", f"@{limits}"
    )
    bare = cli("admin", "tenant", "put", "acme", "--name", "Acme", "--tier", "3")
    all_events = cli("admin", "tenant", "put", "acme", "--name", "Acme", "--tier", "3", "--bus-events", "all")
    suspended = cli("admin", "tenant", "put", "acme", "--name", "Acme", "--tier", "3", "--suspended")

    assert [r.exit_code for r in (inline, from_file, bare, all_events, suspended)] == [0] * 5
    assert [api.body(i) for i in range(5)] == [
        {"name": "Acme", "tier": 1, "limits": {"max_queued_jobs": 2}},
        {"name": "Acme", "tier": 2, "limits": {"max_daily_jobs": 5000}},
        {"name": "Acme", "tier": 3, "limits": {}},
        {"name": "Acme", "tier": 3, "limits": {}, "bus_events": "all"},
        {"name": "Acme", "tier": 3, "limits": {}, "suspended": True},
    ]
    assert "s3cret" in inline.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "Acme", "--tier", "1", "--limits", "{oops"],
        ["--name", "Acme", "--tier", "1", "--limits", "[]"],
        ["--name", "Acme", "--tier", "9"],
        ["--tier", "1"],
        ["--name", "Acme", "--tier", "1", "--bus-events", "some"],
    ],
)
def test_admin_tenant_put_usage_errors_exit_2(api: FakeApi, cli, args):
    result = cli("admin", "tenant", "put", "acme", *args)

    assert result.exit_code == 2 and api.requests == []


def test_admin_tenant_list_reads_every_page(api: FakeApi, cli):
    api.on(
        "GET",
        "/v1/admin/tenants",
        {"tenants": [samples.tenant("a", signing_secret=None)], "next_cursor": "x"},
        {"tenants": [samples.tenant("b", signing_secret=None)], "next_cursor": None},
    )

    result = cli("admin", "tenant", "list", "--json")

    assert result.exit_code == 0
    assert [t["tenant_id"] for t in json.loads(result.stdout)["tenants"]] == ["a", "b"]


def test_a_tenant_key_on_an_admin_route_exits_1_forbidden(api: FakeApi, cli):
    api.on(
        "GET", "/v1/admin/stats", Answer(403, samples.error("forbidden", "this route needs an admin API key"))
    )

    result = cli("admin", "stats")

    assert result.exit_code == 1 and "forbidden: this route needs an admin API key" in result.stderr


def test_completion_is_offered():
    # A fresh process, as a user's shell runs it: completion reads the process's own name and
    # environment, which other in-process CLI tests share.
    script = Path(sys.executable).with_name("jobq")
    done = subprocess.run(
        [str(script), "--show-completion", "bash"],
        # Typer asks shellingham which shell runs it (sh under make) unless told to take the one
        # named: its own switch for this, as a user's bash needs none.
        env={**os.environ, "SHELL": "/bin/bash", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "_JOBQ_COMPLETE" in done.stdout and "complete -o default -F _jobq_completion jobq" in done.stdout
