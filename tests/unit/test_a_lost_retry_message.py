"""Found by the fault soak (docs/reliability.md): a retry waits `pending` for its backoff; when
its message is lost (the send fails, or the worker that received it dies), the sweeper's check
must queue and send it again, whatever the job's type. It used to clear an immediate job's
check instead (`queue_due` took only delayed/scheduled/notification jobs), leaving it pending
with no message and no check: lost."""

from __future__ import annotations

import random

import pytest

from jobqueue.models.job import JobStatus
from jobqueue.sweeper.tick import sweep
from tests.support.fakes import api_ports, call, deliver
from tests.support.faults import Faulty, raising, replace_ports

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


def test_an_immediate_jobs_retry_whose_message_was_lost_is_queued_and_sent_by_the_sweeper():
    ports = api_ports()
    body = {
        "handler": "flaky",
        "payload": {"fail_times": 1},
        "retry": {"strategy": "fixed", "base_seconds": 2},
    }
    answer = call(ports, "api_submit_job", body=body)
    assert answer.status == 201 and answer.body["type"] == "immediate"
    job_id = answer.body["id"]

    deliver(replace_ports(ports, queue=Faulty(ports.queue, send=raising(RuntimeError("SQS down")))))
    waiting = ports.jobs.get("acme", job_id)
    assert waiting.status is JobStatus.PENDING and ports.queue.sent == []

    ports.clock.advance(400)  # past the retry's time and its dispatch check
    report = sweep(ports, rng=random.Random(1))

    assert report.pending == {job_id: "queued"}
    assert [m.message.job_id for m in ports.queue.sent] == [job_id]
    deliver(ports)
    done = ports.jobs.get("acme", job_id)
    assert done.status is JobStatus.COMPLETED and done.attempts == 2
