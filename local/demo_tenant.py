"""The demo tenant `make run` creates at start-up, through the real admin API: tier 3 plus
`custom_processing` (echo/sleep/fail/flaky), and an API key for it."""

from __future__ import annotations

from dataclasses import dataclass

from local.api_client import api_request

DEMO_TENANT = "demo"


@dataclass
class DemoTenant:
    tenant_id: str
    api_key: str | None
    error: str | None = None


def create_demo_tenant(api_url: str, admin_key: str) -> DemoTenant:
    """Tier 3 + custom_processing (echo/sleep/fail/flaky), created through the real API."""
    limits = {
        "allowed_job_types": [
            "notification",
            "scheduled",
            "maintenance",
            "cleanup",
            "data_sync",
            "custom_processing",
        ]
    }
    body = {"name": "Demo tenant", "tier": 3, "limits": limits}
    status, answer = api_request(api_url, "PUT", f"/v1/admin/tenants/{DEMO_TENANT}", body, key=admin_key)
    if status not in (200, 201):
        return DemoTenant(
            DEMO_TENANT, None, f"PUT /v1/admin/tenants/{DEMO_TENANT} answered {status}: {answer}"
        )
    status, answer = api_request(api_url, "POST", f"/v1/admin/tenants/{DEMO_TENANT}/keys", {}, key=admin_key)
    if status != 201 or not isinstance(answer, dict) or "api_key" not in answer:
        return DemoTenant(
            DEMO_TENANT, None, f"POST /v1/admin/tenants/{DEMO_TENANT}/keys answered {status}: {answer}"
        )
    return DemoTenant(DEMO_TENANT, answer["api_key"])
