"""A suspended tenant's jobs wait, untouched and not lost, and run once it is resumed."""

from __future__ import annotations

from jobqueue.models.job import JobStatus
from jobqueue.worker.waits import SUSPENDED_REASON, SUSPENDED_RECHECK_SECONDS
from tests.support.fakes import api_ports, call, deliver, every_category_tenant


def test_a_suspended_tenants_job_waits_and_runs_after_resume():
    ports = api_ports()
    job_id = call(ports, "api_submit_job", body={"handler": "echo", "payload": {"n": 1}}).body["id"]
    ports.tenants.put(every_category_tenant().model_copy(update={"suspended": True}))

    deliver(ports)

    waiting = ports.jobs.get("acme", job_id)
    assert waiting.status is JobStatus.QUEUED and waiting.attempts == 0
    assert waiting.status_reason == SUSPENDED_REASON
    (again,) = ports.queue.sent
    assert again.delay_seconds == SUSPENDED_RECHECK_SECONDS and again.message.job_id == job_id
    assert ports.counters.usage("acme", ports.clock.now()).running == 0  # no slot taken

    ports.tenants.put(every_category_tenant())
    ports.clock.advance(seconds=SUSPENDED_RECHECK_SECONDS)
    deliver(ports)

    done = ports.jobs.get("acme", job_id)
    assert done.status is JobStatus.COMPLETED and done.attempts == 1
