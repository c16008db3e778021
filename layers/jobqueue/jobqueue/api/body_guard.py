"""The request body before any route sees it: valid UTF-8, JSON nested at most `MAX_DEPTH`
deep, and no string holding a lone UTF-16 surrogate (a `\\ud800` escape that is no character).
Anything else is a 400 `bad_request` and changes nothing. Without this, bytes that are not UTF-8
and a body nested 2,000 levels deep reached the JSON decoder and answered 500."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

MAX_DEPTH = 64


def body_problem(event: dict[str, Any]) -> tuple[int, str, str] | None:
    """(status, code, why) when the event's body is refused, or None when it is acceptable (or
    absent): 415 for a body that says it is not JSON, else 400."""
    body = event.get("body")
    if body is None or body == "":
        return None
    media = _media_type(event.get("headers") or {})
    if media and media != "application/json" and not media.endswith("+json"):
        return 415, "unsupported_media_type", f"a request body must be application/json, not {media[:100]}"
    problem = _json_problem(event, body)
    return None if problem is None else (400, "bad_request", problem)


def _media_type(headers: dict[str, Any]) -> str:
    value = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def _json_problem(event: dict[str, Any], body: str) -> str | None:
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return "request body is not valid base64"
    else:
        raw = body.encode("utf-8", "surrogatepass")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "request body is not valid UTF-8"
    if _depth(text) > MAX_DEPTH:
        return f"request body is nested more than {MAX_DEPTH} levels deep"
    try:
        data = json.loads(text)
    except ValueError:
        return None  # not JSON at all: the route's validation answers it (400 or 415)
    if _has_lone_surrogate(data):
        return "request body holds a lone UTF-16 surrogate (\\ud800-\\udfff escape)"
    return None


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, strings skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
