"""The model's inputs: the price table and the model (JSON files next to this one), and what
template.yaml says about the functions (memory, tracing), SQS event sources, alarms and dashboards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
PRICES = HERE / "prices.json"
MODEL = HERE / "model.json"
TEMPLATE = HERE.parent.parent / "template.yaml"
LAMBDA_DEFAULT_MEMORY_MB = 128


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads the short tags of CloudFormation (!Ref, !GetAtt, !Sub, ...) as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if suffix == "Ref" and isinstance(node, yaml.ScalarNode):
        return {"Ref": loader.construct_scalar(node)}
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _tag)


@dataclass(frozen=True)
class Template:
    """What the cost model reads from template.yaml."""

    memory_mb: dict[str, int]  # by function resource name
    traced: dict[str, bool]  # Tracing: Active
    sqs_event_sources: int  # SQS event sources of all functions (each is polled while idle)
    alarms: int
    dashboards: int


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def read_template(path: Path = TEMPLATE) -> Template:
    """The functions' memory (their MemorySize, else the Globals one) and tracing (a parameter's
    default when it is a `!Ref`), and counts."""
    doc = yaml.load(path.read_text(), Loader=_CloudFormationLoader)  # a SafeLoader subclass
    parameters = doc.get("Parameters") or {}

    def value(raw: Any) -> Any:
        """A literal, or the default of the parameter a `!Ref` names."""
        if isinstance(raw, dict) and set(raw) == {"Ref"} and raw["Ref"] in parameters:
            return parameters[raw["Ref"]].get("Default")
        return raw

    defaults = (doc.get("Globals") or {}).get("Function") or {}
    memory, traced, sources = {}, {}, 0
    alarms = dashboards = 0
    for name, resource in (doc.get("Resources") or {}).items():
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            memory[name] = int(
                properties.get("MemorySize", defaults.get("MemorySize", LAMBDA_DEFAULT_MEMORY_MB))
            )
            traced[name] = value(properties.get("Tracing", defaults.get("Tracing"))) == "Active"
            events = (properties.get("Events") or {}).values()
            sources += sum(1 for event in events if event.get("Type") == "SQS")
        alarms += kind == "AWS::CloudWatch::Alarm"
        dashboards += kind == "AWS::CloudWatch::Dashboard"
    return Template(memory, traced, sources, alarms, dashboards)


@dataclass(frozen=True)
class Inputs:
    prices: dict[str, Any]
    model: dict[str, Any]
    template: Template


def load(prices: Path = PRICES, model: Path = MODEL, template: Path = TEMPLATE) -> Inputs:
    return Inputs(load_json(prices), load_json(model), read_template(template))
