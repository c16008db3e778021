"""The parts of the DynamoDB counter adapter that need no table."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from jobqueue.adapters.dynamodb.counter_items import as_int, plain_values
from jobqueue.adapters.dynamodb.counters import DynamoTenantCounters
from jobqueue.models.counters import CounterSnapshot, ShardState


class _NoTable:
    def __getattr__(self, name):
        raise AssertionError("the table must not be used")


def test_a_condition_failure_item_in_wire_format_reads_as_plain_values():
    wire = {"PK": {"S": "T#acme"}, "waiting": {"N": "10"}, "running": {"N": "2"}}

    assert plain_values(wire) == {"PK": "T#acme", "waiting": Decimal(10), "running": Decimal(2)}


def test_an_item_already_in_plain_values_is_kept():
    assert plain_values({"waiting": Decimal(3)}) == {"waiting": Decimal(3)}


def test_a_missing_attribute_counts_as_zero():
    assert as_int({}, "waiting") == 0
    assert as_int({"waiting": Decimal(4)}, "waiting") == 4


def test_a_snapshot_adds_up_its_shards():
    snapshot = CounterSnapshot((ShardState(0, 3, 1, 7), ShardState(1, 2, 4, 2)))

    assert (snapshot.waiting, snapshot.running) == (5, 5)


@pytest.mark.parametrize("n", [0, -3, True, 2.5, "1"])
def test_units_must_be_a_positive_int(n):
    with pytest.raises(ValueError):
        DynamoTenantCounters(table=_NoTable()).reserve_waiting("acme", n, 10)


@pytest.mark.parametrize(("waiting", "daily"), [(1, 0), (-1, 1), (True, 1), (1, 2.5), (0, "1")])
def test_an_admission_takes_a_positive_day_count_and_no_negative_waiting(waiting, daily):
    now = datetime(2025, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        DynamoTenantCounters(table=_NoTable()).reserve("acme", waiting, daily, 10, 10, now)


def test_an_overwrite_refuses_negative_truths():
    with pytest.raises(ValueError):
        DynamoTenantCounters(table=_NoTable()).overwrite("acme", -1, 0, CounterSnapshot((ShardState(0),)))
