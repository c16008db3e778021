"""Resolve a template's intrinsic functions: Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
Fn::If/Equals/Not/And/Or (conditions), Fn::FindInMap, Fn::Select, Fn::Split, Fn::Base64,
Fn::GetAZs, Fn::ToJsonString, Fn::Length, parameters (defaults, overrides,
AllowedValues/AllowedPattern/MinValue/MaxValue/MinLength/MaxLength) and pseudo parameters.

Resources get their Ref value and attributes from the provisioner (`Resolver.set_resource`);
a reference to something that does not exist is a `TemplateError` naming where it was found.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from local.dependencies import SUB_VARIABLE
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_STACK_NAME, TemplateError


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class Resolver:
    """Resolves intrinsic functions against parameters, conditions and provisioned resources."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any] | None = None,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = DEFAULT_STACK_NAME,
    ):
        self.template = template
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.mappings: dict[str, Any] = template.get("Mappings") or {}
        self.parameters = self._resolve_parameters(template.get("Parameters") or {}, parameters or {})
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self.refs: dict[str, Any] = {}
        self.attrs: dict[str, dict[str, Any]] = {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- parameters

    @staticmethod
    def _resolve_parameters(declared: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
        unknown = set(given) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameter(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in given:
                raw = given[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default and no value was given")
            values[name] = _check_parameter(name, spec, raw)
        return values

    # -- resources

    def set_resource(self, logical_id: str, ref: Any, attrs: dict[str, Any] | None = None) -> None:
        self.refs[logical_id] = ref
        self.attrs[logical_id] = dict(attrs or {})

    # -- conditions

    def condition(self, name: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        declared = self.template.get("Conditions") or {}
        if name not in declared:
            raise TemplateError(f"unknown condition {name}")
        if name in self._evaluating:
            raise TemplateError(f"condition {name} refers to itself")
        self._evaluating.add(name)
        try:
            value = self._truth(declared[name], f"Conditions.{name}")
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def _truth(self, expr: Any, where: str) -> bool:
        if isinstance(expr, dict) and len(expr) == 1:
            key, arg = next(iter(expr.items()))
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Equals":
                left, right = (self.resolve(a, where) for a in arg)
                return _scalar_str(left) == _scalar_str(right)
            if key == "Fn::Not":
                return not self._truth(arg[0], where)
            if key == "Fn::And":
                return all(self._truth(a, where) for a in arg)
            if key == "Fn::Or":
                return any(self._truth(a, where) for a in arg)
        value = self.resolve(expr, where)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise TemplateError(f"{where}: not a condition: {expr!r}")

    def resource_enabled(self, logical_id: str) -> bool:
        resource = self.template["Resources"][logical_id]
        name = resource.get("Condition")
        return True if name is None else self.condition(name)

    # -- values

    def resolve(self, value: Any, where: str = "") -> Any:
        """Resolve every intrinsic in `value`; `where` names the place for error messages."""
        if isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if key == "Ref":
                    return self._ref(arg, where)
                if key.startswith("Fn::"):
                    return self._function(key, arg, where)
                if key == "Condition" and isinstance(arg, str):
                    return self.condition(arg)
            out = {}
            for k, v in value.items():
                resolved = self.resolve(v, f"{where}.{k}" if where else k)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            items = [self.resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return [v for v in items if v is not NO_VALUE]
        return value

    def _ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref needs a name, got {name!r}")
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        if name in (self.template.get("Resources") or {}):
            raise TemplateError(f"{where}: Ref {name}: resource not provisioned (disabled by its condition?)")
        raise TemplateError(f"{where}: Ref to unknown resource or parameter {name}")

    def get_att(self, logical_id: str, attribute: str, where: str = "") -> Any:
        if logical_id not in self.attrs:
            if logical_id in (self.template.get("Resources") or {}):
                raise TemplateError(f"{where}: GetAtt {logical_id}.{attribute}: resource not provisioned")
            raise TemplateError(f"{where}: GetAtt to unknown resource {logical_id}")
        attrs = self.attrs[logical_id]
        if attribute not in attrs:
            known = ", ".join(sorted(attrs)) or "none"
            raise TemplateError(
                f"{where}: GetAtt {logical_id}.{attribute}: no such attribute (known: {known})"
            )
        return attrs[attribute]

    def _function(self, key: str, arg: Any, where: str) -> Any:
        here = f"{where} ({key})"
        if key == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
            attribute = self.resolve(attribute, here)
            return self.get_att(logical_id, attribute, where)
        if key == "Fn::Sub":
            return self._sub(arg, here)
        if key == "Fn::Join":
            delimiter, items = arg
            items = self.resolve(items, here)
            return str(delimiter).join(_scalar_str(i) for i in _as_list(items, here))
        if key == "Fn::If":
            condition, if_true, if_false = arg
            chosen = if_true if self.condition(condition) else if_false
            return self.resolve(chosen, here)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._truth({key: arg}, here)
        if key == "Fn::FindInMap":
            return self._find_in_map(arg, here)
        if key == "Fn::Select":
            index, items = self.resolve(arg, here)
            items = _as_list(items, here)
            try:
                return items[int(index)]
            except (IndexError, ValueError) as exc:
                raise TemplateError(f"{here}: index {index!r} out of {items!r}") from exc
        if key == "Fn::Split":
            delimiter, text = self.resolve(arg, here)
            return str(text).split(delimiter)
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(arg, here)).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{self.region}{suffix}" for suffix in "abc"]
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg, here), separators=(",", ":"))
        if key == "Fn::Length":
            return len(_as_list(self.resolve(arg, here), here))
        raise TemplateError(f"{where}: {key} is not supported by the local stack")

    def _find_in_map(self, arg: list[Any], where: str) -> Any:
        resolved = self.resolve(arg[:3], where)
        name, top, second = (_scalar_str(v) for v in resolved)
        try:
            return self.mappings[name][top][second]
        except KeyError as exc:
            if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.resolve(arg[3]["DefaultValue"], where)
            raise TemplateError(f"{where}: no mapping {name}/{top}/{second}") from exc

    def _sub(self, arg: Any, where: str) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        else:
            text, variables = arg[0], self.resolve(arg[1], where)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar_str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return _scalar_str(self.get_att(logical_id, attribute, where))
            return _scalar_str(self._ref(name, where))

        return SUB_VARIABLE.sub(replace, text)


def _scalar_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TemplateError(f"expected a scalar, got {value!r}")
    return str(value)


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise TemplateError(f"{where}: expected a list, got {value!r}")
    return value


def _check_parameter(name: str, spec: dict[str, Any], raw: Any) -> Any:
    kind = str(spec.get("Type", "String"))
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        items = raw if isinstance(raw, list) else [s.strip() for s in str(raw).split(",") if s.strip()]
        return [str(item) for item in items]
    value = _scalar_str(raw)
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [_scalar_str(a) for a in allowed]:
        raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise TemplateError(f"parameter {name} does not match {pattern}")
    if kind == "Number":
        try:
            number = float(value)
        except ValueError as exc:
            raise TemplateError(f"parameter {name}={value!r} is not a number") from exc
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(f"parameter {name}={value} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(f"parameter {name}={value} is above MaxValue {spec['MaxValue']}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise TemplateError(f"parameter {name} is shorter than MinLength {spec['MinLength']}")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise TemplateError(f"parameter {name} is longer than MaxLength {spec['MaxLength']}")
    return value
