"""What a resource creator works with while the template is provisioned: the template, the
resolver (every created resource's Ref and attributes go there), boto3 clients created once per
service, and CloudFormation-style names (`<stack>-<LogicalId>`, no random suffix) and ARNs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.resolver import Resolver

ClientFactory = Callable[[str], Any]


class ResourceContext:
    def __init__(
        self, template: dict[str, Any], resolver: Resolver, clients: ClientFactory, api_url: str | None
    ):
        self.template = template
        self.resolver = resolver
        self.clients = CachedClients(clients)
        self.api_url = api_url

    @property
    def stack(self) -> str:
        return self.resolver.stack_name

    def props(self, logical_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        return self.resolver.resolve(resource.get("Properties") or {}, f"{logical_id}.Properties")

    def name(self, logical_id: str, max_length: int = 80) -> str:
        return f"{self.stack}-{logical_id}"[:max_length]

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        r = self.resolver
        return f"arn:aws:{service}:{r.region if region else ''}:{r.account_id}:{resource}"


class CachedClients:
    def __init__(self, factory: ClientFactory):
        self.factory = factory
        self.cache: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self.cache:
            self.cache[service] = self.factory(service)
        return self.cache[service]
