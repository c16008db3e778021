"""A local stand-in for SQS fair queues: on a standard queue, the messages of message groups
(tenants) with fewer messages in flight are handed out first.

On AWS, a standard queue whose messages carry a `MessageGroupId` is a fair queue: when one
tenant has many messages in flight, SQS delivers the other tenants' messages ahead of that
tenant's backlog, so a quiet tenant's dwell time stays low while another floods. We send
`MessageGroupId = tenant` on every job message (docs/tenancy.md). moto hands out a standard
queue's visible messages oldest first, which puts a quiet tenant's job behind the whole flood;
`install()` (the local moto server process) makes each ReceiveMessage see the visible messages
of the groups with the fewest messages in flight first, taking turns, oldest first within a
group. FIFO queues and messages without a group are left as moto orders them.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any

_ORIGINAL: Any = None


def install() -> None:
    """Idempotent; `uninstall()` puts moto's order back (tests)."""
    global _ORIGINAL
    if _ORIGINAL is not None:
        return
    from moto.sqs.models import Queue

    _ORIGINAL = Queue.messages
    oldest_first = _ORIGINAL.fget

    def messages(self: Any) -> list[Any]:
        visible = oldest_first(self)
        if self.fifo_queue or len(visible) < 2:
            return visible
        # a copy first: the server's other threads add to and take from the set meanwhile
        in_flight = Counter(m.group_id for m in list(self.pending_messages) if not m.visible)
        return fair_order(visible, in_flight)

    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    global _ORIGINAL
    if _ORIGINAL is None:
        return
    from moto.sqs.models import Queue

    Queue.messages = _ORIGINAL  # type: ignore[method-assign]
    _ORIGINAL = None


def fair_order(messages: list[Any], in_flight: Counter[Any]) -> list[Any]:
    """Each next message from the group with the fewest in flight (counting those placed ahead
    of it; first seen first among equals), each group oldest first: [a1, a2, a3, b1] with 4 of
    a in flight -> [b1, a1, a2, a3]; with none in flight -> [a1, b1, a2, a3]."""
    by_group: dict[Any, list[Any]] = {}
    for message in messages:
        by_group.setdefault(message.group_id, []).append(message)
    if len(by_group) < 2:
        return messages
    heap = [(in_flight[group], seen, group) for seen, group in enumerate(by_group)]
    heapq.heapify(heap)
    taken = dict.fromkeys(by_group, 0)
    ordered: list[Any] = []
    while heap:
        count, seen, group = heapq.heappop(heap)
        ordered.append(by_group[group][taken[group]])
        taken[group] += 1
        if taken[group] < len(by_group[group]):
            heapq.heappush(heap, (count + 1, seen, group))
    return ordered
