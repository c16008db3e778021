"""Property on DynamoDB (moto) and the table's real stream: jobs run by the worker (duplicate
deliveries included), the stream's records delivered in random batches, some redelivered whole
or with more records from the same first one: every tally equals the recount from the job
records, exactly."""

from __future__ import annotations

import uuid
import warnings
from collections import Counter
from datetime import timedelta

import pytest
import worker_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobqueue.activity.tally import total
from jobqueue.adapters import aws
from jobqueue.models.job import JobStatus, RetryPolicy
from jobqueue.settings import get_settings
from jobqueue.stream.process import process_stream
from jobqueue.testing.events import InMemoryEventBus
from jobqueue.wiring import default_ports
from tests.integration.worker.kit import message_event, submit
from tests.support.events import FakeLambdaContext
from tests.support.faults import replace_ports
from tests.support.stream import TableStream

JOBS = st.lists(
    st.tuples(st.sampled_from(["echo", "fail", "flaky"]), st.booleans()),  # handler, delivered twice
    min_size=1,
    max_size=6,
)
DELIVERY = st.lists(
    st.tuples(st.integers(1, 7), st.sampled_from(["once", "again", "more"])), min_size=1, max_size=30
)


@pytest.fixture
def table(worker_env):
    return aws.table(get_settings().table_name)


def run_jobs(tenant_id: str, jobs) -> None:
    for handler, twice in jobs:
        fields = {"handler": handler, "tenant_id": tenant_id}
        if handler == "fail":
            fields.update(max_retries=0, payload={})
        if handler == "flaky":
            fields.update(
                max_retries=1, retry=RetryPolicy(strategy="fixed", base_seconds=0), payload={"fail_times": 1}
            )
        job = submit(**fields)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            for _ in range(2 if twice else 1):
                worker_app.lambda_handler(message_event(job), FakeLambdaContext())
            if handler == "flaky":  # its retry, due at once
                worker_app.lambda_handler(message_event(job), FakeLambdaContext())


def deliver(records, plan, ports) -> None:
    """Batches of the records as planned: `again` delivers a batch twice, `more` then delivers
    it with more records from the same first one (what a retried Lambda batch may hold)."""
    start = 0
    steps = iter(plan)
    while start < len(records):
        size, mode = next(steps, (7, "once"))
        batch = records[start : start + size]
        assert process_stream({"Records": batch}, FakeLambdaContext(), ports)["batchItemFailures"] == []
        if mode == "again":
            process_stream({"Records": batch}, FakeLambdaContext(), ports)
        if mode == "more":
            size *= 2
            process_stream({"Records": records[start : start + size]}, FakeLambdaContext(), ports)
        start += size


def recount(ports, tenant_id):
    counts: Counter[str] = Counter()
    jobs = [j for j in ports.jobs.list(tenant_id, _all()).jobs]
    for job in jobs:
        counts["submitted"] += 1
        for previous, entry in zip([None, *job.history], job.history, strict=False):
            status = entry.status.value
            if status in ("completed", "failed", "timed_out", "cancelled"):
                counts[status] += 1
            if status == "processing":
                counts["started"] += 1
            if previous is not None and previous.status is JobStatus.PROCESSING:
                counts["ended"] += 1
                if status in ("pending", "queued"):
                    counts["retried"] += 1
    return counts, jobs


def _all():
    from jobqueue.models.job_query import JobQuery

    return JobQuery(limit=100)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(JOBS, DELIVERY)
def test_tallies_equal_the_recount_whatever_the_batches_and_redeliveries(table, jobs, plan):
    tenant_id = "p" + uuid.uuid4().hex[:10]
    stream = TableStream(table)
    stream.batch()  # what earlier examples left on the stream is not this one's
    run_jobs(tenant_id, jobs)
    ports = replace_ports(default_ports(), events=InMemoryEventBus())
    records = stream.batch()["Records"]

    deliver(records, plan, ports)

    counts, stored = recount(ports, tenant_id)
    now = ports.clock.now()
    hours = ports.activity.hours(tenant_id, now - timedelta(hours=2), now + timedelta(hours=1))
    tally = total(h.total() for h in hours.values())
    assert {k: v for k, v in tally.counts.items() if v} == {k: v for k, v in counts.items() if v}
    feed = ports.activity.feed(tenant_id, None, now + timedelta(hours=1), 1000)
    assert sorted(e["id"] for _, e in feed) == sorted(
        f"{j.id}:{i}" for j in stored for i in range(len(j.history))
    )
