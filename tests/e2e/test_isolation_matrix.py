"""Every route of the template x every kind of caller, over HTTP through the real authorizer:
its own tenant, another tenant, an admin, no key, a bad key, a revoked key. The route list is
read from template.yaml, so a new route without an entry here fails the test. No answer to one
tenant holds another tenant's job ids, keys, secret or tenant id."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.template import load_template
from tests.e2e.conftest import CUSTOM_CATEGORIES, Api

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CALLERS = ("own", "other", "admin", "none", "bad", "revoked")
OPEN = {c: 200 for c in CALLERS}


def tenant_route(own: int, other: int | None = None, admin: int = 403) -> dict[str, int]:
    """A tenant route: `other` is what another tenant gets on the same request (its own data,
    or 404 for the owner's job); admin keys are refused; without a good key 401."""
    return {
        "own": own,
        "other": own if other is None else other,
        "admin": admin,
        "none": 401,
        "bad": 401,
        "revoked": 401,
    }


def admin_route(admin: int = 200) -> dict[str, int]:
    return {"own": 403, "other": 403, "admin": admin, "none": 401, "bad": 401, "revoked": 401}


# (method, template path) -> (the request's path and body, the expected status by caller)
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/v1/jobs"): tenant_route(201),
    ("POST", "/v1/jobs/batch"): tenant_route(201),
    ("GET", "/v1/jobs"): tenant_route(200),
    ("GET", "/v1/jobs/{id}"): tenant_route(200, 404),
    ("POST", "/v1/jobs/{id}/cancel"): tenant_route(200, 404),
    ("POST", "/v1/jobs/{id}/retry"): tenant_route(200, 404),
    ("PATCH", "/v1/jobs/{id}"): tenant_route(200, 404),
    ("GET", "/v1/handlers"): tenant_route(200, admin=200),
    ("GET", "/v1/usage"): tenant_route(200),
    ("GET", "/v1/health"): tenant_route(200),
    ("GET", "/v1/trends"): tenant_route(200),
    ("GET", "/v1/metrics/performance"): tenant_route(200),
    ("GET", "/v1/queue"): tenant_route(200, admin=200),
    ("GET", "/v1/alerts"): tenant_route(200),
    ("POST", "/v1/alerts/{id}/ack"): tenant_route(404),
    ("GET", "/v1/alerts/rules"): tenant_route(200),
    ("PUT", "/v1/alerts/rules"): tenant_route(200),
    ("GET", "/v1/events"): tenant_route(200, 404),
    ("POST", "/v1/maintenance-jobs"): {**tenant_route(201), "other": 201},
    ("GET", "/v1/admin/stats"): admin_route(),
    ("PUT", "/v1/admin/tenants/{tenant_id}"): admin_route(),
    ("GET", "/v1/admin/tenants/{tenant_id}"): admin_route(),
    ("GET", "/v1/admin/tenants"): admin_route(),
    ("POST", "/v1/admin/tenants/{tenant_id}/keys"): admin_route(201),
    ("GET", "/v1/admin/tenants/{tenant_id}/keys"): admin_route(),
    ("DELETE", "/v1/admin/tenants/{tenant_id}/keys/{key_id}"): admin_route(),
    ("GET", "/v1/openapi.json"): OPEN,
    ("GET", "/v1/docs"): OPEN,
    ("GET", "/healthz"): OPEN,
    ("GET", "/dashboard"): OPEN,
    ("GET", "/dashboard/{asset}"): OPEN,
}


