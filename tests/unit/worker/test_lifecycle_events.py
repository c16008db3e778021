"""Which stream records become lifecycle events, and what they say (pure)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent

from jobqueue.adapters.dynamodb.stream_records import job_change
from jobqueue.stream.events import bus_event, finished_parent, status_change
from tests.support.events import load_event


def records():
    return [job_change(r) for r in DynamoDBStreamEvent(load_event("dynamodb_stream_batch")).records]


def test_a_status_change_becomes_an_event_detail():
    detail = status_change(records()[0])

    assert detail["old_status"] == "queued" and detail["new_status"] == "processing"
    assert detail["tenant_id"] == "acme" and detail["job_id"] == "01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"


def test_a_new_job_is_an_event_from_no_status():
    assert status_change(records()[1])["old_status"] is None


def test_a_counter_item_is_not_an_event():
    assert records()[2] is None and status_change(records()[2]) is None


def test_a_change_that_keeps_the_status_is_not_an_event():
    assert status_change(records()[3]) is None


def test_a_removed_item_is_not_an_event():
    event = load_event("dynamodb_stream_batch")
    event["Records"][0]["eventName"] = "REMOVE"

    assert job_change(next(iter(DynamoDBStreamEvent(event).records))) is None


def test_an_event_names_the_source_and_the_detail_type():
    made = bus_event({"job_id": "J1"})

    assert made.source == "jobqueue" and made.detail_type == "Job Status Changed"
    assert made.detail == {"job_id": "J1"}


def test_a_job_that_became_terminal_with_dependents_is_a_finished_parent():
    event = load_event("dynamodb_stream_batch")
    record = event["Records"][0]["dynamodb"]
    record["NewImage"]["status"] = {"S": "completed"}
    record["NewImage"]["dependents"] = {"SS": ["01CHILDB", "01CHILDA"]}
    change = job_change(next(iter(DynamoDBStreamEvent(event).records)))

    assert finished_parent(change).dependents == ("01CHILDA", "01CHILDB")
    assert finished_parent(records()[0]) is None  # queued -> processing is not terminal
