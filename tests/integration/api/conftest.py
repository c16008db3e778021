"""The API and authorizer functions on moto: tenants, an idempotency table, and a small client
that sends the sample events through the real `lambda_handler`s."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from jobqueue import wiring
from jobqueue.api.app import handle
from jobqueue.handlers import builtin_handlers
from jobqueue.ids import hash_key
from jobqueue.models.job import Category, Job
from jobqueue.models.job_query import JobQuery
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports
from jobqueue.registry import Registry
from jobqueue.settings import get_settings
from jobqueue.tiers import LimitOverrides
from tests.support.events import FakeLambdaContext, load_event

IDEMPOTENCY_TABLE = "jobqueue-test-idempotency"
ADMIN_KEY = "jq_admin_key_for_tests"
ALL_CATEGORIES = list(Category)


def principal(tenant_id: str = "acme", tier: int = 2) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "role": "tenant", "key_id": f"key_{tenant_id}", "tier": tier}


ADMIN = {"role": "admin", "key_id": "admin"}


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code") if isinstance(self.body, dict) else None

    @property
    def details(self) -> dict[str, Any]:
        return self.body["error"]["details"]


class ApiClient:
    """Sends events/<name>.json (adjusted) to api_app.lambda_handler; tenant `acme` by default.
    Given `ports`, the request goes to the resolver with those ports instead (a fault injected)."""

    def __init__(self, aws_env: Any):
        self.aws = aws_env

    def call(self, name: str, ports: Ports | None = None, **overrides: Any) -> ApiResponse:
        import api_app

        overrides.setdefault("principal", principal())
        event = load_event(name, **overrides)
        if ports is None:
            raw = api_app.lambda_handler(event, FakeLambdaContext())
        else:
            raw = handle(event, FakeLambdaContext(), ports, Registry(builtin_handlers(ports)))
        content_type = raw.get("headers", {}).get("Content-Type", "")
        body = json.loads(raw["body"]) if "json" in content_type and raw.get("body") else raw.get("body")
        return ApiResponse(raw["statusCode"], body, raw.get("headers", {}))

    def submit(self, body: dict[str, Any] | None = None, **overrides: Any) -> ApiResponse:
        return self.call("api_submit_job", body=body or {"handler": "echo", "payload": {"n": 1}}, **overrides)

    def jobs_in_table(self, tenant_id: str = "acme") -> list[Job]:
        return wiring.default_ports().jobs.list(tenant_id, JobQuery(limit=100)).jobs

    def messages(self, band: Any) -> list[dict[str, Any]]:
        response = boto3.client("sqs").receive_message(
            QueueUrl=self.aws.queue_urls[band],
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def queued_message_count(self) -> int:
        sqs = boto3.client("sqs")
        total = 0
        for url in self.aws.queue_urls.values():
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
            )["Attributes"]
            total += sum(int(v) for v in attributes.values())
        return total


def put_tenant(tenant_id: str, tier: int, categories: list[Category] | None = None) -> Tenant:
    overrides = LimitOverrides(allowed_job_types=categories) if categories is not None else LimitOverrides()
    return wiring.default_ports().tenants.put(
        Tenant(tenant_id=tenant_id, name=tenant_id.title(), tier=tier, overrides=overrides)
    )


@pytest.fixture
def api_env(aws_env):
    """moto with the idempotency table, the admin key hash, and an empty profile cache."""
    boto3.client("dynamodb").create_table(
        TableName=IDEMPOTENCY_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    os.environ.update(IDEMPOTENCY_TABLE_NAME=IDEMPOTENCY_TABLE, ADMIN_KEY_HASH=hash_key(ADMIN_KEY))
    get_settings.cache_clear()
    wiring.reset()
    yield aws_env


@pytest.fixture
def api(api_env) -> ApiClient:
    """Tenants `acme` and `globex` (tier 2, every category allowed)."""
    put_tenant("acme", 2, ALL_CATEGORIES)
    put_tenant("globex", 2, ALL_CATEGORIES)
    return ApiClient(api_env)
