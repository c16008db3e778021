"""End-to-end tests: the whole local stack (template.yaml on moto server mode), over HTTP.

One stack per session, on free ports. Two deviations from the template, for the poison-message
test only, both visible here: MaxReceiveCount is 2 (a template parameter) and the critical
queue's visibility timeout is 2 s (a property override) so a crashing record reaches the
dead-letter queue in seconds instead of 2 x 6 x WorkerTimeoutSeconds. No other test uses the
critical band.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from local.stack import LocalStack
from local.tcp_ports import free_port

STARTUP_DEADLINE_SECONDS = 60
POISON_VISIBILITY_SECONDS = 2
POISON_MAX_RECEIVES = 2
CUSTOM_CATEGORIES = ["notification", "scheduled", "maintenance", "cleanup", "data_sync", "custom_processing"]


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(
        api_port=free_port(),
        moto_port=free_port(),
        admin_key="e2e-admin-" + uuid.uuid4().hex,
        parameters={"MaxReceiveCount": str(POISON_MAX_RECEIVES)},
        property_overrides={"CriticalQueue": {"VisibilityTimeout": POISON_VISIBILITY_SECONDS}},
        create_demo_tenant=False,
    )
    local.start()
    try:
        wait_for(
            lambda: _healthz(local.api_url),
            lambda ok: ok,
            timeout=STARTUP_DEADLINE_SECONDS,
            what="/healthz of the local stack",
        )
        yield local
    finally:
        local.stop()


def _healthz(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


class Api:
    """A tiny client: base URL + a bearer key."""

    def __init__(
        self, base_url: str, key: str | None, tenant_id: str | None = None, signing_secret: str | None = None
    ):
        self.base_url = base_url
        self.key = key
        self.tenant_id = tenant_id
        self.signing_secret = signing_secret
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        data: bytes | str | None = None,
        key: str | None = None,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        bearer = key if key is not None else self.key
        if bearer:
            all_headers["Authorization"] = f"Bearer {bearer}"
        return self.session.request(
            method, self.base_url + path, json=json, data=data, headers=all_headers, timeout=30
        )

    def submit(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        response = self.call("POST", "/v1/jobs", json=body, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_status(self, job_id: str, statuses: set[str] | str, timeout: float = 30) -> dict[str, Any]:
        wanted = {statuses} if isinstance(statuses, str) else statuses
        return wait_for(
            lambda: self.job(job_id),
            lambda j: j["status"] in wanted,
            timeout=timeout,
            what=f"job {job_id} to be {sorted(wanted)}",
        )


@pytest.fixture(scope="session")
def admin(stack: LocalStack) -> Api:
    return Api(stack.api_url, stack.admin_key)


@pytest.fixture
def new_tenant(admin: Api) -> Callable[..., Api]:
    """Creates a fresh tenant (its own limits and counters) and returns a client with its key."""

    def create(tier: int = 3, **limits: Any) -> Api:
        tenant_id = "t" + uuid.uuid4().hex[:12]
        body = {
            "name": f"e2e {tenant_id}",
            "tier": tier,
            "limits": {"allowed_job_types": CUSTOM_CATEGORIES, **limits},
        }
        response = admin.call("PUT", f"/v1/admin/tenants/{tenant_id}", json=body)
        assert response.status_code in (200, 201), response.text
        secret = response.json()["signing_secret"]
        response = admin.call("POST", f"/v1/admin/tenants/{tenant_id}/keys", json={})
        assert response.status_code == 201, response.text
        return Api(admin.base_url, response.json()["api_key"], tenant_id, secret)

    return create


@pytest.fixture
def tenant(new_tenant: Callable[..., Api]) -> Api:
    return new_tenant()


def wait_for(
    get: Callable[[], Any], done: Callable[[Any], bool], *, timeout: float, what: str, interval: float = 0.1
) -> Any:
    """Poll `get()` until `done(value)`, failing with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    value = None
    while True:
        value = get()
        if done(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; last value: {value!r}")
        time.sleep(interval)
