"""Your own handlers end to end: the module of docs/handlers.md written into (a copy of)
`app_handlers`, a local stack started on it, and the handler seen, validated and run over HTTP,
as the page's step 3 does with curl."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.stack import LocalStack
from local.tcp_ports import free_port
from tests.e2e.conftest import CUSTOM_CATEGORIES, STARTUP_DEADLINE_SECONDS, Api, _healthz, wait_for
from tests.support.tutorial import tutorial_files

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack_with_greetings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    handlers = tmp_path_factory.mktemp("layer") / "handlers"
    shutil.copytree(ROOT / "layers" / "handlers", handlers, ignore=shutil.ignore_patterns("__pycache__"))
    (handlers / "app_handlers" / "greetings.py").write_text(tutorial_files()["app_handlers/greetings.py"])
    stack = LocalStack(
        api_port=free_port(),
        moto_port=free_port(),
        admin_key="e2e-admin-" + uuid.uuid4().hex,
        property_overrides={"HandlersLayer": {"ContentUri": str(handlers)}},
        create_demo_tenant=False,
    )
    stack.start()
    try:
        wait_for(lambda: _healthz(stack.api_url), bool, timeout=STARTUP_DEADLINE_SECONDS, what="/healthz")
        yield stack
    finally:
        stack.stop()


def test_a_new_module_is_listed_validated_and_run(stack_with_greetings: LocalStack) -> None:
    admin = Api(stack_with_greetings.api_url, stack_with_greetings.admin_key)
    tenant_id = "t" + uuid.uuid4().hex[:12]
    body = {"name": "greeter", "tier": 3, "limits": {"allowed_job_types": CUSTOM_CATEGORIES}}
    assert admin.call("PUT", f"/v1/admin/tenants/{tenant_id}", json=body).status_code == 200
    key = admin.call("POST", f"/v1/admin/tenants/{tenant_id}/keys").json()["api_key"]
    tenant = Api(admin.base_url, key, tenant_id)

    handlers = {h["name"]: h for h in tenant.call("GET", "/v1/handlers").json()["handlers"]}
    assert {"greet", "report_generator", "data_processor", "echo"} <= set(handlers)
    greet = handlers["greet"]
    assert greet["description"] == "Greets someone, for tenant and attempt."
    assert greet["default_timeout_seconds"] == 10 and greet["category"] == "custom_processing"
    assert greet["payload_schema"]["required"] == ["name"]
    assert set(greet["payload_schema"]["properties"]) == {"name", "shout"}

    refused = tenant.call("POST", "/v1/jobs", json={"handler": "greet", "payload": {"shout": True}})
    assert refused.status_code == 422 and "payload.name" in refused.json()["error"]["details"]

    nobody = tenant.submit({"handler": "greet", "payload": {"name": "nobody"}, "max_retries": 3})
    job = tenant.submit({"handler": "greet", "payload": {"name": "ada", "shout": True}})
    done = tenant.wait_status(job["id"], {"completed", "failed"}, timeout=30)
    assert done["status"] == "completed"
    assert done["last_result"]["result"] == {"text": "HELLO ADA", "tenant": tenant_id, "attempt": 1}

    failed = tenant.wait_status(nobody["id"], {"completed", "failed"}, timeout=30)
    assert failed["status"] == "failed" and failed["attempts"] == 1  # NonRetryableError: at once

    report = tenant.submit(
        {"handler": "report_generator", "payload": {"report_type": "usage", "rows": [{"status": "ok"}]}}
    )
    assert tenant.wait_status(report["id"], {"completed", "failed"}, timeout=30)["last_result"]["result"][
        "counts"
    ] == {"ok": 1}
