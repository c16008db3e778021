"""A batch's records run side by side (bounded threads), a `run_alone` handler's job with nothing
beside it, and every guarantee of a record run alone still holds: the tenant's concurrency
limit, partial batch responses, timeouts."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from jobqueue.handlers import builtin_handlers
from jobqueue.models.job import JobStatus
from jobqueue.registry import Registry, handler, spec_of
from jobqueue.worker.process import process_batch
from jobqueue.worker.side_by_side import RunGate
from tests.support.events import FakeLambdaContext
from tests.support.fakes import api_ports, call, every_category_tenant, sqs_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

WAIT = 5.0  # the longest a test waits for its jobs to meet: a deadline, not a sleep


class Anything(BaseModel):
    model_config = {"extra": "allow"}


@dataclass
class Overlap:
    """Records how many jobs ran at once, and which ran beside another."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    active: set[str] = field(default_factory=set)
    peak: int = 0
    beside: dict[str, set[str]] = field(default_factory=dict)

    def enter(self, job_id: str) -> None:
        with self.lock:
            for other in self.active:
                self.beside.setdefault(other, set()).add(job_id)
                self.beside.setdefault(job_id, set()).add(other)
            self.active.add(job_id)
            self.peak = max(self.peak, len(self.active))

    def leave(self, job_id: str) -> None:
        with self.lock:
            self.active.discard(job_id)


def registry_with(ports, overlap: Overlap, meet: threading.Barrier | None = None) -> Registry:
    def visit(payload, ctx):
        overlap.enter(ctx.job.id)
        try:
            if meet is not None:
                with contextlib.suppress(threading.BrokenBarrierError):
                    meet.wait(WAIT)  # every job of the batch running at once
            else:
                ctx.cancelled.wait(0.2)
        finally:
            overlap.leave(ctx.job.id)
        return "ok"

    def crunch(payload, ctx):
        overlap.enter(ctx.job.id)
        try:
            ctx.cancelled.wait(0.2)
        finally:
            overlap.leave(ctx.job.id)
        return "crunched"

    def stall(payload, ctx):
        ctx.cancelled.wait(WAIT)
        return "late"

    specs = [
        spec_of(handler("visit", "custom_processing", Anything)(visit)),
        spec_of(handler("crunch", "custom_processing", Anything, run_alone=True)(crunch)),
        spec_of(handler("stall", "custom_processing", Anything, timeout_seconds=1)(stall)),
    ]
    return Registry([*builtin_handlers(ports), *specs])


def submit(ports, registry, handler_name: str, tenant: str = "acme", **body) -> str:
    principal = {"tenant_id": tenant, "role": "tenant", "key_id": f"key_{tenant}", "tier": 4}
    answer = call(
        ports,
        "api_submit_job",
        registry=registry,
        principal=principal,
        body={"handler": handler_name, "payload": {}, **body},
    )
    assert answer.status == 201, answer.body
    return answer.body["id"]


def run(ports, registry, threads: int):
    messages, ports.queue.sent[:] = list(ports.queue.sent), []
    event = sqs_event(messages)
    return process_batch(
        event, FakeLambdaContext(remaining_ms=60_000), ports, registry, threads=threads
    ), event


def test_the_records_of_a_batch_run_side_by_side():
    ports, overlap = api_ports(), Overlap()
    registry = registry_with(ports, overlap, meet=threading.Barrier(4))
    ids = [submit(ports, registry, "visit") for _ in range(4)]

    response, _ = run(ports, registry, threads=10)

    assert response["batchItemFailures"] == []
    assert overlap.peak == 4  # all four met at the barrier: none waited for another to finish
    assert all(ports.jobs.get("acme", i).status is JobStatus.COMPLETED for i in ids)


def test_no_more_records_run_at_once_than_the_worker_has_threads():
    ports, overlap = api_ports(), Overlap()
    registry = registry_with(ports, overlap)
    ids = [submit(ports, registry, "visit") for _ in range(6)]

    response, _ = run(ports, registry, threads=2)

    assert response["batchItemFailures"] == []
    assert overlap.peak == 2
    assert all(ports.jobs.get("acme", i).status is JobStatus.COMPLETED for i in ids)


