"""The fault soak's configuration on the stack's side (the faults themselves: local/faults.py).

- `fault_overrides`: every function of the template gets its own `JOBQ_FAULTS` (the shared
  DynamoDB faults plus its own entry of `functions`) as a variable of its `Environment`, through
  `property_overrides`, so its processes get it like any template variable;
- `with_function_env`: adds variables to functions' environments the same way (a soak setting
  such as a shorter DISPATCH_GRACE_SECONDS);
- `stack_faults` / `attach_faults`: the stack's own `Faults`, handed to the SQS pollers
  (duplicate deliveries) and the clock (duplicate fires).

Without faults (`make run`, the tests) nothing is added and nothing is attached.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from local.faults import ENV_VAR, Faults
from local.sqs_poller import SqsPoller
from local.template import TemplateError, iter_resources, load_template

FUNCTION = "AWS::Serverless::Function"
FUNCTION_KNOBS = frozenset({"kill_on_dynamodb", "kill_before_send", "fail_before", "fail_after"})


def function_faults(config: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """What one function's processes get in JOBQ_FAULTS."""
    out: dict[str, Any] = {key: config[key] for key in ("seed", "switch", "log") if key in config}
    out["function"] = logical_id
    if config.get("dynamodb"):
        out["dynamodb"] = dict(config["dynamodb"])
    own = (config.get("functions") or {}).get(logical_id) or {}
    unknown = set(own) - FUNCTION_KNOBS
    if unknown:
        raise ValueError(f"faults.functions.{logical_id}: unknown {sorted(unknown)}")
    out.update(own)
    return out


def with_function_env(
    template: str | Path | dict[str, Any],
    overrides: dict[str, dict[str, Any]] | None,
    variables: dict[str, dict[str, str]],
) -> dict[str, dict[str, Any]]:
    """`overrides` plus `variables` ({function logical id: {name: value}}) added to each
    function's Environment (the one already overridden, else the template's)."""
    document = template if isinstance(template, dict) else load_template(template)
    out = {logical_id: dict(props) for logical_id, props in (overrides or {}).items()}
    for logical_id, extra in variables.items():
        resource = document["Resources"].get(logical_id) or {}
        if resource.get("Type") != FUNCTION:
            raise TemplateError(f"{logical_id} is not a function of the template")
        props = out.setdefault(logical_id, {})
        environment = props.get("Environment", (resource.get("Properties") or {}).get("Environment"))
        environment = copy.deepcopy(environment or {})
        environment["Variables"] = {**(environment.get("Variables") or {}), **extra}
        props["Environment"] = environment
    return out


def fault_overrides(
    template: str | Path, overrides: dict[str, dict[str, Any]] | None, faults: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """The stack's property overrides with every function's JOBQ_FAULTS (unchanged without faults)."""
    if not faults:
        return dict(overrides or {})
    document = load_template(template)
    functions = [logical_id for logical_id, _ in iter_resources(document, FUNCTION)]
    unknown = set(faults.get("functions") or {}) - set(functions)
    if unknown:
        raise ValueError(f"faults.functions: not functions of the template: {sorted(unknown)}")
    variables = {
        f: {ENV_VAR: json.dumps(function_faults(faults, f), separators=(",", ":"))} for f in functions
    }
    return with_function_env(document, overrides, variables)


def stack_faults(faults: dict[str, Any] | None) -> Faults | None:
    return Faults(faults, "stack") if faults else None


def attach_faults(faults: Faults | None, pollers: list[Any], clock: Any) -> None:
    if faults is None:
        return
    for poller in pollers:
        if isinstance(poller, SqsPoller):
            poller.faults = faults
    if clock is not None:
        clock.faults = faults
