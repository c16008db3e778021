"""SQS pollers, stream pollers and the clock against moto, with a stand-in for the functions
(local/sqs_poller.py, local/streams.py, local/clock.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from local.clock import Clock
from local.errors import FunctionError
from local.provision import Provisioned
from local.schedule_targets import Targets
from local.sqs_poller import SqsPoller, SqsSource
from local.stream_sources import StreamSource
from local.streams import StreamPoller
from tests.integration.local.conftest import client


def wait_until(predicate: Callable[[], Any], timeout: float = 20, interval: float = 0.05) -> Any:
    """Poll `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        time.sleep(interval)


def holds_for(predicate: Callable[[], Any], seconds: float, interval: float = 0.05) -> bool:
    """Whether `predicate` stays true for the whole `seconds` (checked every `interval`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not predicate():
            return False
        time.sleep(interval)
    return bool(predicate())


def _counts(url: str) -> tuple[int, int]:
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


class Recorder:
    """Stands in for the function: records every event, answers with `answer(event)`."""

    def __init__(self, answer: Callable[[dict], Any] = lambda event: None, delay: float = 0.0):
        self.events: list[dict] = []
        self.answer = answer
        self.delay = delay
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def __call__(
        self, function: str, event: dict, request_id: str | None = None, timeout: float | None = None
    ) -> Any:
        with self._lock:
            self.events.append(event)
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            # The function's run time (part of what a test sets up, e.g. so batches overlap).
            time.sleep(self.delay)
            return self.answer(event)
        finally:
            with self._lock:
                self.running -= 1

    @property
    def records(self) -> list[dict]:
        return [record for event in self.events for record in event["Records"]]


def _queue(name: str, **attributes: str) -> tuple[str, str]:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _poller(url: str, arn: str, function: Recorder, **source: Any) -> SqsPoller:
    poller = SqsPoller(
        SqsSource("WorkerFunction", "worker", "E", arn, url, **source),
        lambda: client("sqs"),
        function,
        lambda *_: None,
        "us-east-1",
    )
    poller.start()
    return poller


def test_partial_batch_response_leaves_only_the_failed_record(moto: None) -> None:
    url, arn = _queue("jobs", VisibilityTimeout="60")
    for n in range(3):
        client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}), MessageGroupId="tenant-1")

    def fail_n1(event: dict) -> dict:
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == '{"n": 1}'
            ]
        }

    function = Recorder(fail_n1)
    poller = _poller(url, arn, function, batch_size=10, window_seconds=0.3, report_failures=True)
    try:
        wait_until(lambda: len(function.records) == 3 and _counts(url) == (0, 1))
    finally:
        poller.stop()

    record = function.records[0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["MessageGroupId"] == "tenant-1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert len(function.events) == 1  # one batch within the batching window


def test_function_error_deletes_nothing(moto: None) -> None:
    url, arn = _queue("jobs", VisibilityTimeout="60")
    for n in range(2):
        client("sqs").send_message(QueueUrl=url, MessageBody=str(n))

    def crash(event: dict) -> None:
        raise FunctionError("Runtime.ExitError", "killed")

    function = Recorder(crash)
    poller = _poller(url, arn, function, batch_size=10, window_seconds=0.3)
    try:
        wait_until(lambda: len(function.records) == 2)
        wait_until(lambda: poller.failed_batches == 1)  # the poller is done with the batch
        # Nothing must happen now (no delete, no visibility change): that can only be checked
        # over a bounded time, so the queue is watched for a while on purpose.
        assert holds_for(lambda: _counts(url) == (0, 2), seconds=0.5)
    finally:
        poller.stop()

    assert _counts(url) == (0, 2)


def test_redrive_moves_a_record_that_keeps_failing_to_the_dlq(moto: None) -> None:
    dlq_url, dlq_arn = _queue("jobs-dlq")
    url, arn = _queue(
        "jobs",
        VisibilityTimeout="1",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    client("sqs").send_message(QueueUrl=url, MessageBody="poison")

    def crash(event: dict) -> None:
        raise FunctionError("Runtime.ExitError", "killed")

    function = Recorder(crash)
    poller = _poller(url, arn, function, batch_size=1)
    try:
        wait_until(lambda: _counts(dlq_url)[0] == 1, timeout=30)
    finally:
        poller.stop()

    assert [r["attributes"]["ApproximateReceiveCount"] for r in function.records] == ["1", "2"]
    assert _counts(url) == (0, 0)


def test_concurrency_is_capped_by_maximum_concurrency(moto: None) -> None:
    url, arn = _queue("jobs", VisibilityTimeout="60")
    for n in range(6):
        client("sqs").send_message(QueueUrl=url, MessageBody=str(n))

    function = Recorder(delay=0.4)
    poller = _poller(url, arn, function, batch_size=1, max_concurrency=2)
    try:
        wait_until(lambda: len(function.records) == 6 and _counts(url) == (0, 0), timeout=30)
    finally:
        poller.stop()

    assert function.max_running == 2


def test_filtered_out_records_are_deleted_without_an_invocation(moto: None) -> None:
    url, arn = _queue("jobs", VisibilityTimeout="60")
    client("sqs").send_message(QueueUrl=url, MessageBody='{"kind": "noise"}')
    client("sqs").send_message(QueueUrl=url, MessageBody='{"kind": "job"}')

    function = Recorder()
    poller = _poller(
        url, arn, function, batch_size=10, window_seconds=0.3, filters=[{"body": {"kind": ["job"]}}]
    )
    try:
        wait_until(lambda: _counts(url) == (0, 0))
    finally:
        poller.stop()

    assert [r["body"] for r in function.records] == ['{"kind": "job"}']


def _stream_poller(provisioned: Provisioned, function: Recorder, **source: Any) -> StreamPoller:
    resources = provisioned.resources()
    poller = StreamPoller(
        StreamSource(
            "StreamFunction",
            "stream",
            "arn:aws:lambda:us-east-1:123456789012:function:stream",
            "E",
            resources["JobsTable"]["StreamArn"],
            **source,
        ),
        lambda: client("dynamodbstreams"),
        lambda: client("sqs"),
        function,
        lambda *_: None,
        "us-east-1",
    )
    poller.open()
    poller.start()
    return poller


def test_stream_records_reach_the_function_from_start_up_on_with_the_filter(provisioned: Provisioned) -> None:
    table = provisioned.resolver.refs["JobsTable"]
    ddb = client("dynamodb")
    ddb.put_item(TableName=table, Item={"PK": {"S": "T#t"}, "SK": {"S": "JOB#before"}})
    function = Recorder()
    job_filter = {"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "JOB#"}]}}}}
    poller = _stream_poller(provisioned, function, batch_size=100, filters=[job_filter])
    try:
        ddb.put_item(
            TableName=table, Item={"PK": {"S": "T#t"}, "SK": {"S": "COUNTER"}, "waiting": {"N": "1"}}
        )
        ddb.put_item(
            TableName=table, Item={"PK": {"S": "T#t"}, "SK": {"S": "JOB#1"}, "status": {"S": "queued"}}
        )
        wait_until(lambda: function.records)
    finally:
        poller.stop()

    [record] = function.records
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["Keys"] == {"PK": {"S": "T#t"}, "SK": {"S": "JOB#1"}}
    assert record["dynamodb"]["NewImage"]["status"] == {"S": "queued"}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)


def test_stream_batch_retried_out_goes_to_the_on_failure_queue(provisioned: Provisioned) -> None:
    resources = provisioned.resources()
    destination = resources["StreamDeadLetterQueue"]

    def crash(event: dict) -> None:
        raise FunctionError("ValueError", "bad record")

    function = Recorder(crash)
    poller = _stream_poller(
        provisioned,
        function,
        max_retries=1,
        on_failure_queue_url=destination["Ref"],
        on_failure_arn=destination["Arn"],
    )
    try:
        client("dynamodb").put_item(
            TableName=resources["JobsTable"]["Ref"], Item={"PK": {"S": "a"}, "SK": {"S": "b"}}
        )
        messages = wait_until(
            lambda: client("sqs").receive_message(QueueUrl=destination["Ref"]).get("Messages")
        )
    finally:
        poller.stop()

    body = json.loads(messages[0]["Body"])
    assert len(function.events) == 2  # the first try and one retry
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["DDBStreamBatchInfo"]["batchSize"] == 1
    assert body["DDBStreamBatchInfo"]["streamArn"] == resources["JobsTable"]["StreamArn"]


def test_clock_fires_schedules_stored_in_moto_across_groups(provisioned: Provisioned) -> None:
    resources = provisioned.resources()
    queue = resources["ScheduleDeadLetterQueue"]  # any queue of the stack will do as a target
    scheduler = client("scheduler")
    target = {"Arn": queue["Arn"], "RoleArn": resources["SchedulerRole"]["Arn"], "Input": '{"job_id": "j1"}'}
    common = {"FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    scheduler.create_schedule(
        Name="once",
        GroupName="jobqueue-local-jobs",
        ScheduleExpression="at(2020-01-01T00:00:00)",
        ActionAfterCompletion="DELETE",
        **common,
    )
    scheduler.create_schedule(
        Name="paused", ScheduleExpression="at(2020-01-01T00:00:00)", State="DISABLED", **common
    )
    invoked: list = []
    clock = Clock(
        Targets({}, {queue["Arn"]: queue["Ref"]}, lambda f, e: invoked.append(e), lambda: client("sqs")),
        scheduler=lambda: scheduler,
        region="us-east-1",
        account_id="123456789012",
        say=lambda _: None,
    )

    clock.scan()
    fires = clock.fire_due()

    assert [fire.schedule.name for fire in fires] == ["once"]
    body = client("sqs").receive_message(QueueUrl=queue["Ref"])["Messages"][0]["Body"]
    assert body == '{"job_id": "j1"}'
    names = {s["Name"] for s in scheduler.list_schedules()["Schedules"]}
    assert names == {"paused"}  # the one-shot deleted itself after it fired
    assert datetime.now(UTC) > fires[0].slot


@pytest.mark.parametrize("state", ["ENABLED"])
def test_clock_invokes_a_function_target_with_the_input_as_event(
    provisioned: Provisioned, state: str
) -> None:
    resources = provisioned.resources()
    dispatcher = resources["DispatcherFunction"]["Arn"]
    scheduler = client("scheduler")
    scheduler.create_schedule(
        Name="run",
        GroupName="jobqueue-local-jobs",
        ScheduleExpression="at(2020-01-01T00:00:00)",
        State=state,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": dispatcher,
            "RoleArn": resources["SchedulerRole"]["Arn"],
            "Input": '{"kind": "run", "n": 1}',
        },
    )
    invoked: list = []
    clock = Clock(
        Targets(
            {dispatcher: "DispatcherFunction"}, {}, lambda f, e: invoked.append((f, e)), lambda: client("sqs")
        ),
        scheduler=lambda: scheduler,
        region="us-east-1",
        account_id="123456789012",
        say=lambda _: None,
    )

    clock.scan()
    clock.fire_due()
    clock.scan()
    clock.fire_due()

    assert invoked == [("DispatcherFunction", {"kind": "run", "n": 1})]
