"""A small client of the stack's HTTP API for the bench: tenants made through the admin API (as
tests/e2e does), batch submission, and the jobs of a tenant by status (paged)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import requests

CUSTOM_CATEGORIES = ["notification", "scheduled", "maintenance", "cleanup", "data_sync", "custom_processing"]
BATCH_LIMIT = 100  # POST /v1/jobs/batch takes up to 100 jobs


class Api:
    def __init__(self, base_url: str, key: str, tenant_id: str = ""):
        self.base_url = base_url
        self.key = key
        self.tenant_id = tenant_id
        self.session = requests.Session()

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.session.request(
            method,
            self.base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=60,
        )

    def ok(self, method: str, path: str, body: Any = None, status: tuple[int, ...] = (200, 201)) -> Any:
        response = self.call(method, path, body)
        if response.status_code not in status:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.ok("POST", "/v1/jobs", body, status=(201,))

    def submit_batch(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Submit in batches of up to 100; the jobs in order."""
        done: list[dict[str, Any]] = []
        for start in range(0, len(jobs), BATCH_LIMIT):
            answer = self.ok(
                "POST", "/v1/jobs/batch", {"jobs": jobs[start : start + BATCH_LIMIT]}, status=(201,)
            )
            done += answer["jobs"]
        return done

    def usage(self) -> dict[str, Any]:
        return self.ok("GET", "/v1/usage")

    def jobs(self, status: str) -> list[dict[str, Any]]:
        """Every job of this tenant in `status` (pages of 100)."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            path = f"/v1/jobs?status={status}&limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = self.ok("GET", path)
            found += page["jobs"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def wait_job(self, job_id: str, statuses: set[str], timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.ok("GET", f"/v1/jobs/{job_id}")
            if job["status"] in statuses:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f} s")
            time.sleep(0.2)


def new_tenant(base_url: str, admin_key: str, prefix: str, tier: int = 3, **limits: Any) -> Api:
    """A fresh tenant (its own counters) allowed the demo handlers, and a client with its key."""
    tenant_id = f"{prefix}{uuid.uuid4().hex[:8]}"
    admin = Api(base_url, admin_key)
    body = {
        "name": f"bench {tenant_id}",
        "tier": tier,
        "limits": {"allowed_job_types": CUSTOM_CATEGORIES, **limits},
    }
    admin.ok("PUT", f"/v1/admin/tenants/{tenant_id}", body)
    key = admin.ok("POST", f"/v1/admin/tenants/{tenant_id}/keys", {}, status=(201,))["api_key"]
    return Api(base_url, key, tenant_id)


def timestamp(text: str) -> float:
    """Epoch seconds of an RFC 3339 time of the API."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
