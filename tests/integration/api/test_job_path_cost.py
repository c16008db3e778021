"""What one job costs end to end (submit -> worker -> completed) in AWS calls and DynamoDB writes,
and what the stream function adds for its activity tallies and events.

The numbers are in docs/performance.md; a change that adds a call to the per-job path fails here
first. No transaction may appear on the request path (api and worker): a TransactWriteItems on
moto copies every table for rollback (~300 ms on a table of 10,000 items against ~4 ms for a
conditional UpdateItem), and on AWS a transaction costs twice the write units. The stream
function, off that path, records a batch's activity in one transaction per tenant.
"""

from __future__ import annotations

from collections import Counter

from jobqueue.adapters import aws
from jobqueue.bands import band_for
from jobqueue.models.job import JobStatus
from jobqueue.settings import get_settings
from jobqueue.stream.process import process_stream
from jobqueue.testing.events import InMemoryEventBus
from jobqueue.wiring import default_ports
from tests.integration.worker.kit import ScriptedContext, count_aws_calls, receive_event
from tests.support.events import FakeLambdaContext
from tests.support.faults import replace_ports
from tests.support.stream import TableStream

DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _submit_and_run(api) -> tuple[str, Counter]:
    """Submit one echo job through the api function and run it through the worker function;
    returns the job id and the AWS calls our code made (the poller's ReceiveMessage is Lambda's)."""
    import worker_app

    with count_aws_calls("sqs") as submit_log:
        job_id = api.submit().body["id"]
    job = default_ports().jobs.get("acme", job_id)
    event = receive_event(api.aws.queue_urls[band_for(job.priority, job.tier)])
    with count_aws_calls("sqs") as worker_log:
        response = worker_app.lambda_handler(event, ScriptedContext())
    assert response == {"batchItemFailures": []}
    return job_id, submit_log.calls + worker_log.calls


def test_one_job_costs_a_bounded_number_of_calls_and_writes_and_no_transaction(api):
    _submit_and_run(api)  # warms the api's and the worker's tenant profile caches

    job_id, calls = _submit_and_run(api)

    writes = sum(n for (service, op), n in calls.items() if service == "dynamodb" and op in DYNAMODB_WRITES)
    print(f"\nper job: {sum(calls.values())} AWS calls, {writes} DynamoDB writes: {dict(calls)}")
    assert default_ports().jobs.get("acme", job_id).status is JobStatus.COMPLETED
    assert ("dynamodb", "TransactWriteItems") not in calls
    assert calls[("sqs", "SendMessage")] == 1
    assert calls[("dynamodb", "PutItem")] == 1
    # api: admission (the waiting places and the day's count in one UpdateItem) + the job + the
    # message; worker: read the job, take a running slot, claim, record the outcome, give the slot back.
    assert calls[("dynamodb", "UpdateItem")] == 1 + 4
    assert writes == 6
    assert sum(calls.values()) == 8


def test_the_stream_records_a_jobs_activity_in_one_transaction_of_six_items(api):
    table = aws.table(get_settings().table_name)
    stream = TableStream(table)
    _submit_and_run(api)
    stream.batch()  # the first job's records are not this test's
    _submit_and_run(api)
    items: list[int] = []

    def record(params, **_):
        items.append(len(params["TransactItems"]))

    client = table.meta.client
    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    bus = InMemoryEventBus()
    batch, ports = stream.batch(), replace_ports(default_ports(), events=bus)
    try:
        with count_aws_calls() as log:
            assert process_stream(batch, FakeLambdaContext(), ports)["batchItemFailures"] == []
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", record)

    print(
        f"\nstream, one job alone in its batch: {dict(log.calls)}, transaction items {items}, events {len(bus.published)}"
    )
    # one transaction: the batch marker, the hour, the handler's hour, the minute, the system
    # shard's hour and the feed page; and one PutEvents of the job's one terminal status change
    # (LIFECYCLE_EVENTS, default terminal: not its 3 changes). The tenant's profile, which says
    # whether it chose otherwise (bus_events), comes from the warm profile cache: no GetItem.
    assert dict(log.calls) == {("dynamodb", "TransactWriteItems"): 1}
    assert items == [6] and len(bus.published) == 1
    assert bus.published[0].detail["new_status"] == "completed"
