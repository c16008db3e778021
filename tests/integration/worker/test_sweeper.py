"""The sweeper function on moto: expired leases, lost dispatches, bounded work."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
import sweeper_app

from jobqueue.models.job import JobStatus
from jobqueue.outcomes import write_decision
from jobqueue.sweeper.tick import sweep
from jobqueue.testing import FrozenClock
from jobqueue.times import iso, parse_iso, utc_now
from jobqueue.wiring import aws_ports, default_ports
from jobqueue.worker import claim
from jobqueue.worker.results import decide
from jobqueue.worker.runner import RunKind, RunResult
from tests.integration.worker.kit import captured_sends, queue_url_of, queued_bodies
from tests.support.events import FakeLambdaContext, load_event
from tests.support.factories import make_job
from tests.support.moto_env import raw_item

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


def tick(remaining_ms: int = 55_000):
    return sweeper_app.lambda_handler(
        load_event("sweeper_tick"), FakeLambdaContext(remaining_ms=remaining_ms)
    )


def tick_at(moment):
    """A tick on a clock standing at `moment` (time has passed)."""
    return sweep(aws_ports(FrozenClock(moment)), remaining_ms=lambda: 55_000).summary()


def stored(job):
    return default_ports().jobs.get(job.tenant_id, job.id)


def sweep_due(job) -> str | None:
    return raw_item(job.tenant_id, job.id).get("GSI2SK")


def stuck_job(**fields):
    """A job a worker claimed and then lost: processing, its lease expired a minute ago."""
    now = utc_now()
    job = make_job(status=JobStatus.PROCESSING, attempts=1, started_at=now - timedelta(minutes=2), **fields)
    default_ports().jobs.create(job, sweep_at=now - timedelta(minutes=1))
    return job


def lost_job(**fields):
    """A queued job whose message never arrived: its dispatch check passed a second ago."""
    job = make_job(status=JobStatus.QUEUED, **fields)
    default_ports().jobs.create(job, sweep_at=utc_now() - timedelta(seconds=1))
    return job


def test_an_expired_lease_queues_the_job_again_and_re_sends_it(worker_env):
    job = stuck_job(max_retries=2)

    with captured_sends() as sent:
        summary = tick()

    again = stored(job)
    assert summary["requeued"] == 1
    assert again.status is JobStatus.PENDING and again.waiting_on == "time"  # its backoff
    assert again.retries_used == 1 and again.attempts == 1
    assert again.last_result.error_type == "WorkerLost"
    assert [json.loads(s["MessageBody"]) for s in sent] == [
        {"job_id": job.id, "tenant_id": job.tenant_id, "attempt": 1}
    ]
    assert sweep_due(again) > iso(utc_now())  # watched again, for its dispatch


def test_an_expired_lease_without_retries_left_times_the_job_out(worker_env):
    job = stuck_job(max_retries=1, retries_used=1)

    with captured_sends() as sent:
        summary = tick()

    lost = stored(job)
    assert summary["timed_out"] == 1
    assert lost.status is JobStatus.TIMED_OUT
    assert "worker lost" in lost.status_reason
    assert lost.completed_at is not None
    assert sweep_due(lost) is None
    assert sent == []


def test_a_lost_dispatch_is_re_sent_and_the_next_check_pushed_out(worker_env):
    job = lost_job()

    summary = tick()

    item = raw_item(job.tenant_id, job.id)
    next_check = parse_iso(item["GSI2SK"])
    assert summary["redispatched"] == 1
    assert [b["job_id"] for b in queued_bodies(queue_url_of(job))] == [job.id]
    assert item["dispatches"] == 1
    assert timedelta(seconds=590) < next_check - utc_now() <= timedelta(seconds=600)  # 2 x 300 s
    assert stored(job).status is JobStatus.QUEUED


def test_each_re_dispatch_doubles_the_grace(worker_env):
    job = lost_job()
    tick()
    later = utc_now() + timedelta(seconds=601)

    summary = tick_at(later)

    item = raw_item(job.tenant_id, job.id)
    assert summary["redispatched"] == 1
    assert item["dispatches"] == 2
    assert parse_iso(item["GSI2SK"]) - later == timedelta(seconds=1200)


def test_a_job_not_yet_due_is_left_alone(worker_env):
    job = make_job(status=JobStatus.QUEUED)
    default_ports().jobs.create(job, sweep_at=utc_now() + timedelta(minutes=5))

    summary = tick()

    assert summary["redispatched"] == summary["requeued"] == 0
    assert queued_bodies(queue_url_of(job)) == []


def test_a_finished_job_left_in_the_sweep_index_is_taken_out(worker_env):
    job = make_job(status=JobStatus.COMPLETED)
    default_ports().jobs.create(job, sweep_at=utc_now() - timedelta(minutes=1))

    summary = tick()

    assert summary["cleared"] == 1
    assert sweep_due(job) is None


def test_the_sweeper_stops_when_its_invocation_runs_short(worker_env):
    job = lost_job()

    summary = tick(remaining_ms=1_000)

    assert summary["stopped_early"] is True
    assert summary["redispatched"] == 0
    assert raw_item(job.tenant_id, job.id).get("dispatches") is None


def test_a_worker_that_lost_its_lease_cannot_record_a_late_outcome(worker_env):
    ports = default_ports()
    job = make_job(status=JobStatus.QUEUED, max_retries=2)
    ports.jobs.create(job)
    claimed = claim.claim(ports.jobs, job, utc_now())
    after_lease = utc_now() + timedelta(seconds=job.timeout_seconds + 60)
    tick_at(after_lease)

    late = write_decision(
        claimed,
        decide(claimed, RunResult(RunKind.SUCCEEDED, value={}), after_lease, random.Random(1)),
        ports.jobs,
        ports.queue,
    )

    assert late is None
    assert stored(job).status is JobStatus.PENDING
    assert stored(job).retries_used == 1
