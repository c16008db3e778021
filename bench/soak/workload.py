"""The soak's submissions over HTTP, and the book of what was accepted.

The mixed tenants get the job mix of `config.MIX` from a few submitting threads; the busy
tenant is kept at its max_concurrent_jobs (a few jobs always waiting behind its running ones);
the full tenant is sent bursts a little bigger than its free waiting places (its 429s are
expected and are not accepted jobs). Submitting pauses while the band queues hold more than
`max_backlog` visible messages (moto's SQS slows down with long queues; docs/local-stack.md).

Only a 201 is an accepted job. Every submission carries a unique `ref` in its payload, so a job
written by a request whose answer was lost (a killed api, a 500) is found in the records too.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.soak.config import MIX, SoakConfig
from bench.soak.stack import SoakStack, Tenant

LIMITS_FED_UNTIL = 0.85
FULL_EVERY_SECONDS, FULL_EXTRA = 5.0, 2  # its free waiting places in one batch, then 2 more, every 5 s
PRIORITIES = ["normal"] * 5 + ["high"] * 2 + ["low"] * 2 + ["urgent", "critical"]


@dataclass
class Accepted:
    job_id: str
    tenant: str
    kind: str
    ref: str
    expect: str  # the status it should end in without faults


class Book:
    """What the soak sent and what it was answered (thread-safe)."""

    def __init__(self) -> None:
        self.accepted: dict[str, Accepted] = {}
        self.refs: dict[str, str] = {}  # every ref sent -> tenant
        self.answers: Counter[str] = Counter()  # "<tenant> <status>"
        self.expected_429: Counter[str] = Counter()
        self.idempotency: list[tuple[str, str]] = []  # (first id, repeat's id)
        self.cancels: Counter[int] = Counter()
        self.last_accept = 0.0
        self._lock = threading.Lock()

    def sent(self, ref: str, tenant: str) -> None:
        with self._lock:
            self.refs[ref] = tenant

    def answer(self, tenant: str, status: int, expected_429: bool = False) -> None:
        with self._lock:
            self.answers[f"{tenant} {status}"] += 1
            if status == 429 and expected_429:
                self.expected_429[tenant] += 1

    def accept(self, job: dict[str, Any], kind: str, ref: str, expect: str) -> None:
        with self._lock:
            self.accepted[job["id"]] = Accepted(job["id"], job["tenant_id"], kind, ref, expect)
            self.last_accept = time.time()

    @property
    def count(self) -> int:
        return len(self.accepted)


class Client:
    """One tenant's key; a requests session per thread."""

    def __init__(self, url: str, tenant: Tenant):
        self.url = url
        self.tenant = tenant
        self._local = threading.local()

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        try:
            response = session.request(
                method,
                self.url + path,
                json=body,
                headers={"Authorization": f"Bearer {self.tenant.key}", **(headers or {})},
                timeout=60,
            )
        except requests.RequestException:
            return 0, None
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None


