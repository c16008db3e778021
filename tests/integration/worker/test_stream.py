"""The stream function on moto: job status changes become events on the bus (every change with
`LIFECYCLE_EVENTS=all`, as most tests here set; only the terminal ones by default)."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
import stream_app
import worker_app

from jobqueue.adapters import aws
from jobqueue.adapters.eventbridge import EventBridgeBus
from jobqueue.models.tenant import Tenant
from jobqueue.settings import get_settings
from jobqueue.stream.process import process_stream
from jobqueue.wiring import default_ports
from tests.integration.worker.kit import message_event, submit
from tests.support.events import FakeLambdaContext, load_event
from tests.support.faults import replace_ports
from tests.support.stream import TableStream

BUS = "jobqueue-test-events"


@pytest.fixture
def bus(worker_env, monkeypatch):
    """An event bus whose jobqueue events land in an SQS queue, so a test can read them back.
    Every status change goes out (`LIFECYCLE_EVENTS=all`): the samples are not terminal."""
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    monkeypatch.setenv("LIFECYCLE_EVENTS", "all")
    get_settings.cache_clear()
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=BUS)
    url = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="tap", EventBusName=BUS, EventPattern=json.dumps({"source": ["jobqueue"]}))
    events.put_targets(Rule="tap", EventBusName=BUS, Targets=[{"Id": "tap", "Arn": arn}])
    yield url
    get_settings.cache_clear()


def bus_events(url: str) -> list[dict]:
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def run(event):
    return stream_app.lambda_handler(event, FakeLambdaContext())


def on_bus(client):
    """The AWS ports with the event bus reached through `client`."""
    return replace_ports(default_ports(), events=EventBridgeBus(client))


def sample(*indexes: int) -> dict:
    records = load_event("dynamodb_stream_batch")["Records"]
    return {"Records": [copy.deepcopy(records[i]) for i in indexes]}


def test_a_status_change_puts_one_event_on_the_bus(bus):
    response = run(sample(0))

    events = bus_events(bus)
    assert response["batchItemFailures"] == []
    assert len(events) == 1
    assert events[0]["source"] == "jobqueue"
    assert events[0]["detail-type"] == "Job Status Changed"
    assert events[0]["detail"] == {
        "tenant_id": "acme",
        "job_id": "01JQ8Z6Y3K4M5N6P7Q8R9S0T1V",
        "handler": "echo",
        "type": "immediate",
        "priority": "normal",
        "old_status": "queued",
        "new_status": "processing",
        "at": "2025-03-12T10:31:00.120Z",
    }


def test_a_new_job_puts_an_event_without_an_old_status(bus):
    run(sample(1))

    (event,) = bus_events(bus)
    assert event["detail"]["old_status"] is None
    assert event["detail"]["new_status"] == "queued"


def test_counter_items_and_changes_without_a_new_status_put_nothing(bus):
    response = run(sample(2, 3))

    assert response["batchItemFailures"] == []
    assert bus_events(bus) == []


class RefusingEvents:
    """An EventBridge client that refuses every second entry."""

    def __init__(self):
        self.calls = []

    def put_events(self, Entries):
        self.calls.append(Entries)
        results = [
            {"EventId": "ok"} if i % 2 == 0 else {"ErrorCode": "InternalFailure"} for i in range(len(Entries))
        ]
        return {"FailedEntryCount": len(Entries) // 2, "Entries": results}


def test_events_eventbridge_refuses_fail_the_batch_from_its_first_record(bus):
    event = sample(0, 1)
    client = RefusingEvents()

    response = process_stream(event, FakeLambdaContext(), on_bus(client))

    # the whole batch is retried from its first record (its identity for exactly-once activity)
    assert response["batchItemFailures"] == [{"itemIdentifier": "111000000000000000001"}]
    assert len(client.calls) == 1 and len(client.calls[0]) == 2


def test_events_go_out_in_tens(bus):
    template = load_event("dynamodb_stream_batch")["Records"][1]
    records = []
    for i in range(23):
        record = copy.deepcopy(template)
        record["dynamodb"]["SequenceNumber"] = f"2{i:020d}"
        records.append(record)
    client = RefusingEvents()

    process_stream({"Records": records}, FakeLambdaContext(), on_bus(client))

    assert [len(entries) for entries in client.calls] == [10, 10, 3]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_job_run_by_the_worker_streams_its_lifecycle_from_the_real_stream(bus):
    job = submit(handler="echo")
    worker_app.lambda_handler(message_event(job), FakeLambdaContext())

    response = run(read_stream(aws.table(get_settings().table_name)))

    statuses = [(e["detail"]["old_status"], e["detail"]["new_status"]) for e in bus_events(bus)]
    assert response["batchItemFailures"] == []
    assert statuses == [(None, "queued"), ("queued", "processing"), ("processing", "completed")]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_by_default_only_a_jobs_terminal_change_goes_to_the_bus(bus, monkeypatch):
    monkeypatch.delenv("LIFECYCLE_EVENTS")
    get_settings.cache_clear()
    job = submit(handler="echo")
    worker_app.lambda_handler(message_event(job), FakeLambdaContext())

    response = run(read_stream(aws.table(get_settings().table_name)))

    statuses = [(e["detail"]["old_status"], e["detail"]["new_status"]) for e in bus_events(bus)]
    assert response["batchItemFailures"] == []
    assert statuses == [("processing", "completed")]


def test_a_tenants_bus_events_override_the_deployments(bus):
    acme = default_ports().tenants.get("acme") or Tenant(tenant_id="acme", name="Acme", tier=2)
    default_ports().tenants.put(acme.model_copy(update={"bus_events": "none"}))

    response = run(sample(0, 1))

    assert response["batchItemFailures"] == [] and bus_events(bus) == []


def read_stream(table) -> dict:
    """The table's stream records, shaped as Lambda delivers them."""
    return TableStream(table).batch()
