"""Which resources and parameters a template value refers to (Ref, Fn::GetAtt, Fn::Sub), and the
order that creates each resource after its dependencies (a cycle is a `TemplateError`)."""

from __future__ import annotations

import re
from typing import Any

from local.template import TemplateError

SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")  # ${Name} in an Fn::Sub text


def references(value: Any) -> set[str]:
    """Logical ids (resources or parameters) that `value` refers to via Ref, GetAtt or Sub."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if len(v) == 1:
                key, arg = next(iter(v.items()))
                if key == "Ref" and isinstance(arg, str):
                    found.add(arg)
                    return
                if key == "Fn::GetAtt":
                    target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                    found.add(target)
                    return
                if key == "Fn::Sub":
                    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                    for name in SUB_VARIABLE.findall(text):
                        if not name.startswith("!") and name not in variables:
                            found.add(name.split(".", 1)[0])
                    walk(variables)
                    return
            for item in v.values():
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    return {name for name in found if not name.startswith("AWS::")}


def topological_order(nodes: dict[str, set[str]]) -> list[str]:
    """Order ids so that each comes after its dependencies (only deps among `nodes` count)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = " -> ".join([*path[path.index(node) :], node])
            raise TemplateError(f"circular dependency: {cycle}")
        state[node] = 1
        for dep in sorted(nodes[node]):
            if dep in nodes:
                visit(dep, [*path, node])
        state[node] = 2
        order.append(node)

    for node in sorted(nodes):
        visit(node, [])
    return order
