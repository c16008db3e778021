"""Event shapes and batch outcomes of the SQS and DynamoDB-stream event sources, and Lambda
event filtering (local/sqs_poller.py, local/streams.py, local/filters.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from local import sqs_poller, streams
from local.filters import parse_filters, record_matches

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobs"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/2025-01-01T00:00:00.000"


def _message(message_id: str = "m1", **extra) -> dict:
    return {
        "MessageId": message_id,
        "ReceiptHandle": f"rh-{message_id}",
        "MD5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
        "Body": '{"job_id": "j1"}',
        "Attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1700000000100",
            "MessageGroupId": "tenant-1",
        },
        **extra,
    }


def test_sqs_record_has_the_lambda_shape() -> None:
    record = sqs_poller.event_record(_message(), QUEUE_ARN, "us-east-1")

    assert record == {
        "messageId": "m1",
        "receiptHandle": "rh-m1",
        "body": '{"job_id": "j1"}',
        "attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1700000000100",
            "MessageGroupId": "tenant-1",
        },
        "messageAttributes": {},
        "md5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def test_sqs_message_attributes_use_lambda_camel_case_and_base64_binaries() -> None:
    message = _message(
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "x"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x01"},
        },
        MD5OfMessageAttributes="abc",
    )

    record = sqs_poller.event_record(message, QUEUE_ARN, "us-east-1")

    assert record["messageAttributes"]["kind"] == {
        "dataType": "String",
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
    }
    assert record["messageAttributes"]["raw"]["binaryValue"] == base64.b64encode(b"\x01").decode()
    assert record["md5OfMessageAttributes"] == "abc"


RECORDS = [{"messageId": "a"}, {"messageId": "b"}, {"messageId": "c"}]


@pytest.mark.parametrize(
    ("result", "report", "expected"),
    [
        (None, True, set()),
        ({"batchItemFailures": []}, True, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, True, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, False, set()),  # not enabled: all succeeded
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, True, None),  # unknown id: whole batch
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, True, None),
        ({"batchItemFailures": "b"}, True, None),
    ],
)
def test_partial_batch_response_rules(result, report: bool, expected) -> None:
    assert sqs_poller.failed_message_ids(result, RECORDS, report) == expected


def test_stream_record_has_the_lambda_shape() -> None:
    raw = {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2025, 1, 1, tzinfo=UTC),
            "Keys": {"PK": {"S": "T#t"}, "SK": {"S": "JOB#1"}},
            "NewImage": {"PK": {"S": "T#t"}, "blob": {"B": b"\x00"}, "n": {"N": "1"}},
            "OldImage": {"PK": {"S": "T#t"}},
            "SequenceNumber": "100",
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }

    record = streams.event_record(raw, STREAM_ARN, "eu-west-1")

    assert record["eventVersion"] == "1.1"
    assert record["awsRegion"] == "eu-west-1"
    assert record["eventSourceARN"] == STREAM_ARN
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1735689600
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "AA=="}
    assert record["dynamodb"]["NewImage"]["n"] == {"N": "1"}
    assert (record["dynamodb"]["SequenceNumber"], record["dynamodb"]["StreamViewType"]) == (
        "100",
        "NEW_AND_OLD_IMAGES",
    )
    json.dumps(record)  # JSON all the way down


def test_stream_partial_failure_checkpoints_at_the_first_failed_sequence_number() -> None:
    batch = [{"dynamodb": {"SequenceNumber": n}} for n in ("1", "2", "3")]

    assert streams.failed_from(None, batch, True) is None
    assert streams.failed_from({"batchItemFailures": []}, batch, True) is None
    assert (
        streams.failed_from(
            {"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]}, batch, True
        )
        == 1
    )
    assert streams.failed_from({"batchItemFailures": [{"itemIdentifier": "9"}]}, batch, True) == 0
    assert streams.failed_from({"batchItemFailures": [{"itemIdentifier": "2"}]}, batch, False) is None


def test_the_templates_stream_filter_keeps_only_job_items() -> None:
    patterns = parse_filters(
        {"Filters": [{"Pattern": '{"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "JOB#"}]}}}}'}]}
    )

    job = {"dynamodb": {"Keys": {"PK": {"S": "T#t"}, "SK": {"S": "JOB#01"}}}}
    counter = {"dynamodb": {"Keys": {"PK": {"S": "T#t"}, "SK": {"S": "COUNTER"}}}}

    assert record_matches(patterns, job)
    assert not record_matches(patterns, counter)


def test_filter_operators() -> None:
    record = {"eventName": "MODIFY", "dynamodb": {"NewImage": {"n": 5, "s": "Hello"}}}

    def matches(pattern: dict) -> bool:
        return record_matches([pattern], record)

    assert matches({"eventName": ["INSERT", "MODIFY"]})
    assert not matches({"eventName": [{"anything-but": ["MODIFY"]}]})
    assert matches({"dynamodb": {"NewImage": {"n": [{"numeric": [">", 1, "<=", 5]}]}}})
    assert matches(
        {"dynamodb": {"NewImage": {"s": [{"equals-ignore-case": "hello"}], "x": [{"exists": False}]}}}
    )
    assert not matches({"dynamodb": {"OldImage": {"s": [{"exists": True}]}}})
    assert matches({"dynamodb": {"NewImage": {"s": [{"suffix": "llo"}]}}})


def test_sqs_body_patterns_apply_to_the_parsed_json_body() -> None:
    patterns = parse_filters({"Filters": [{"Pattern": {"body": {"kind": ["job"]}}}]})

    assert record_matches(patterns, {"body": '{"kind": "job"}'}, sqs=True)
    assert not record_matches(patterns, {"body": '{"kind": "other"}'}, sqs=True)
    assert not record_matches(patterns, {"body": "not json"}, sqs=True)
    assert record_matches([], {"body": "anything"}, sqs=True)
