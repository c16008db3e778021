"""Load a SAM/CloudFormation template (YAML with the short `!Ref`-style tags) into plain dicts
with long-form intrinsics, and walk it: its resources, SAM `Globals` merged into a resource's
properties, and the defaults (region, account, stack name) the local stack resolves it with.

Resolving the intrinsics is local/resolver.py; the dependency order of the resources is
local/dependencies.py. `TemplateError` is what every part raises for a template it cannot use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
DEFAULT_STACK_NAME = "jobqueue-local"


class TemplateError(Exception):
    """The template cannot be resolved (unknown reference, bad parameter, bad intrinsic)."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref x` into {"Ref": "x"}, `!GetAtt a.b` into {"Fn::GetAtt": ["a", "b"]}..."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _tag_constructor(tag: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        value = _construct(loader, node)
        if tag == "Ref":
            return {"Ref": value}
        if tag == "Condition":
            return {"Condition": value}
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag}": value}

    return construct


for _tag in (
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "Select",
    "Split",
    "Base64",
    "GetAZs",
    "ImportValue",
    "Cidr",
    "ToJsonString",
    "Length",
    "Transform",
):
    _CfnLoader.add_constructor(f"!{_tag}", _tag_constructor(_tag))


def load_template(path: str | Path) -> dict[str, Any]:
    """Parse a template file (YAML or JSON) into plain dicts with long-form intrinsics."""
    text = Path(path).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_CfnLoader)
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return data


def merge_globals(section: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    """SAM Globals: maps merge (the resource wins), lists are concatenated, scalars overridden."""
    merged: dict[str, Any] = dict(section or {})
    for key, value in properties.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            if set(value) == {"Ref"} or set(merged[key]) == {"Ref"} or _is_intrinsic(value):
                merged[key] = value
            else:
                merged[key] = merge_globals(merged[key], value)
        elif key in merged and isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("Fn::")


def iter_resources(template: dict[str, Any], *types: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not types or resource.get("Type") in types:
            yield logical_id, resource
