"""`Idempotency-Key` on submissions, with Powertools' idempotency utility.

The record is keyed on (tenant id, header value), so keys are per tenant, and it keeps a hash of
the request body: the same key with another body raises IdempotencyValidationError, a repeat while
the first request still runs raises IdempotencyAlreadyInProgressError (both answer 409). A repeat
after success answers the first response. When the wrapped call raises, Powertools deletes the
record, so a refused request (4xx) can be sent again with the same key.

The persistence layer is built on first use (never at import) with the cached DynamoDB client, and
rebuilt when that client changes (tests reset clients between moto sessions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from jobqueue import aws
from jobqueue.settings import get_settings

EXPIRES_AFTER_SECONDS = 24 * 3600

_CONFIG = IdempotencyConfig(
    event_key_jmespath="[tenant_id, key]",
    payload_validation_jmespath="body",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=EXPIRES_AFTER_SECONDS,
    hash_function="sha256",
)
_layer: DynamoDBPersistenceLayer | None = None


def run_once(
    scope: str,
    tenant_id: str,
    key: str,
    body: Any,
    produce: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
) -> dict[str, Any]:
    """`produce()` once per (scope, tenant, key); a repeat with the same body gets its result."""
    if lambda_context is not None:
        # Lets Powertools expire an in-progress record when this invocation times out.
        _CONFIG.register_lambda_context(lambda_context)

    def run(request: dict[str, Any]) -> dict[str, Any]:
        return produce()

    once = idempotent_function(
        run,
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=_CONFIG,
        key_prefix=f"jobqueue.{scope}",
    )
    return once(request={"tenant_id": tenant_id, "key": key, "body": body})


def _persistence() -> DynamoDBPersistenceLayer:
    global _layer
    table_name = get_settings().idempotency_table_name
    if not table_name:
        raise RuntimeError("IDEMPOTENCY_TABLE_NAME is not set")
    client = aws.client("dynamodb")
    if _layer is None or _layer.client is not client or _layer.table_name != table_name:
        _layer = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
    return _layer
