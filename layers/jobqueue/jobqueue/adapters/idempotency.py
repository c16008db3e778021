"""`Idempotency-Key` on submissions (the `Idempotency` port), with Powertools' idempotency
utility on its own DynamoDB table.

The record is keyed on (tenant id, header value), so keys are per tenant, and it keeps a hash of
the request body: the same key with another body, or a repeat while the first request still
runs, raises IdempotencyConflict (409). A repeat after success answers the first response. When
the wrapped call raises, Powertools deletes the record, so a refused request (4xx) can be sent
again with the same key.

The persistence layer is built on first use (never at import) with the cached DynamoDB client,
and rebuilt when that client changes (tests reset clients between moto sessions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from jobqueue.adapters import aws
from jobqueue.errors import IdempotencyConflict
from jobqueue.settings import get_settings

EXPIRES_AFTER_SECONDS = 24 * 3600


class PowertoolsIdempotency:
    def __init__(self) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="[tenant_id, key]",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=EXPIRES_AFTER_SECONDS,
            hash_function="sha256",
        )
        self._layer: DynamoDBPersistenceLayer | None = None

    def run_once(
        self,
        scope: str,
        tenant_id: str,
        key: str,
        body: Any,
        produce: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> dict[str, Any]:
        if lambda_context is not None:
            # Lets Powertools expire an in-progress record when this invocation times out.
            self._config.register_lambda_context(lambda_context)

        def run(request: dict[str, Any]) -> dict[str, Any]:
            return produce()

        once = idempotent_function(
            run,
            data_keyword_argument="request",
            persistence_store=self._persistence(),
            config=self._config,
            key_prefix=f"jobqueue.{scope}",
        )
        try:
            return once(request={"tenant_id": tenant_id, "key": key, "body": body})
        except IdempotencyValidationError as error:
            raise IdempotencyConflict("this Idempotency-Key was used with another request body") from error
        except IdempotencyAlreadyInProgressError as error:
            raise IdempotencyConflict("a request with this Idempotency-Key is still in progress") from error

    def _persistence(self) -> DynamoDBPersistenceLayer:
        table_name = get_settings().idempotency_table_name
        if not table_name:
            raise RuntimeError("IDEMPOTENCY_TABLE_NAME is not set")
        client = aws.client("dynamodb")
        if self._layer is None or self._layer.client is not client or self._layer.table_name != table_name:
            self._layer = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        return self._layer
