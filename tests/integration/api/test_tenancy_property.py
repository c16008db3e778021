"""Property: the tenant counters equal the true number of waiting and running jobs after random
mixes of submit, run, fail, retry, cancel, dead-lettering and worker crashes, driving the real
api, worker, sweeper and dead-letter handlers in-process (seeded, so a failure replays).

Two kinds of crash: a worker that dies after its claim (its slot comes back when the sweeper
recovers the expired lease; the counters stay exact throughout), and a process that dies between
a winning job write and its counter write (injected: the counter write raises). The second
leaves the counter off until the sweeper's reconciliation, which must bring it back."""

from __future__ import annotations

import random
from datetime import timedelta

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from jobqueue.deadletter.process import process_dead_letters
from jobqueue.handlers import builtin_handlers
from jobqueue.messages import message_body
from jobqueue.models.job import Category, JobStatus
from jobqueue.models.tenant import Tenant
from jobqueue.registry import Registry
from jobqueue.sweeper.tick import sweep
from jobqueue.tenancy.reconcile import true_counts
from jobqueue.tenancy.slots import give_slot, take_slot
from jobqueue.tiers import LimitOverrides
from jobqueue.times import utc_now
from jobqueue.wiring import aws_ports
from jobqueue.worker import claim
from jobqueue.worker.process import process_batch
from tests.integration.api.conftest import principal
from tests.integration.worker.kit import receive_event
from tests.support.events import FakeLambdaContext, load_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

TENANTS = ("acme", "globex")
STEPS = 70
SEEDS = (1, 2, 3)


