"""The jobs of a batch's records are read in one call; a lone record, a failed batch read and a
record that started late each read their own job, and every job still runs once."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from jobqueue.messages import JobMessage
from jobqueue.models.job import JobStatus
from jobqueue.worker.prefetch import FRESH_SECONDS, Prefetched
from jobqueue.worker.process import process_batch
from tests.support.events import FakeLambdaContext
from tests.support.fakes import api_ports, call, registry_for, sqs_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


class CountingJobs:
    """The in-memory job repository, counting the worker's reads (`fail_batch_reads`: each
    get_many raises, as a throttled BatchGetItem would)."""

    def __init__(self, jobs: Any, fail_batch_reads: bool = False):
        self._jobs = jobs
        self._fail = fail_batch_reads
        self.gets: list[tuple[str, str]] = []
        self.batch_reads: list[list[tuple[str, str]]] = []

    def get(self, tenant_id: str, job_id: str, consistent: bool = True):
        self.gets.append((tenant_id, job_id))
        return self._jobs.get(tenant_id, job_id, consistent)

    def get_many(self, keys):
        keys = list(keys)
        self.batch_reads.append(keys)
        if self._fail:
            raise RuntimeError("ProvisionedThroughputExceededException")
        return self._jobs.get_many(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jobs, name)


def submitted(count: int, fail_batch_reads: bool = False):
    ports = api_ports()
    ids = []
    for _ in range(count):
        answer = call(ports, "api_submit_job", body={"handler": "echo", "payload": {"n": 1}})
        assert answer.status == 201, answer.body
        ids.append(answer.body["id"])
    jobs = CountingJobs(ports.jobs, fail_batch_reads)
    return dataclasses.replace(ports, jobs=jobs), jobs, ids


def run_batch(ports) -> dict[str, Any]:
    messages, ports.queue.sent[:] = list(ports.queue.sent), []
    context = FakeLambdaContext(remaining_ms=60_000)
    return process_batch(sqs_event(messages), context, ports, registry_for(ports), threads=10)


def test_the_jobs_of_a_batch_are_read_in_one_call_and_each_runs():
    ports, jobs, ids = submitted(3)

    response = run_batch(ports)

    assert response["batchItemFailures"] == []
    assert [sorted(keys) for keys in jobs.batch_reads] == [sorted(("acme", i) for i in ids)]
    assert jobs.gets == []
    assert all(ports.jobs.get("acme", i).status is JobStatus.COMPLETED for i in ids)


def test_a_lone_record_reads_its_own_job():
    ports, jobs, ids = submitted(1)

    run_batch(ports)

    assert jobs.batch_reads == [] and jobs.gets == [("acme", ids[0])]
    assert ports.jobs.get("acme", ids[0]).status is JobStatus.COMPLETED


def test_a_failed_batch_read_leaves_each_record_to_read_its_own_job():
    ports, jobs, ids = submitted(3, fail_batch_reads=True)

    response = run_batch(ports)

    assert response["batchItemFailures"] == []
    assert len(jobs.batch_reads) == 1 and sorted(jobs.gets) == sorted(("acme", i) for i in ids)
    assert all(ports.jobs.get("acme", i).status is JobStatus.COMPLETED for i in ids)


def test_a_record_that_starts_late_reads_its_job_again():
    ports, jobs, ids = submitted(2)
    read = dict(jobs.get_many([("acme", i) for i in ids]))
    fresh = Prefetched(jobs, dict(read), time.monotonic())
    stale = Prefetched(jobs, dict(read), time.monotonic() - FRESH_SECONDS - 1)
    ports.jobs.transition("acme", ids[0], [JobStatus.QUEUED], {"status": JobStatus.CANCELLED})
    message = JobMessage(job_id=ids[0], tenant_id="acme", attempt=0)

    assert fresh.job_of(message).status is JobStatus.QUEUED and jobs.gets == []  # as read
    assert stale.job_of(message).status is JobStatus.CANCELLED  # read again
    assert jobs.gets == [("acme", ids[0])]
