"""The parts of the counter adapter that need no table."""

from decimal import Decimal

import pytest

from jobqueue.tenancy import counters
from jobqueue.tenancy.counters import CounterSnapshot, ShardState


def test_a_condition_failure_item_in_wire_format_reads_as_plain_values():
    wire = {"PK": {"S": "T#acme"}, "waiting": {"N": "10"}, "running": {"N": "2"}}

    assert counters._plain(wire) == {"PK": "T#acme", "waiting": Decimal(10), "running": Decimal(2)}


def test_an_item_already_in_plain_values_is_kept():
    assert counters._plain({"waiting": Decimal(3)}) == {"waiting": Decimal(3)}


def test_a_missing_attribute_counts_as_zero():
    assert counters._int({}, "waiting") == 0
    assert counters._int({"waiting": Decimal(4)}, "waiting") == 4


def test_a_snapshot_adds_up_its_shards():
    snapshot = CounterSnapshot((ShardState(0, 3, 1, 7), ShardState(1, 2, 4, 2)))

    assert (snapshot.waiting, snapshot.running) == (5, 5)


@pytest.mark.parametrize("n", [0, -3, True, 2.5, "1"])
def test_units_must_be_a_positive_int(n):
    with pytest.raises(ValueError):
        counters._check_units(n)


def test_reconcile_refuses_negative_truths():
    with pytest.raises(ValueError):
        counters._reconcile("acme", -1, 0, CounterSnapshot((ShardState(0),)), 1)