def truth(table, tenant_id: str) -> tuple[int, int]:
    """Counted from the job items themselves (not through the status index)."""
    waiting = running = 0
    params = {"KeyConditionExpression": Key("PK").eq(f"T#{tenant_id}") & Key("SK").begins_with("JOB#")}
    while True:
        page = table.query(**params)
        for item in page["Items"]:
            waiting += item["status"] in ("pending", "queued")
            running += item["status"] == "processing"
        if "LastEvaluatedKey" not in page:
            return waiting, running
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class MovingClock:
    """The real time plus an offset the test moves forward (leases expire, checks fall due)."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self):
        return utc_now() + self.offset


class BreakableCounters:
    """The real counters; `break_next()` makes the next counter write fail (the process 'dies')."""

    WRITES = frozenset(
        {
            "reserve",
            "reserve_waiting",
            "release_waiting",
            "release_daily",
            "take_running",
            "give_running",
        }
    )

    def __init__(self, inner):
        self.inner, self.broken = inner, False

    def break_next(self):
        self.broken = True

    def __getattr__(self, name):
        method = getattr(self.inner, name)
        if name not in self.WRITES:
            return method

        def write(*args, **kwargs):
            if self.broken:
                self.broken = False
                raise ClientError(
                    {"Error": {"Code": "InternalServerError", "Message": "crash"}}, "UpdateItem"
                )
            return method(*args, **kwargs)

        return write


@pytest.mark.parametrize("seed", SEEDS)
def test_counters_equal_the_true_counts_after_random_operations(api, monkeypatch, seed):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "jobqueue")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "JobQueue")
    rng = random.Random(seed)
    clock = MovingClock()
    real = aws_ports(clock)
    counters = BreakableCounters(real.counters)
    ports = type(real)(**{**real.__dict__, "counters": counters})
    registry = Registry(builtin_handlers(ports))

    def counter(tenant_id: str) -> tuple[int, int]:
        snapshot = ports.counters.snapshot(tenant_id)
        return snapshot.waiting, snapshot.running

    def tick():
        sweep(ports, remaining_ms=lambda: 55_000, reconcile_interval_seconds=0)

    for tenant_id in TENANTS:
        # globex has one slot: a crashed job of it blocks the others, which wait (deferrals).
        overrides = LimitOverrides(
            allowed_job_types=list(Category),
            max_concurrent_jobs=1 if tenant_id == "globex" else 2,
            max_queued_jobs=12,
        )
        ports.tenants.put(Tenant(tenant_id=tenant_id, name=tenant_id, tier=2, overrides=overrides))
    table = boto3.resource("dynamodb").Table(api.aws.table_name)
    queues = list(api.aws.queue_urls.values())
    drifted = False
    ops: list[str] = []

    def job_ids(tenant_id, statuses):
        return [j.id for j in api.jobs_in_table(tenant_id) if j.status.value in statuses]

    for step in range(STEPS):
        tenant_id = rng.choice(TENANTS)
        who = principal(tenant_id)
        op = rng.choices(
            ["submit", "batch", "run", "cancel", "retry", "crash", "recover", "deadletter", "drift"],
            weights=[6, 2, 7, 2, 2, 3, 2, 1, 1],
        )[0]
        ops.append(f"{step}:{op}:{tenant_id}")
        if op == "submit":
            handler = rng.choice(["echo", "echo", "fail"])
            body = {"handler": handler, "payload": {"message": "no"} if handler == "fail" else {}}
            body |= {"max_retries": rng.choice([0, 1]), "retry": {"strategy": "fixed", "base_seconds": 0}}
            assert api.submit(body, principal=who, ports=ports).status in (201, 429)
        elif op == "batch":
            jobs = [{"handler": "echo"} for _ in range(rng.randint(2, 4))]
            response = api.call("api_submit_batch", body={"jobs": jobs}, principal=who, ports=ports)
            assert response.status in (201, 429)
        elif op == "run":
            for url in queues:
                event = receive_event(url)
                if event["Records"]:
                    process_batch(event, FakeLambdaContext(), ports, registry)
        elif op in ("cancel", "retry"):
            statuses = {"pending", "queued"} if op == "cancel" else {"failed", "timed_out", "cancelled"}
            candidates = job_ids(tenant_id, statuses | ({"completed"} if rng.random() < 0.2 else set()))
            if candidates:
                event = "api_cancel_job" if op == "cancel" else "api_retry_job"
                response = api.call(event, job_id=rng.choice(candidates), principal=who, ports=ports)
                assert response.status in (200, 409, 429), response.body
        elif op == "crash":  # a worker claims a job and dies before finishing it
            candidates = [j for j in api.jobs_in_table(tenant_id) if j.status is JobStatus.QUEUED]
            if candidates:
                job = rng.choice(candidates)
                if (
                    take_slot(ports.counters, ports.tenants, job)
                    and claim.claim(ports.jobs, job, clock.now()) is None
                ):
                    give_slot(ports.counters, job, requeued=True)
        elif op == "recover":  # time passes: leases expire, dispatch checks fall due
            clock.offset += timedelta(seconds=rng.choice([30, 120, 400]))
            tick()
            drifted = False  # the tick reconciled every tenant
        elif op == "deadletter":
            candidates = [j for j in api.jobs_in_table(tenant_id) if j.status is JobStatus.QUEUED]
            if candidates:
                record = load_event("sqs_deadletter_batch")["Records"][0]
                record["body"] = message_body(rng.choice(candidates))
                process_dead_letters({"Records": [record]}, FakeLambdaContext(), ports)
        elif op == "drift":  # a crash between a winning job write and its counter write
            candidates = job_ids(tenant_id, {"queued"})
            if candidates:
                counters.break_next()
                response = api.call(
                    "api_cancel_job", job_id=rng.choice(candidates), principal=who, ports=ports
                )
                assert response.status == 200
                drifted = True
        if not drifted:
            for t in TENANTS:
                assert counter(t) == truth(table, t), f"seed {seed}, tenant {t}, after {ops[-12:]}"

    clock.offset += timedelta(seconds=120)
    tick()
    for t in TENANTS:
        assert counter(t) == truth(table, t) == true_counts(ports.jobs, t), f"seed {seed}: {ops}"
    assert any(op.split(":")[1] == "run" for op in ops)