def test_a_run_alone_handler_never_runs_beside_another_job():
    ports, overlap = api_ports(), Overlap()
    registry = registry_with(ports, overlap)
    ids = [submit(ports, registry, "visit") for _ in range(3)]
    alone = [submit(ports, registry, "crunch") for _ in range(2)]
    ids += [submit(ports, registry, "visit") for _ in range(3)]

    response, _ = run(ports, registry, threads=10)

    assert response["batchItemFailures"] == []
    assert overlap.peak >= 2  # the others did run side by side
    for job_id in alone:
        assert overlap.beside.get(job_id, set()) == set()
        assert ports.jobs.get("acme", job_id).last_result.result == "crunched"
    assert all(ports.jobs.get("acme", i).status is JobStatus.COMPLETED for i in ids)


def test_the_tenants_concurrency_limit_holds_when_its_records_run_side_by_side():
    ports, overlap = api_ports(), Overlap()
    tenant = every_category_tenant()
    ports.tenants.put(
        tenant.model_copy(
            update={"overrides": tenant.overrides.model_copy(update={"max_concurrent_jobs": 2})}
        )
    )
    registry = registry_with(ports, overlap)
    ids = [submit(ports, registry, "visit") for _ in range(6)]

    response, _ = run(ports, registry, threads=10)

    assert response["batchItemFailures"] == []
    assert overlap.peak <= 2
    jobs = [ports.jobs.get("acme", i) for i in ids]
    done = [j for j in jobs if j.status is JobStatus.COMPLETED]
    waiting = [j for j in jobs if j.status is JobStatus.QUEUED]
    # the others wait for a slot in a new message, their attempts untouched: nothing is lost
    assert len(done) + len(waiting) == 6 and len(done) >= 2
    assert {m.message.job_id for m in ports.queue.sent} == {j.id for j in waiting}
    assert all(j.attempts == 0 for j in waiting)
    assert ports.counters.snapshot("acme").running == 0


def test_a_bad_record_fails_alone_and_a_late_job_times_out_while_the_others_complete():
    ports, overlap = api_ports(), Overlap()
    registry = registry_with(ports, overlap)
    good = [submit(ports, registry, "visit") for _ in range(3)]
    late = submit(ports, registry, "stall", max_retries=0)
    messages, ports.queue.sent[:] = list(ports.queue.sent), []
    event = sqs_event(messages)
    poison = {**event["Records"][0], "messageId": "poison", "body": "not a job"}
    event["Records"].append(poison)

    response = process_batch(event, FakeLambdaContext(remaining_ms=60_000), ports, registry, threads=10)

    assert response["batchItemFailures"] == [{"itemIdentifier": "poison"}]
    assert all(ports.jobs.get("acme", i).status is JobStatus.COMPLETED for i in good)
    assert ports.jobs.get("acme", late).status is JobStatus.TIMED_OUT


def test_the_gate_lets_shared_holders_in_together_and_one_alone_holder_by_itself():
    gate, inside, peak_alone = RunGate(), [], []
    lock = threading.Lock()

    def hold(alone: bool):
        with gate.hold(alone):
            with lock:
                inside.append(alone)
                if alone:
                    peak_alone.append(len(inside))
            threading.Event().wait(0.05)
            with lock:
                inside.remove(alone)

    threads = [threading.Thread(target=hold, args=(i % 3 == 0,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)

    assert peak_alone == [1, 1, 1]  # each alone holder found nobody else inside
    assert not any(t.is_alive() for t in threads)


def test_a_message_delivered_twice_in_one_batch_runs_its_job_once():
    ports, overlap = api_ports(), Overlap()
    registry = registry_with(ports, overlap)
    job_id = submit(ports, registry, "visit")
    (sent,) = ports.queue.sent
    ports.queue.sent[:] = []

    response = process_batch(
        sqs_event([sent, sent]), FakeLambdaContext(remaining_ms=60_000), ports, registry, threads=10
    )

    job = ports.jobs.get("acme", job_id)
    assert response["batchItemFailures"] == []
    assert job.status is JobStatus.COMPLETED and job.attempts == 1
    assert ports.counters.snapshot("acme").running == 0
