"""The template's functions as the local stack runs them: `function_specs()` reads every
AWS::Serverless::Function (Globals merged, intrinsics resolved against the provisioned
resources) into a `FunctionSpec`: handler, code and layer folders, timeout, memory, env vars,
reserved concurrency and event sources. A template the local stack cannot run is a
`TemplateError` naming the function."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.provision import Provisioned
from local.template import TemplateError, merge_globals


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path
    layer_dirs: list[Path]
    runtime: str
    timeout: int
    memory: int
    environment: dict[str, str]
    reserved_concurrency: int | None
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Short name for log lines: WorkerFunction -> worker."""
        name = self.logical_id.removesuffix("Function")
        return (name or self.logical_id).lower()


def function_specs(provisioned: Provisioned, base_dir: Path) -> dict[str, FunctionSpec]:
    """Every function of the template, with its env vars and event sources resolved."""
    template = provisioned.template
    resolver = provisioned.resolver
    globals_ = (template.get("Globals") or {}).get("Function")
    layer_dirs = _layer_dirs(provisioned, base_dir)
    specs: dict[str, FunctionSpec] = {}
    for logical_id, kind in provisioned.types.items():
        if kind != "AWS::Serverless::Function":
            continue
        raw = merge_globals(globals_, template["Resources"][logical_id].get("Properties") or {})
        where = f"{logical_id}"
        try:
            props = resolver.resolve({k: v for k, v in raw.items() if k not in ("Events", "Policies")}, where)
            events = {
                event_id: {
                    "Type": event.get("Type"),
                    "Properties": resolver.resolve(
                        event.get("Properties") or {}, f"{where}.Events.{event_id}"
                    ),
                }
                for event_id, event in (raw.get("Events") or {}).items()
            }
        except TemplateError as exc:
            raise TemplateError(f"function {logical_id}: {exc}") from exc
        if "InlineCode" in props:
            raise TemplateError(f"function {logical_id}: InlineCode is not supported locally (use CodeUri)")
        code_uri = props.get("CodeUri")
        if not isinstance(code_uri, str):
            raise TemplateError(f"function {logical_id}: CodeUri must be a local folder, got {code_uri!r}")
        code_dir = (base_dir / code_uri).resolve()
        if not code_dir.is_dir():
            raise TemplateError(f"function {logical_id}: CodeUri {code_uri} is not a folder")
        handler = props.get("Handler")
        if not handler:
            raise TemplateError(f"function {logical_id}: no Handler")
        variables = ((props.get("Environment") or {}).get("Variables")) or {}
        env = {}
        for key, value in variables.items():
            if isinstance(value, (dict, list)):
                raise TemplateError(
                    f"function {logical_id}: env {key} did not resolve to a string: {value!r}"
                )
            env[key] = "true" if value is True else "false" if value is False else str(value)
        dirs = []
        for layer in props.get("Layers") or []:
            if layer not in layer_dirs:
                raise TemplateError(f"function {logical_id}: layer {layer} is not a layer of this template")
            dirs.append(layer_dirs[layer])
        reserved = props.get("ReservedConcurrentExecutions")
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=resolver.refs[logical_id],
            arn=resolver.attrs[logical_id]["Arn"],
            handler=handler,
            code_dir=code_dir,
            layer_dirs=dirs,
            runtime=str(props.get("Runtime", "python3.12")),
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            environment=env,
            reserved_concurrency=int(reserved) if reserved is not None else None,
            events=events,
        )
    return specs


def _layer_dirs(provisioned: Provisioned, base_dir: Path) -> dict[str, Path]:
    dirs = {}
    for logical_id, kind in provisioned.types.items():
        if kind == "AWS::Serverless::LayerVersion":
            props = provisioned.template["Resources"][logical_id].get("Properties") or {}
            content = provisioned.resolver.resolve(props.get("ContentUri"), logical_id)
            if not isinstance(content, str):
                raise TemplateError(f"layer {logical_id}: ContentUri must be a local folder")
            path = (base_dir / content).resolve()
            if not path.is_dir():
                raise TemplateError(f"layer {logical_id}: ContentUri {content} is not a folder")
            dirs[provisioned.resolver.refs[logical_id]] = path
    return dirs


@dataclass(frozen=True)
class TemplateEvent:
    """One event source of a function in the template: `where` names it in error messages."""

    spec: FunctionSpec
    event_id: str
    kind: str
    props: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.spec.logical_id}.Events.{self.event_id}"


def events_of(specs: dict[str, FunctionSpec], *kinds: str) -> Iterator[TemplateEvent]:
    """The events of the given `Type`s of every function, in template order."""
    for spec in specs.values():
        for event_id, event in spec.events.items():
            if event.get("Type") in kinds:
                yield TemplateEvent(spec, event_id, event["Type"], event.get("Properties") or {})
