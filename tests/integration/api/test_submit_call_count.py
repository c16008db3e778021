"""What one submission costs in AWS calls: no transaction, one write and one send per job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from jobqueue.adapters import aws
from jobqueue.wiring import default_ports
from tests.integration.api.conftest import IDEMPOTENCY_TABLE

HOOK = "before-parameter-build.*.*"


@contextmanager
def _counting_calls(api, tables: Counter | None = None) -> Iterator[Counter]:
    """Counts every AWS operation the api function's clients make, by name (a botocore hook,
    unregistered on exit); `tables` counts the DynamoDB calls per table."""
    calls: Counter = Counter()

    def count(model, params, **kwargs):
        calls[model.name] += 1
        if tables is not None and "TableName" in params:
            tables[params["TableName"]] += 1

    clients = [aws.client("sqs"), aws.client("dynamodb"), aws.table(api.aws.table_name).meta.client]
    for client in clients:
        client.meta.events.register(HOOK, count, unique_id="count-calls")
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister(HOOK, count, unique_id="count-calls")


@pytest.fixture
def count_calls(api):
    return lambda tables=None: _counting_calls(api, tables)


def test_a_cold_submit_reads_the_tenant_once_then_writes_once_and_sends_once(api, count_calls):
    default_ports().tenants.forget()
    with count_calls() as calls:
        assert api.submit().status == 201

    # The profile read, the admission (waiting places and the day's count in one write), the job,
    # the message.
    assert calls == Counter({"GetItem": 1, "UpdateItem": 1, "PutItem": 1, "SendMessage": 1})


def test_a_warm_submit_is_one_put_and_one_send(api, count_calls):
    api.submit()  # warms the tenant profile cache
    with count_calls() as calls:
        api.submit()

    assert calls == Counter({"UpdateItem": 1, "PutItem": 1, "SendMessage": 1})
    assert "TransactWriteItems" not in calls


def test_an_idempotent_submit_adds_one_put_and_one_update_on_the_idempotency_table(api, count_calls):
    api.submit()
    tables: Counter = Counter()
    with count_calls(tables) as calls:
        api.submit(headers={"Idempotency-Key": "count-me"})

    assert calls == Counter({"PutItem": 2, "UpdateItem": 2, "SendMessage": 1})
    assert tables == Counter({IDEMPOTENCY_TABLE: 2, api.aws.table_name: 2})
