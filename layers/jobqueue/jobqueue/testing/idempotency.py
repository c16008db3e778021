"""In-memory `Idempotency-Key` records with the semantics of the Powertools ones."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from jobqueue.errors import IdempotencyConflict
from jobqueue.testing.locking import synchronized

_IN_PROGRESS = object()


@synchronized
class InMemoryIdempotency:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str, str], tuple[str, Any]] = {}

    def run_once(
        self,
        scope: str,
        tenant_id: str,
        key: str,
        body: Any,
        produce: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> dict[str, Any]:
        record_key = (scope, tenant_id, key)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        if record_key in self._records:
            seen, result = self._records[record_key]
            if seen != digest:
                raise IdempotencyConflict("this Idempotency-Key was used with another request body")
            if result is _IN_PROGRESS:
                raise IdempotencyConflict("a request with this Idempotency-Key is still in progress")
            return copy.deepcopy(result)
        self._records[record_key] = (digest, _IN_PROGRESS)
        try:
            result = produce()
        except BaseException:
            del self._records[record_key]
            raise
        self._records[record_key] = (digest, copy.deepcopy(result))
        return result
