"""After the submit phase: wait for the drain, then check.

1. every accepted job (a 201) exists and is terminal, or pending with its reason: 0 lost (and
   the jobs written by requests whose answer was lost settle too);
2. no attempt ran twice (the ledger's (job, attempt) starts), and every completed job's final
   attempt is in the ledger;
3. every tenant's counters (`GET /v1/usage`) equal the recount from its job records, its activity
   aggregates (`GET /v1/metrics/performance`) the recount from the histories, and its event feed
   (`GET /v1/events`) holds every history entry exactly once;
4. no tenant ever ran more attempts at once than its max_concurrent_jobs (ledger intervals);
5. the time the system took to recover: from the moment the faults stopped until every job,
   counter and aggregate was settled.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.soak import records
from bench.soak.stack import SoakStack
from bench.soak.workload import Book, Client

POLL_SECONDS = 3.0


class Checker:
    def __init__(self, stack: SoakStack, book: Book, started: datetime):
        self.stack = stack
        self.book = book
        self.started = started
        self.dynamodb = stack.stack.client("dynamodb")
        self.table = stack.table_name()
        self.clients = {tid: Client(stack.url, tenant) for tid, tenant in stack.tenants.items()}
        self.jobs: dict[str, list[dict[str, Any]]] = {}
        self.withdrawn: dict[str, list[dict[str, Any]]] = {}  # feed events of jobs written, then deleted
        self.timeline: dict[str, float | None] = {}

    # ------------------------------------------------------------------ waiting

    def drain(self, faults_off: float, timeout: float) -> dict[str, float | None]:
        """Poll until each stage is settled, or the deadline; returns when each was (epoch s)."""
        deadline = faults_off + timeout
        stages = (
            ("jobs", self._no_open_jobs),
            ("counters", lambda: not self.counter_drift()),
            ("aggregates", lambda: not self.feed_problems() and not self.activity_drift()),
        )
        for name, done in stages:
            self.timeline[name] = None
            while True:
                if done():
                    self.timeline[name] = time.time()
                    break
                if time.time() > deadline:
                    return self.timeline
                time.sleep(POLL_SECONDS)
        return self.timeline

    def _no_open_jobs(self) -> bool:
        return all(records.open_count(self.dynamodb, self.table, t) == 0 for t in self.clients)

    def load(self) -> None:
        self.jobs = {t: records.load_jobs(self.dynamodb, self.table, t) for t in self.clients}

    # ------------------------------------------------------------------ 1. nothing lost

    def lost(self) -> dict[str, Any]:
        self.load()
        by_id = {job["id"]: job for jobs in self.jobs.values() for job in jobs}
        missing = [a.job_id for a in self.book.accepted.values() if a.job_id not in by_id]
        unsettled, pending, outcomes, surprises = [], [], Counter(), Counter()
        for accepted in self.book.accepted.values():
            job = by_id.get(accepted.job_id)
            if job is None:
                continue
            ok, why = records.settled(job)
            if not ok:
                unsettled.append(f"{job['id']} ({accepted.kind}): {why}")
            elif job["status"] not in records.TERMINAL:
                pending.append(f"{job['id']}: {why}")
            outcomes[f"{accepted.kind} {job['status']}"] += 1
            if job["status"] != accepted.expect:
                surprises[f"{accepted.kind}: {accepted.expect} -> {job['status']} ({_why(job)})"] += 1
        accepted_ids = set(self.book.accepted)
        unacknowledged = [
            job
            for job in by_id.values()
            if job["id"] not in accepted_ids
            and not job.get("parent_id")
            and job["payload"].get("ref") in self.book.refs
        ]
        strays = [
            job
            for job in by_id.values()
            if job["id"] not in accepted_ids
            and not job.get("parent_id")
            and job["payload"].get("ref") not in self.book.refs
        ]
        everything_else = [j for j in by_id.values() if j["id"] not in accepted_ids]
        return {
            "accepted": len(self.book.accepted),
            "records": len(by_id),
            "lost": len(missing) + len(unsettled),
            "missing": missing[:20],
            "unsettled": unsettled[:20],
            "pending_with_reason": pending,
            "unacknowledged_written": len(unacknowledged),
            "unacknowledged_unsettled": [j["id"] for j in everything_else if not records.settled(j)[0]][:20],
            "strays": len(strays),
            "runs": sum(1 for j in by_id.values() if j.get("parent_id")),
            "outcomes": dict(sorted(outcomes.items())),
            "unexpected_outcomes": dict(surprises.most_common(15)),
            "api_listing": self._api_listing(),
        }

    def _api_listing(self) -> dict[str, Any]:
        """Every accepted job is also listed by `GET /v1/jobs`, with the status of its record."""
        listed: dict[str, str] = {}
        for client in self.clients.values():
            cursor = None
            while True:
                path = "/v1/jobs?limit=100" + (f"&cursor={cursor}" if cursor else "")
                status, page = client.call("GET", path)
                if status != 200:
                    return {"error": f"GET {path}: {status}"}
                listed.update({job["id"]: job["status"] for job in page["jobs"]})
                cursor = page.get("next_cursor")
                if not cursor:
                    break
        by_id = {job["id"]: job["status"] for jobs in self.jobs.values() for job in jobs}
        absent = [i for i in self.book.accepted if i not in listed]
        differ = [i for i in self.book.accepted if i in listed and listed[i] != by_id.get(i)]
        return {"listed": len(listed), "accepted_not_listed": absent[:20], "status_differs": differ[:20]}

    def stragglers(self, since: float, count: int = 5) -> list[str]:
        """The jobs that settled last, with their histories (seconds after `since`): what the
        recovery time waited for."""
        ends = []
        for jobs in self.jobs.values():
            for job in jobs:
                if job["history"]:
                    ends.append((records.epoch(job["history"][-1]["at"]), job))
        out = []
        for at, job in sorted(ends, key=lambda e: e[0], reverse=True)[:count]:
            steps = " ".join(f"{h['status']}@{records.epoch(h['at']) - since:+.0f}" for h in job["history"])
            kind = self.book.accepted[job["id"]].kind if job["id"] in self.book.accepted else "?"
            out.append(f"{job['id']} {kind} {job['tenant_id']} +{at - since:.0f}s: {steps}")
        return out

    # ------------------------------------------------------------------ 2. attempts

    def attempts(self) -> dict[str, Any]:
        ledger = records.Ledger.read(self.stack.ledger)
        by_id = {job["id"]: job for jobs in self.jobs.values() for job in jobs}
        unknown = sorted({job_id for job_id, _ in ledger.starts if job_id not in by_id})
        beyond = [f"{j}#{n}" for j, n in ledger.starts if j in by_id and n > by_id[j].get("attempts", 0)]
        completed_without_run = [
            job["id"]
            for job in by_id.values()
            if job["status"] == "completed"
            and job["handler"] == "soak_task"
            and not records.is_schedule(job)  # a recurring job completes with its last run
            and (ledger.ends.get((job["id"], job.get("attempts", 0))) or {}).get("outcome") != "ok"
        ]
        return {
            "attempts_started": sum(ledger.starts.values()),
            "duplicate_attempts": len(ledger.duplicates()),
            "duplicates": [f"{j}#{n}" for j, n in ledger.duplicates()][:20],
            "unfinished_attempts": len(ledger.unfinished()),
            "attempts_of_unknown_jobs": unknown[:20],
            "attempts_beyond_the_record": beyond[:20],
            "completed_without_a_run": completed_without_run[:20],
            "idempotent_repeats": len(self.book.idempotency),
            "idempotent_repeats_with_another_job": [a for a, b in self.book.idempotency if a != b],
            "bad_ledger_lines": ledger.bad_lines,
            "_ledger": ledger,
        }

    # ------------------------------------------------------------------ 3. counters, aggregates

    def counter_drift(self) -> dict[str, Any]:
        self.load()
        drift = {}
        for tenant_id, client in self.clients.items():
            status, usage = client.call("GET", "/v1/usage")
            if status != 200:
                drift[tenant_id] = f"GET /v1/usage: {status}"
                continue
            truth = records.counter_recount(self.jobs[tenant_id], usage["day"])
            seen = {name: usage[name] for name in truth}
            if seen != truth:
                drift[tenant_id] = {"usage": seen, "records": truth}
        return drift

    def activity_drift(self) -> dict[str, Any]:
        """Each tenant's `/v1/metrics/performance` against the recount from its histories (plus
        the feed events of submissions withdrawn after they were written: `withdrawn`)."""
        start = records.iso_hour(self.started)
        end = records.iso_hour(datetime.now(UTC) + timedelta(hours=1))
        drift = {}
        for tenant_id, client in self.clients.items():
            status, perf = client.call("GET", f"/v1/metrics/performance?start={start}&end={end}")
            if status != 200:
                drift[tenant_id] = f"GET /v1/metrics/performance: {status}"
                continue
            truth = records.activity_recount(self.jobs[tenant_id])
            withdrawn = records.event_recount(self.withdrawn.get(tenant_id, []))
            truth = {k: v + withdrawn.get(k, 0) if k != "errors_by_type" else v for k, v in truth.items()}
            seen = {name: perf[name] for name in records.ACTIVITY_FIELDS}
            seen["errors_by_type"] = perf["errors_by_type"]
            if seen != truth:
                drift[tenant_id] = {
                    name: {"api": seen[name], "records": truth[name]}
                    for name in truth
                    if seen[name] != truth[name]
                }
        return drift

    def feed_problems(self) -> dict[str, Any]:
        """Each tenant's `GET /v1/events` from the start holds every history entry exactly once.
        Events of a job that has no record, whose submission was not accepted (a 5xx), are set
        apart in `withdrawn`: the api deleted the record it had written (see docs/reliability.md)."""
        problems: dict[str, Any] = {}
        self.withdrawn = {}
        for tenant_id, client in self.clients.items():
            events: list[dict[str, Any]] = []
            cursor = None
            while True:
                path = "/v1/events?limit=500" + (f"&after={cursor}" if cursor else "")
                status, page = client.call("GET", path)
                if status != 200:
                    problems[tenant_id] = f"GET /v1/events: {status}"
                    break
                events += page["events"]
                if not page["events"]:
                    break
                cursor = page["next_cursor"]
            if tenant_id in problems:
                continue
            ids = Counter(event["id"] for event in events)
            known = {job["id"] for job in self.jobs[tenant_id]}
            withdrawn = [
                e for e in events if e["job_id"] not in known and e["job_id"] not in self.book.accepted
            ]
            if withdrawn:
                self.withdrawn[tenant_id] = withdrawn
            expected = records.history_ids(self.jobs[tenant_id])
            duplicated = [i for i, n in ids.items() if n > 1]
            missing = expected - set(ids)
            extra = set(ids) - expected - {e["id"] for e in withdrawn}
            if duplicated or missing or extra:
                problems[tenant_id] = {
                    "duplicated": duplicated[:10],
                    "missing": sorted(missing)[:10],
                    "extra": sorted(extra)[:10],
                    "counts": [len(ids), len(expected)],
                }
        return problems

    # ------------------------------------------------------------------ 4. concurrency

    def concurrency(self, ledger: records.Ledger) -> dict[str, Any]:
        peaks = ledger.peaks()
        out = {}
        for tenant_id, tenant in self.stack.tenants.items():
            peak, when = peaks.get(tenant_id, (0, None))
            limit = int(tenant.limits["max_concurrent_jobs"])
            out[tenant_id] = {"peak": peak, "limit": limit, "at": when}
        return out


def _why(job: dict[str, Any]) -> str:
    result = job.get("last_result") or {}
    return str(result.get("error_type") or job.get("status_reason") or "")[:60]
