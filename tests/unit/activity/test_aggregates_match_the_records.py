"""Property: after any workload (submissions, runs, failures, retries, cancellations, duplicate
deliveries, stream batches redelivered whole or with more records) every tally equals the count
recomputed from the job records, and the p95 is within 5 % of the exact p95."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobqueue.activity.tally import total
from jobqueue.models.job import JobStatus
from jobqueue.testing.stream import FakeStream
from jobqueue.worker.process import process_batch
from tests.support.events import FakeLambdaContext
from tests.support.fakes import api_ports, call, deliver, registry_for, sqs_event

SUBMIT = st.sampled_from(
    [
        {"handler": "echo"},
        {"handler": "fail", "max_retries": 0},
        {"handler": "fail", "max_retries": 1, "retry": {"strategy": "fixed", "base_seconds": 0}},
        {"handler": "flaky", "payload": {"fail_times": 1}, "retry": {"strategy": "fixed", "base_seconds": 0}},
        {"handler": "echo", "delay_seconds": 30},
    ]
)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), SUBMIT),
        st.tuples(st.just("run"), st.booleans()),  # True: every message delivered twice
        st.tuples(st.just("cancel"), st.integers(0, 50)),
        st.tuples(st.just("retry"), st.integers(0, 50)),
        st.tuples(st.just("stream"), st.integers(1, 8)),
        st.tuples(st.just("redeliver"), st.integers(0, 4)),  # the last batch again, with n more records
        st.tuples(st.just("wait"), st.integers(1, 40)),
    ),
    max_size=40,
)


def run_workload(ports, ops) -> FakeStream:
    stream = FakeStream(ports)
    for op, arg in ops:
        if op == "submit":
            call(ports, "api_submit_job", body=arg)
        elif op == "run":
            messages = list(ports.queue.sent)
            ports.queue.sent[:] = []
            if messages:
                batch = messages + (messages if arg else [])
                process_batch(
                    sqs_event(batch), FakeLambdaContext(remaining_ms=60_000), ports, registry_for(ports)
                )
        elif op in ("cancel", "retry"):
            jobs = ports.jobs.all("acme")
            if jobs:
                route = "api_cancel_job" if op == "cancel" else "api_retry_job"
                call(ports, route, job_id=jobs[arg % len(jobs)].id)
        elif op == "stream":
            stream.deliver(limit=arg)
        elif op == "redeliver":
            stream.deliver(limit=max(1, stream.delivered - stream._last_start) + arg, again=True)
        elif op == "wait":
            ports.clock.advance(seconds=arg)
    for _ in range(5):  # everything runs out, then the stream catches up
        if not ports.queue.sent:
            break
        ports.clock.advance(minutes=2)
        deliver(ports)
    stream.drain()
    return stream


def recount(ports):
    """The truth, from the job records' histories alone."""
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    runs = []
    for job in ports.jobs.all("acme"):
        counts["submitted"] += 1
        for previous, entry in zip([None, *job.history], job.history, strict=False):
            status = entry.status.value
            if status in ("completed", "failed", "timed_out", "cancelled", "processing"):
                counts["started" if status == "processing" else status] += 1
            if previous is not None and previous.status is JobStatus.PROCESSING:
                counts["ended"] += 1
                if entry.execution_ms is not None:
                    runs.append(entry.execution_ms)
                if status != "completed" and entry.error_type:
                    errors[entry.error_type] += 1
                if status in ("pending", "queued"):
                    counts["retried"] += 1
            elif previous is not None and previous.status.is_terminal and status in ("pending", "queued"):
                counts["retried"] += 1
    return counts, errors, runs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_every_tally_equals_the_recount_from_the_job_records(ops):
    ports = api_ports()
    run_workload(ports, ops)
    counts, errors, runs = recount(ports)

    now = ports.clock.now()
    hours = ports.activity.hours("acme", now - timedelta(days=1), now + timedelta(hours=1))
    tally = total(h.total() for h in hours.values())
    assert {k: v for k, v in tally.counts.items() if v} == {k: v for k, v in counts.items() if v}
    assert dict(+tally.errors) == dict(errors)
    assert tally.execution.count == len(runs) and tally.execution.total == sum(runs)
    by_handler = total(h for hour in hours.values() for h in hour.by_handler.values())
    assert by_handler.counts == tally.counts
    minutes = ports.activity.minutes("acme", now - timedelta(days=1), now + timedelta(minutes=1))
    assert total(minutes.values()).counts == tally.counts
    feed = ports.activity.feed("acme", None, now + timedelta(days=1), 10_000)
    assert len(feed) == sum(len(j.history) for j in ports.jobs.all("acme"))
    assert len({e["id"] for _, e in feed}) == len(feed)
    if runs:
        truth = sorted(runs)[math.ceil(0.95 * len(runs)) - 1]
        assert abs(tally.execution.quantile(0.95) - truth) <= 0.05 * truth
