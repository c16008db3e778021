"""A faster TransactWriteItems for moto's DynamoDB, with DynamoDB's semantics.

moto 5 backs up every table of a transaction with `copy.deepcopy` once per item of it, then
restores the copies on a failure: ~14 s for a 6-item transaction on a table of a few thousand
items, which the stream function's one transaction per tenant and batch cannot live with. This
version checks every condition first (DynamoDB checks them all before it writes anything), so
a cancelled transaction writes nothing, and backs up only the items it writes (and the stream
records they add) in case an update expression turns out invalid half way.

`install()` is idempotent; the local moto server process calls it at start, and the test suite
for in-process moto (tests/conftest.py).

`serialize_dynamodb()` (the local moto server, and in-process moto in the tests) makes each DynamoDB item operation atomic,
as DynamoDB serializes the writes to an item: moto's threaded server reads, checks and writes
an item in the request's thread without a lock, so two simultaneous conditional writes could
both pass (docs/decisions/008; the fault soak caught two workers claiming one job this way).
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

_INSTALLED = False
_SERIALIZED = False
_DYNAMODB_LOCK = threading.RLock()
# Every item read and write of moto's DynamoDB backend (batch operations call these per item).
_SERIALIZED_OPERATIONS = (
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
)


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _INSTALLED = True


def serialize_dynamodb() -> None:
    """One DynamoDB item operation at a time in this process (idempotent; after `install()`)."""
    global _SERIALIZED
    if _SERIALIZED:
        return
    from moto.dynamodb.models import DynamoDBBackend

    for name in _SERIALIZED_OPERATIONS:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    _SERIALIZED = True


def _serialized(operation: Any) -> Any:
    @functools.wraps(operation)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_LOCK:
            return operation(*args, **kwargs)

    return one_at_a_time


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    targets: set[tuple[str, str]] = set()
    plan: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[tuple[Any, Any, Any]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            errors.append(("ValueError", "Unsupported transaction operation", None))
            continue
        table = self.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        target = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None:
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
                continue
        errors.append((None, None, None))
        if op_type != "ConditionCheck":
            plan.append((op_type, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    backups = []
    try:
        for op_type, op, key in plan:
            table = self.get_table(op["TableName"])
            shard = table.stream_shard
            backups.append(
                (
                    table,
                    key,
                    copy.deepcopy(self.get_item(op["TableName"], key)),
                    len(shard.items) if shard else 0,
                )
            )
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(
                    op["TableName"],
                    op["Item"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values
                )
            else:
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception:
        for table, key, item, stream_length in reversed(backups):
            _restore(self, table, key, item)
            if table.stream_shard is not None:
                del table.stream_shard.items[stream_length:]
        raise


def _restore(backend: Any, table: Any, key: dict[str, Any], item: Any) -> None:
    hash_value, range_value = backend.get_keys_value(table, key)
    if table.has_range_key:
        if item is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
    elif item is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = item