def template_routes() -> set[tuple[str, str]]:
    events = load_template(ROOT / "template.yaml")["Resources"]["ApiFunction"]["Properties"]["Events"]
    return {(e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events.values()}


def test_every_route_of_the_template_has_an_entry():
    assert set(EXPECTED) == template_routes()


@dataclass
class World:
    owner: Api
    other: Api
    admin: Api
    revoked_key: str
    fresh: Callable[[str], str]  # a job of the owner for one request (cancel/retry/patch)
    secrets: dict[str, set[str]]  # each tenant's key, signing secret and id
    owner_jobs: set[str]


@pytest.fixture(scope="module")
def world(stack) -> World:
    admin = Api(stack.api_url, stack.admin_key)

    def new_tenant() -> Api:
        tenant_id = "t" + uuid.uuid4().hex[:12]
        body = {"name": "iso", "tier": 3, "limits": {"allowed_job_types": CUSTOM_CATEGORIES}}
        secret = admin.call("PUT", f"/v1/admin/tenants/{tenant_id}", json=body).json()["signing_secret"]
        key = admin.call("POST", f"/v1/admin/tenants/{tenant_id}/keys").json()["api_key"]
        return Api(stack.api_url, key, tenant_id, secret)

    owner, other = new_tenant(), new_tenant()
    revoked = admin.call("POST", f"/v1/admin/tenants/{owner.tenant_id}/keys").json()
    answer = admin.call("DELETE", f"/v1/admin/tenants/{owner.tenant_id}/keys/{revoked['key_id']}")
    assert answer.status_code == 200, answer.text  # revoked before its first use: refused at once

    owner_jobs: set[str] = set()

    def fresh(kind: str) -> str:
        if kind == "recurring":
            job = owner.submit({"handler": "echo", "cron": "0 0 1 1 *"})
        else:
            job = owner.submit({"handler": "echo", "delay_seconds": 600})
        if kind == "cancelled":
            assert owner.call("POST", f"/v1/jobs/{job['id']}/cancel").status_code == 200
        owner_jobs.add(job["id"])
        return job["id"]

    fresh("pending")  # one the other tenant's lists must never show

    secrets = {
        name: {api.key or "", api.signing_secret or "", api.tenant_id or ""}
        for name, api in (("owner", owner), ("other", other))
    }
    return World(owner, other, admin, revoked["api_key"], fresh, secrets, owner_jobs)


def _request(world: World, method: str, path: str) -> tuple[str, Any]:
    """The concrete path and body of one request of a route, on the owner's resources."""
    owner_id = world.owner.tenant_id
    if path == "/v1/jobs/{id}":
        job = world.fresh("recurring") if method == "PATCH" else world.fresh("pending")
        return f"/v1/jobs/{job}", {"enabled": False} if method == "PATCH" else None
    if path == "/v1/jobs/{id}/cancel":
        return f"/v1/jobs/{world.fresh('pending')}/cancel", None
    if path == "/v1/jobs/{id}/retry":
        return f"/v1/jobs/{world.fresh('cancelled')}/retry", None
    if path == "/v1/events":
        return f"/v1/events?job_id={world.fresh('pending')}", None
    if path == "/v1/alerts/{id}/ack":
        return "/v1/alerts/01M8RP997F0000000000000000/ack", None
    if path == "/dashboard/{asset}":
        return "/dashboard/dashboard.css", None
    if path == "/v1/admin/tenants/{tenant_id}/keys/{key_id}":
        key = world.admin.call("POST", f"/v1/admin/tenants/{owner_id}/keys").json()["key_id"]
        return f"/v1/admin/tenants/{owner_id}/keys/{key}", None
    if "{tenant_id}" in path:
        body = {"name": "iso", "tier": 3, "limits": {"allowed_job_types": CUSTOM_CATEGORIES}}
        return path.replace("{tenant_id}", owner_id), body if method == "PUT" else None
    bodies = {
        ("POST", "/v1/jobs"): {"handler": "echo", "delay_seconds": 600},
        ("POST", "/v1/jobs/batch"): {"jobs": [{"handler": "echo", "delay_seconds": 600}]},
        ("PUT", "/v1/alerts/rules"): {"rules": []},
        ("POST", "/v1/maintenance-jobs"): {},
    }
    return path, bodies.get((method, path))


def _key(world: World, caller: str) -> str | None:
    return {
        "own": world.owner.key,
        "other": world.other.key,
        "admin": world.admin.key,
        "none": None,
        "bad": "jq_" + uuid.uuid4().hex,
        "revoked": world.revoked_key,
    }[caller]


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED), ids=[f"{m} {p}" for m, p in sorted(EXPECTED)])
def test_each_caller_gets_its_status_and_nothing_of_another_tenant(
    world: World, method: str, path: str
) -> None:
    wrong = []
    for caller in CALLERS:
        target, body = _request(world, method, path)
        response = Api(world.owner.base_url, _key(world, caller)).call(method, target, json=body)
        if response.status_code != EXPECTED[(method, path)][caller]:
            wrong.append((caller, target, response.status_code, response.text[:200]))
        if caller == "own":
            leaked = {s for s in world.secrets["other"] if s and s in response.text}
        elif caller == "other":  # the owner's job id it sent may come back in a 404's details
            owners = world.secrets["owner"] | world.owner_jobs
            leaked = {s for s in owners if s and s in response.text and s not in target}
        else:
            leaked = set()
        if leaked:
            wrong.append((caller, target, "leaked", sorted(leaked)))
    assert wrong == []
