"""A tiny HTTP client for the stack's own API (no dependency on requests), and the start-up wait
for its `/healthz`."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from local.errors import StackError


def api_request(
    api_url: str, method: str, path: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    """(status, JSON answer, or text when it is not JSON); `key` goes in as a bearer token."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(api_url + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if key:
        request.add_header("authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def wait_healthy(api_url: str, deadline_seconds: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            status, _ = api_request(api_url, "GET", "/healthz")
            if status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise StackError(f"{api_url}/healthz did not answer within {deadline_seconds:.0f}s")
        time.sleep(0.1)
