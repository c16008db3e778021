"""Create the template's resources in moto (server mode, or in-process under `mock_aws`), each
after the resources it refers to, and resolve the template's outputs.

What exists in moto is created by local/moto_resources.py; IAM, Lambda functions, layers and the
HTTP API only get names and ARNs (local/named_resources.py): the local stack runs the functions
and serves the API itself.

    resources = provision("template.yaml", {"Stage": "dev"})
    resources["CriticalQueue"]["Ref"]   # the queue URL
    resources["CriticalQueue"]["Arn"]

The same template intrinsics CloudFormation would resolve are resolved here (local/resolver.py).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local import moto_resources, named_resources
from local.dependencies import references, topological_order
from local.named_resources import NAME_ONLY
from local.resolver import Resolver
from local.resource_context import ClientFactory, ResourceContext
from local.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    TemplateError,
    iter_resources,
    load_template,
)

log = logging.getLogger("local.provision")

CREATORS = {**moto_resources.CREATORS, **named_resources.CREATORS}


@dataclass
class Provisioned:
    """What was provisioned: the resolver (with every resource's Ref and attributes) and outputs."""

    template: dict[str, Any]
    resolver: Resolver
    types: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def resources(self) -> dict[str, dict[str, Any]]:
        """logical id -> {"Type", "Ref", attribute: value, ...}."""
        return {
            logical_id: {
                "Type": self.types[logical_id],
                "Ref": self.resolver.refs[logical_id],
                **self.resolver.attrs.get(logical_id, {}),
            }
            for logical_id in self.types
        }


def provision(
    template: str | Path | dict[str, Any],
    params: dict[str, Any] | None = None,
    *,
    clients: ClientFactory | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_name: str = DEFAULT_STACK_NAME,
) -> dict[str, dict[str, Any]]:
    """Create the template's resources and return their resolved names, URLs and ARNs.

    Without `clients`, plain boto3 clients are used: under `mock_aws()` they hit in-process moto.
    """
    return provision_stack(
        template, params, clients=clients, region=region, account_id=account_id, stack_name=stack_name
    ).resources()


def provision_stack(
    template: str | Path | dict[str, Any],
    params: dict[str, Any] | None = None,
    *,
    clients: ClientFactory | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_name: str = DEFAULT_STACK_NAME,
    api_base_url: str | None = None,
    property_overrides: dict[str, dict[str, Any]] | None = None,
) -> Provisioned:
    """`property_overrides` ({logical id: {property: value}}) replaces properties of the template's
    resources: a test knob (e.g. a short VisibilityTimeout), never used by `make run`."""
    if not isinstance(template, dict):
        template = load_template(template)
    if property_overrides:
        template = copy.deepcopy(template)
        for logical_id, props in property_overrides.items():
            if logical_id not in template["Resources"]:
                raise TemplateError(f"property override for unknown resource {logical_id}")
            template["Resources"][logical_id].setdefault("Properties", {}).update(props)
    resolver = Resolver(template, params, region=region, account_id=account_id, stack_name=stack_name)
    factory = clients or (lambda service: boto3.client(service, region_name=region))
    return _Provisioner(template, resolver, factory, api_base_url).run()


class _Provisioner(ResourceContext):
    def __init__(
        self, template: dict[str, Any], resolver: Resolver, clients: ClientFactory, api_url: str | None
    ):
        super().__init__(template, resolver, clients, api_url)
        self.result = Provisioned(template, resolver)

    def run(self) -> Provisioned:
        enabled = {
            logical_id: resource
            for logical_id, resource in iter_resources(self.template)
            if self.resolver.resource_enabled(logical_id)
        }
        deps = {logical_id: self._dependencies(resource) for logical_id, resource in enabled.items()}
        for logical_id in topological_order(deps):
            resource = enabled[logical_id]
            kind = resource.get("Type", "")
            try:
                self._create(logical_id, kind, resource)
            except TemplateError as exc:
                raise TemplateError(f"{logical_id} ({kind}): {exc}") from exc
            self.result.types[logical_id] = kind
        for name, output in (self.template.get("Outputs") or {}).items():
            if "Condition" in output and not self.resolver.condition(output["Condition"]):
                continue
            self.result.outputs[name] = self.resolver.resolve(output.get("Value"), f"Outputs.{name}")
        return self.result

    def _dependencies(self, resource: dict[str, Any]) -> set[str]:
        """Only what is resolved at creation time: a function's env is resolved later, when it runs."""
        kind = resource.get("Type", "")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            resolved_now = {k: props.get(k) for k in ("FunctionName", "Role", "Events")}
        elif kind in NAME_ONLY:
            resolved_now = {k: props.get(k) for k in ("RoleName", "LayerName", "FunctionName", "PolicyName")}
        else:
            resolved_now = props
        depends_on = resource.get("DependsOn") or []
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        found = references(resolved_now) | set(depends_on)
        return {d for d in found if d in (self.template.get("Resources") or {})}

    def _create(self, logical_id: str, kind: str, resource: dict[str, Any]) -> None:
        creator = CREATORS.get(kind)
        if creator is None:
            if kind not in NAME_ONLY:
                log.debug("%s (%s): not emulated locally; given a name only", logical_id, kind)
            self.resolver.set_resource(logical_id, self.name(logical_id))
            return
        creator(self, logical_id, resource)
