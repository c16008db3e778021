"""Helpers of the worker/sweeper/stream/dead-letter tests: jobs with their messages, real SQS
event records, a Lambda context with a scripted clock, and an AWS call counter."""

from __future__ import annotations

import copy
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from jobqueue.adapters import aws
from jobqueue.bands import band_for
from jobqueue.deadlines import dispatch_check_at
from jobqueue.messages import message_body
from jobqueue.models.job import Job
from jobqueue.settings import get_settings
from jobqueue.times import utc_now
from jobqueue.wiring import default_ports
from tests.support.events import FakeLambdaContext, load_event
from tests.support.factories import make_job

DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


def submit(**fields: Any) -> Job:
    """A queued job written as the api writes it (record with its dispatch check) and its message sent."""
    job = make_job(**fields)
    ports = default_ports()
    ports.jobs.create(job, sweep_at=dispatch_check_at(job, utc_now()))
    ports.queue.send(job)
    return job


def queue_url_of(job: Job) -> str:
    return get_settings().queue_url(band_for(job.priority, job.tier))


def queue_arn(url: str) -> str:
    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def sqs_record(
    body: str, queue_url: str, receipt_handle: str | None = None, receives: int = 1
) -> dict[str, Any]:
    """A record shaped like events/sqs_job_batch.json's, for `body` on `queue_url`."""
    record = copy.deepcopy(load_event("sqs_job_batch")["Records"][0])
    record.update(
        messageId=str(uuid.uuid4()),
        body=body,
        eventSourceARN=queue_arn(queue_url),
        receiptHandle=receipt_handle or record["receiptHandle"],
    )
    record["attributes"]["ApproximateReceiveCount"] = str(receives)
    group = json.loads(body).get("tenant_id") if body.startswith("{") else None
    if group:
        record["attributes"]["MessageGroupId"] = group
    else:
        record["attributes"].pop("MessageGroupId", None)
    return record


def message_event(*jobs: Job) -> dict[str, Any]:
    """An SQS event with one message per job, as if the worker's poller had received them."""
    return {"Records": [sqs_record(message_body(job), queue_url_of(job)) for job in jobs]}


def receive_event(queue_url: str, max_messages: int = 10) -> dict[str, Any]:
    """Receive what is on the queue (real receipt handles) and shape it as a Lambda SQS event."""
    response = aws.client("sqs").receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max_messages,
        AttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        VisibilityTimeout=60,
    )
    records = []
    for message in response.get("Messages", []):
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        records.append(sqs_record(message["Body"], queue_url, message["ReceiptHandle"], receives))
    return {"Records": records}


def queued_bodies(queue_url: str) -> list[dict[str, Any]]:
    """The bodies of the visible messages on a queue (received with a short visibility)."""
    response = aws.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=1
    )
    return [json.loads(m["Body"]) for m in response.get("Messages", [])]


def drain(queue_url: str) -> None:
    aws.client("sqs").purge_queue(QueueUrl=queue_url)


@dataclass
class ScriptedContext(FakeLambdaContext):
    """A Lambda context whose remaining time follows a script: one value per reading, the last
    one repeating. The worker reads it once per record."""

    script: list[int] = field(default_factory=lambda: [60_000])
    readings: int = 0

    def get_remaining_time_in_millis(self) -> int:
        value = self.script[min(self.readings, len(self.script) - 1)]
        self.readings += 1
        return value


@dataclass
class CallLog:
    calls: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def dynamodb_writes(self) -> int:
        return sum(
            n for (service, op), n in self.calls.items() if service == "dynamodb" and op in DYNAMODB_WRITES
        )


@contextmanager
def count_aws_calls(*services: str) -> Iterator[CallLog]:
    """Count the API calls made through the application's cached clients (jobqueue.adapters.aws)."""
    log = CallLog()
    clients = [aws.table(get_settings().table_name).meta.client] + [aws.client(s) for s in services]

    def before_call(event_name: str, model: Any, **_: Any) -> None:
        log.calls[(model.service_model.service_name, model.name)] += 1

    for client in clients:
        client.meta.events.register("before-call.*.*", before_call)
    try:
        yield log
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.*.*", before_call)


@contextmanager
def captured_sends() -> Iterator[list[dict[str, Any]]]:
    """The parameters of every SendMessage made through the application's SQS client."""
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    sqs = aws.client("sqs")
    sqs.meta.events.register("provide-client-params.sqs.SendMessage", record)
    try:
        yield sent
    finally:
        sqs.meta.events.unregister("provide-client-params.sqs.SendMessage", record)
