"""Opaque page cursors: a small JSON object, base64url without padding. Reading one that is
not ours, or that belongs to another query, is a 400 (`BadRequest`)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from jobqueue.errors import BadRequest


def encode(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """The cursor's object; BadRequest when it is not one."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise malformed() from error
    if not isinstance(data, dict):
        raise malformed()
    return data


def malformed() -> BadRequest:
    return BadRequest("cursor is not valid", {"cursor": "malformed"})


def mismatch() -> BadRequest:
    return BadRequest("cursor does not belong to this query", {"cursor": "mismatch"})