class Workload:
    def __init__(self, config: SoakConfig, stack: SoakStack, book: Book):
        self.config = config
        self.stack = stack
        self.book = book
        self.clients = {tid: Client(stack.url, tenant) for tid, tenant in stack.tenants.items()}
        self.mixed = [t for t in stack.tenants.values() if t.plan.role == "mixed"]
        self.paused = False
        self.done = threading.Event()
        self._seq = 0
        self._seq_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ running

    def run(self) -> None:
        """Submit until `config.jobs` jobs are accepted (blocks)."""
        if self.config.recurring and not self.config.short:
            for _ in range(self.config.recurring):
                self._recurring(self.clients["soak-medium"], random.Random(self.config.seed))
        loops = [self._monitor, self._busy, self._full] + [self._mixed] * self.config.submitters
        for n, loop in enumerate(loops):
            rng = random.Random(f"{self.config.seed}:{n}")
            thread = threading.Thread(target=loop, args=(rng,), name=f"soak-{loop.__name__}-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        while self.book.count < self.config.jobs:
            time.sleep(0.2)
        self.done.set()
        for thread in self._threads:
            thread.join(timeout=90)

    def _monitor(self, rng: random.Random) -> None:
        while not self.done.is_set():
            try:
                self.paused = self.stack.backlog() > self.config.max_backlog
            except Exception:
                self.paused = False
            self.done.wait(2)

    def _mixed(self, rng: random.Random) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while not self.done.is_set():
            if self.paused:
                time.sleep(0.2)
                continue
            tenant = rng.choices(self.mixed, [t.plan.weight for t in self.mixed])[0]
            kind = rng.choices(kinds, weights)[0]
            getattr(self, "_" + kind)(self.clients[tenant.tenant_id], rng)

    def _feeding_limits(self) -> bool:
        """The tenants at their limits are fed until 85 % of the jobs are in: their backlog (jobs
        waiting for a slot come back after up to 60 s) drains before the faults stop."""
        return not self.done.is_set() and self.book.count < LIMITS_FED_UNTIL * self.config.jobs

    def _busy(self, rng: random.Random) -> None:
        """A few jobs always waiting behind the tenant's running ones: at its limit throughout."""
        client = self.clients["soak-busy"]
        while self._feeding_limits():
            status, usage = client.call("GET", "/v1/usage")
            if status == 200 and usage["queued"] < 4:
                for _ in range(4 - usage["queued"]):
                    self._submit(client, "busy", self._task(rng, work_ms=rng.randint(600, 1200)), "completed")
            self.done.wait(0.5)

    def _full(self, rng: random.Random) -> None:
        """Its free waiting places filled at once (one batch), then a few more submissions that
        find them taken: the tenant sits at its max_queued_jobs, its 429s expected."""
        client = self.clients["soak-full"]
        limit = int(client.tenant.limits["max_queued_jobs"])
        while self._feeding_limits():
            status, usage = client.call("GET", "/v1/usage")
            if status == 200:
                free = max(0, limit - usage["queued"])
                if free:
                    self._post_batch(client, "full", [self._task(rng, work_ms=800) for _ in range(free)])
                for _ in range(FULL_EXTRA):
                    self._submit(client, "full", self._task(rng, work_ms=800), "completed", expect_429=True)
            self.done.wait(FULL_EVERY_SECONDS)

    # ------------------------------------------------------------------ submitting

    def _ref(self, tenant: str) -> str:
        with self._seq_lock:
            self._seq += 1
            return f"{tenant.removeprefix('soak-')}-{self._seq}"

    def _task(self, rng: random.Random, **payload: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"handler": "soak_task", "payload": dict(payload)}
        if rng.random() < 0.3:
            body["priority"] = rng.choice(PRIORITIES)
        return body

    def _submit(
        self,
        client: Client,
        kind: str,
        body: dict[str, Any],
        expect: str,
        *,
        expect_429: bool = False,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """POST one job (a 429 of a mixed tenant is waited out and tried again)."""
        tenant = client.tenant.tenant_id
        ref = self._ref(tenant)
        body["payload"]["ref"] = ref
        for _ in range(20):
            self.book.sent(ref, tenant)
            status, answer = client.call("POST", "/v1/jobs", body, headers)
            self.book.answer(tenant, status, expect_429)
            if status == 201:
                self.book.accept(answer, kind, ref, expect)
                return answer
            if status != 429 or expect_429 or self.done.is_set():
                return None
            time.sleep(1.0)
        return None

    def _immediate(self, client: Client, rng: random.Random) -> None:
        self._submit(client, "immediate", self._task(rng, work_ms=rng.randint(10, 250)), "completed")

    def _delayed(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=rng.randint(10, 150))
        body["delay_seconds"] = rng.randint(1, 15)
        self._submit(client, "delayed", body, "completed")

    def _scheduled(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=rng.randint(10, 150))
        body["run_at"] = (datetime.now(UTC) + timedelta(seconds=rng.randint(3, 15))).isoformat()
        self._submit(client, "scheduled", body, "completed")

    def _flaky(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=rng.randint(10, 100), fail_attempts=rng.randint(1, 2))
        body.update(max_retries=3, retry={"strategy": "fixed", "base_seconds": 1})
        self._submit(client, "flaky", body, "completed")

    def _failing(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=20, fail="retryable")
        body.update(max_retries=1, retry={"strategy": "fixed", "base_seconds": 1})
        self._submit(client, "failing", body, "failed")

    def _final(self, client: Client, rng: random.Random) -> None:
        self._submit(client, "final", self._task(rng, work_ms=20, fail="final"), "failed")

    def _timeout(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=4000, overrun=True)
        body.update(
            timeout_seconds=1, max_retries=rng.choice([0, 1]), retry={"strategy": "fixed", "base_seconds": 1}
        )
        self._submit(client, "timeout", body, "timed_out")

    def _batch(self, client: Client, rng: random.Random) -> None:
        items = []
        for _ in range(rng.randint(3, 12)):
            item = self._task(rng, work_ms=rng.randint(10, 150))
            if rng.random() < 0.25:
                item["delay_seconds"] = rng.randint(1, 10)
            if rng.random() < 0.15:
                item["payload"]["fail_attempts"] = 1
                item.update(retry={"strategy": "fixed", "base_seconds": 1})
            items.append(item)
        if self._post_batch(client, "batch", items) == 429:
            time.sleep(1.0)

    def _post_batch(self, client: Client, kind: str, items: list[dict[str, Any]]) -> int:
        """POST /v1/jobs/batch (all or nothing); returns the status."""
        tenant = client.tenant.tenant_id
        for item in items:
            item["payload"].setdefault("ref", self._ref(tenant))
            self.book.sent(item["payload"]["ref"], tenant)
        status, answer = client.call("POST", "/v1/jobs/batch", {"jobs": items})
        self.book.answer(tenant, status)
        if status == 201:
            for item, job in zip(items, answer["jobs"], strict=True):
                self.book.accept(job, kind, item["payload"]["ref"], "completed")
        return status

    def _dependent(self, client: Client, rng: random.Random) -> None:
        failing = rng.random() < 0.25
        parent_body = self._task(rng, work_ms=rng.randint(10, 200), fail="final" if failing else "none")
        parent = self._submit(client, "parent", parent_body, "failed" if failing else "completed")
        if parent is None:
            return
        child_expect = "cancelled" if failing else "completed"
        child_body = self._task(rng, work_ms=rng.randint(10, 100))
        child_body["depends_on"] = [parent["id"]]
        child = self._submit(client, "dependent", child_body, child_expect)
        if child is not None and rng.random() < 0.4:
            grandchild = self._task(rng, work_ms=20)
            grandchild["depends_on"] = [parent["id"], child["id"]]
            self._submit(client, "dependent", grandchild, child_expect)

    def _cancel(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=20)
        body["delay_seconds"] = rng.randint(10, 20)
        job = self._submit(client, "cancel", body, "cancelled")
        if job is not None:
            time.sleep(rng.uniform(0.2, 1.5))
            status, _ = client.call("POST", f"/v1/jobs/{job['id']}/cancel")
            self.book.cancels[status] += 1
            if status != 200:  # not cancelled (an injected error, a race): it runs instead
                self.book.accepted[job["id"]].expect = "completed"

    def _idempotent(self, client: Client, rng: random.Random) -> None:
        """The same submission twice with one Idempotency-Key: one job, the same answer."""
        headers = {"Idempotency-Key": "soak-" + uuid.uuid4().hex}
        body = self._task(rng, work_ms=rng.randint(10, 100))
        first = self._submit(client, "idempotent", body, "completed", headers=headers)
        if first is None:
            return
        status, again = client.call("POST", "/v1/jobs", body, headers)
        self.book.answer(client.tenant.tenant_id, status)
        if status == 201:
            self.book.idempotency.append((first["id"], again["id"]))

    def _recurring(self, client: Client, rng: random.Random) -> None:
        body = self._task(rng, work_ms=50)
        body.update(cron="* * * * *", max_runs=2)
        self._submit(client, "recurring", body, "completed")
