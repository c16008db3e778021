"""Whole items fetched by the keys an index answered (jobqueue.adapters.dynamodb.indexes): 100
keys a strongly consistent BatchGetItem call, unprocessed keys asked again with a bounded
backoff, in the index's order."""

from __future__ import annotations

from typing import Any

import pytest

from jobqueue.adapters.dynamodb import indexes


class _Client:
    """BatchGetItem that leaves the last `unprocessed` keys of each call unprocessed `rounds` times."""

    def __init__(self, items: dict[tuple[str, str], dict[str, Any]], unprocessed: int = 0, rounds: int = 0):
        self.items, self.unprocessed, self.rounds = items, unprocessed, rounds
        self.calls: list[int] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        ((name, request),) = RequestItems.items()
        keys = request["Keys"]
        self.calls.append(len(keys))
        assert len(keys) <= 100 and request["ConsistentRead"] is True
        held = keys[len(keys) - self.unprocessed :] if self.rounds and self.unprocessed else []
        self.rounds -= 1 if held else 0
        served = [
            self.items[(k["PK"], k["SK"])] for k in keys if k not in held and (k["PK"], k["SK"]) in self.items
        ]
        answer: dict[str, Any] = {"Responses": {name: served[::-1]}}  # BatchGetItem keeps no order
        if held:
            answer["UnprocessedKeys"] = {name: {**request, "Keys": held}}
        return answer


class _Table:
    name = "jobs"

    def __init__(self, client: _Client):
        self.meta = type("Meta", (), {"client": client})()


def _items(n: int) -> dict[tuple[str, str], dict[str, Any]]:
    return {("T#acme", f"JOB#{i:04d}"): {"PK": "T#acme", "SK": f"JOB#{i:04d}", "n": i} for i in range(n)}


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(indexes, "sleep", waits.append)
    return waits


def test_whole_items_come_in_the_index_order_100_keys_a_call(slept):
    items = _items(250)
    client = _Client(items)
    entries = [{"PK": pk, "SK": sk} for pk, sk in reversed(list(items))]

    found = indexes.whole(_Table(client), entries)

    assert [item["n"] for item in found] == list(range(249, -1, -1))
    assert client.calls == [100, 100, 50]
    assert slept == []


def test_unprocessed_keys_are_asked_again_after_a_backoff(slept):
    items = _items(120)
    client = _Client(items, unprocessed=30, rounds=2)

    found = indexes.whole(_Table(client), [{"PK": pk, "SK": sk} for pk, sk in items])

    assert [item["n"] for item in found] == list(range(120))
    assert client.calls == [100, 30, 30, 20]
    assert slept == [0.02, 0.04]


def test_keys_still_unprocessed_after_the_last_round_raise(slept):
    client = _Client(_items(10), unprocessed=1, rounds=100)

    with pytest.raises(indexes.UnprocessedKeys):
        indexes.whole(_Table(client), [{"PK": "T#acme", "SK": f"JOB#{i:04d}"} for i in range(10)])

    assert len(client.calls) == indexes.BATCH_GET_ROUNDS
    assert max(slept) <= 0.5 and sum(slept) < 2


def test_an_item_gone_is_left_out_and_no_keys_make_no_call(slept):
    client = _Client(_items(3))
    entries = [{"PK": "T#acme", "SK": f"JOB#{i:04d}"} for i in (2, 7, 0)]

    assert [item["n"] for item in indexes.whole(_Table(client), entries)] == [2, 0]
    assert indexes.whole(_Table(client), []) == []
    assert client.calls == [3]
