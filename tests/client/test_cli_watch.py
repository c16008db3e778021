"""`jobq watch ID...`: live status until every job ends; exit 0 only when all completed."""

from __future__ import annotations

import json

from tests.client import samples
from tests.client.conftest import FakeApi, FakeClock

J = samples.JOB_ID


def test_watch_prints_each_status_until_completed(api: FakeApi, cli, clock: FakeClock):
    api.on(
        "GET",
        f"/v1/jobs/{J}",
        samples.job("queued"),
        samples.job("queued"),
        samples.job("processing"),
        samples.job("completed"),
    )

    result = cli("watch", J, "--interval", "0.5")

    assert result.exit_code == 0
    assert [line.split()[-1] for line in result.stdout.splitlines()] == ["queued", "processing", "completed"]
    assert clock.sleeps == [0.5, 0.5, 0.5]


def test_watch_exits_1_when_the_job_failed(api: FakeApi, cli):
    api.on("GET", f"/v1/jobs/{J}", samples.job("failed", status_reason="ValueError: boom"))

    result = cli("watch", J)

    assert result.exit_code == 1 and "failed" in result.stdout and "boom" in result.stdout


def test_watch_of_several_jobs_shows_progress_and_exits_by_all_outcomes(api: FakeApi, cli):
    api.on("GET", "/v1/jobs/A", samples.job("processing", "A"), samples.job("completed", "A"))
    api.on("GET", "/v1/jobs/B", samples.job("completed", "B"))
    api.on("GET", "/v1/jobs/C", samples.job("timed_out", "C"))

    all_ok = cli("watch", "A", "B")
    one_bad = cli("watch", "A", "B", "C", "--json")

    assert all_ok.exit_code == 0
    assert "B completed" in all_ok.stdout and "A completed" in all_ok.stdout and "2/2" in all_ok.stdout
    assert one_bad.exit_code == 1
    assert [j["status"] for j in json.loads(one_bad.stdout)["jobs"]] == [
        "completed",
        "completed",
        "timed_out",
    ]


def test_watch_gives_up_after_its_timeout_with_exit_1(api: FakeApi, cli, clock: FakeClock):
    api.on("GET", f"/v1/jobs/{J}", samples.job("processing"))

    result = cli("watch", J, "--timeout", "3")

    assert result.exit_code == 1 and "timeout" in result.stderr and sum(clock.sleeps) == 3
