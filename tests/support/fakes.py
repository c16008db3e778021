"""The service on in-memory ports (`jobqueue.testing`): the built-in registry bound to them, and
API calls through the real resolver."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jobqueue.api.app import handle
from jobqueue.handlers import builtin_handlers
from jobqueue.models.job import Category
from jobqueue.models.tenant import Tenant
from jobqueue.ports import Ports
from jobqueue.registry import Registry
from jobqueue.testing import fake_ports
from jobqueue.tiers import LimitOverrides
from tests.support.events import FakeLambdaContext, load_event

TENANT = {"tenant_id": "acme", "role": "tenant", "key_id": "key_1", "tier": 2}
ADMIN = {"role": "admin", "key_id": "admin"}


def every_category_tenant(tenant_id: str = "acme", tier: int = 4) -> Tenant:
    return Tenant(
        tenant_id=tenant_id,
        name=tenant_id.title(),
        tier=tier,
        overrides=LimitOverrides(allowed_job_types=list(Category)),
    )


def registry_for(ports: Ports) -> Registry:
    return Registry(builtin_handlers(ports))


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def call(ports: Ports, name: str, registry: Any = None, **overrides: Any) -> Answer:
    """Send events/<name>.json (adjusted as `load_event` does) through the API resolver."""
    overrides.setdefault("principal", TENANT)
    raw = handle(load_event(name, **overrides), FakeLambdaContext(), ports, registry or registry_for(ports))
    body = json.loads(raw["body"]) if raw.get("body") else None
    return Answer(raw["statusCode"], body, raw.get("headers") or {})


def api_ports() -> Ports:
    """In-memory ports with the tenant `acme` (tier 4, every category allowed)."""
    ports = fake_ports()
    ports.tenants.put(every_category_tenant())
    return ports


def sqs_event(messages: list[Any], receives: int = 1) -> dict[str, Any]:
    """An SQS event of messages the in-memory queue holds (`SentMessage`), as Lambda delivers it."""
    records = []
    for i, message in enumerate(messages):
        band = message.band.value if message.band else "normal"
        records.append(
            {
                "messageId": f"m-{i}-{abs(hash(message.body)) % 10**8}",
                "receiptHandle": f"rh-{i}",
                "body": message.body,
                "attributes": {
                    "ApproximateReceiveCount": str(receives),
                    "MessageGroupId": message.group_id or "",
                },
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:jobs-{band}",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def deliver(ports: Ports, registry: Registry | None = None) -> dict[str, Any]:
    """Hand every message sent so far to the worker (in one batch) and forget them."""
    from jobqueue.worker.process import process_batch

    messages, ports.queue.sent[:] = list(ports.queue.sent), []
    context = FakeLambdaContext(remaining_ms=60_000)
    return process_batch(sqs_event(messages), context, ports, registry or registry_for(ports))
