"""Lambda event filtering (`FilterCriteria`) for SQS and DynamoDB stream event sources.

A record is delivered when any filter's pattern matches it. Patterns are EventBridge patterns:
a leaf is a list of alternatives (exact values, `{"prefix"}`, `{"suffix"}`, `{"anything-but"}`,
`{"numeric"}`, `{"exists"}`, `{"equals-ignore-case"}`). For SQS, a `body` pattern applies to the
body parsed as JSON (a body that is not JSON matches only plain-string patterns).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

_MISSING = object()


def parse_filters(filter_criteria: dict[str, Any] | None) -> list[dict[str, Any]]:
    """FilterCriteria (as in the template) -> list of pattern dicts; ValueError if malformed."""
    patterns = []
    for item in (filter_criteria or {}).get("Filters") or []:
        raw = item.get("Pattern")
        pattern = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(pattern, dict):
            raise ValueError(f"filter pattern is not a JSON object: {raw!r}")
        patterns.append(pattern)
    return patterns


def record_matches(patterns: list[dict[str, Any]], record: dict[str, Any], sqs: bool = False) -> bool:
    if not patterns:
        return True
    subject = record
    if sqs:
        subject = dict(record)
        with contextlib.suppress(ValueError):
            subject["body"] = json.loads(record.get("body", ""))
    return any(_match(pattern, subject) for pattern in patterns)


def _match(pattern: dict[str, Any], value: Any) -> bool:
    for key, expected in pattern.items():
        actual = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(expected, dict):
            if actual is _MISSING or not _match(expected, actual):
                return False
        elif isinstance(expected, list):
            if not _leaf(expected, actual):
                return False
        else:
            raise ValueError(f"pattern leaf for {key!r} must be a list, got {expected!r}")
    return True


def _leaf(alternatives: list[Any], actual: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    return any(_one(alternative, v) for alternative in alternatives for v in values)


def _one(rule: Any, actual: Any) -> bool:
    if not isinstance(rule, dict):
        return actual is not _MISSING and actual == rule
    ((op, arg),) = rule.items()
    if op == "exists":
        return (actual is not _MISSING) == bool(arg)
    if actual is _MISSING:
        return False
    if op == "prefix":
        return isinstance(actual, str) and _text_op(arg, actual, str.startswith)
    if op == "suffix":
        return isinstance(actual, str) and _text_op(arg, actual, str.endswith)
    if op == "equals-ignore-case":
        return isinstance(actual, str) and actual.lower() == str(arg).lower()
    if op == "anything-but":
        if isinstance(arg, dict):
            return not _one(arg, actual)
        excluded = arg if isinstance(arg, list) else [arg]
        return actual not in excluded
    if op == "numeric":
        if not isinstance(actual, (int, float)) or isinstance(actual, bool):
            return False
        checks = {
            "<": float.__lt__,
            "<=": float.__le__,
            "=": float.__eq__,
            ">": float.__gt__,
            ">=": float.__ge__,
        }
        return all(checks[arg[i]](float(actual), float(arg[i + 1])) for i in range(0, len(arg), 2))
    raise ValueError(f"unsupported filter operator {op!r}")


def _text_op(arg: Any, actual: str, fn: Any) -> bool:
    if isinstance(arg, dict) and "equals-ignore-case" in arg:
        return fn(actual.lower(), str(arg["equals-ignore-case"]).lower())
    return fn(actual, str(arg))
