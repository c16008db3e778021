"""What one job costs end to end (submit -> worker -> completed) in AWS calls and DynamoDB writes.

The numbers are in docs/performance.md; a change that adds a call to the per-job path fails here
first. No transaction may appear on it: a TransactWriteItems on moto copies every table for
rollback (~300 ms on a table of 10,000 items against ~4 ms for a conditional UpdateItem), and on
AWS a transaction costs twice the write units.
"""

from __future__ import annotations

from collections import Counter

from jobqueue.bands import band_for
from jobqueue.models.job import JobStatus
from jobqueue.wiring import default_ports
from tests.integration.worker.kit import ScriptedContext, count_aws_calls, receive_event

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
    # api: admission (waiting, day) + the job + the message;
    # worker: read the job, take a running slot, claim, record the outcome, give the slot back.
    assert writes == 7
    assert sum(calls.values()) == 9
