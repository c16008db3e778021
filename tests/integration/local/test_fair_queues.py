"""The local stand-in for SQS fair queues: a quiet tenant's messages come out ahead of another
tenant's backlog, as on AWS (local/fair_queues.py)."""

from __future__ import annotations

import boto3
import pytest

from local import fair_queues


@pytest.fixture
def queue(moto):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="fair")["QueueUrl"]
    fair_queues.install()
    yield sqs, url
    fair_queues.uninstall()


def send(sqs, url, group: str, n: int) -> None:
    for i in range(n):
        sqs.send_message(QueueUrl=url, MessageBody=f"{group}{i}", MessageGroupId=group)


def receive(sqs, url) -> list[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in messages]


def test_a_quiet_tenants_messages_come_before_a_flooding_tenants_backlog(queue):
    sqs, url = queue
    send(sqs, url, "noisy", 40)
    send(sqs, url, "quiet", 3)

    first = receive(sqs, url)

    assert {"quiet0", "quiet1", "quiet2"} <= set(first)
    assert [b for b in first if b.startswith("noisy")] == [f"noisy{i}" for i in range(7)]  # oldest first


def test_a_tenant_with_messages_in_flight_waits_behind_one_without(queue):
    sqs, url = queue
    send(sqs, url, "noisy", 15)
    assert len(receive(sqs, url)) == 10  # ten of noisy's in flight
    send(sqs, url, "quiet", 2)

    assert receive(sqs, url)[:2] == ["quiet0", "quiet1"]


def test_without_the_stand_in_moto_hands_out_oldest_first(queue):
    sqs, url = queue
    fair_queues.uninstall()
    send(sqs, url, "noisy", 20)
    send(sqs, url, "quiet", 2)

    assert not any(b.startswith("quiet") for b in receive(sqs, url))


def test_fair_order_interleaves_groups_fewest_in_flight_first():
    class M:
        def __init__(self, name):
            self.name, self.group_id = name, name[0]

    a1, a2, a3, b1 = M("a1"), M("a2"), M("a3"), M("b1")
    from collections import Counter

    assert fair_queues.fair_order([a1, a2, a3, b1], Counter()) == [a1, b1, a2, a3]
    assert fair_queues.fair_order([a1, a2, a3, b1], Counter({"a": 4})) == [b1, a1, a2, a3]
