"""The local TransactWriteItems keeps DynamoDB's semantics: all or nothing, the cancellation
reasons in order, the stream records only of a transaction that happened."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

TABLE = "t"


@pytest.fixture
def client():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield dynamodb


def put(sk: str, condition: str | None = None) -> dict:
    op = {"TableName": TABLE, "Item": {"PK": {"S": "p"}, "SK": {"S": sk}, "n": {"N": "1"}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def add(sk: str, expression: str = "ADD n :one") -> dict:
    return {
        "Update": {
            "TableName": TABLE,
            "Key": {"PK": {"S": "p"}, "SK": {"S": sk}},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def items(client) -> dict[str, int]:
    return {i["SK"]["S"]: int(i["n"]["N"]) for i in client.scan(TableName=TABLE)["Items"]}


def stream_records(client) -> int:
    """The records on the table's stream shard, read from moto's backend."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return len(dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(TABLE).stream_shard.items)


def test_a_transaction_writes_every_item(client):
    client.transact_write_items(TransactItems=[put("a"), add("b"), add("b2")])
    assert items(client) == {"a": 1, "b": 1, "b2": 1} and stream_records(client) >= 3


def test_a_failed_condition_writes_nothing_and_names_the_item(client):
    client.transact_write_items(TransactItems=[put("a")])
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[add("b"), put("a", "attribute_not_exists(PK)"), add("c")])
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert items(client) == {"a": 1} and stream_records(client) == 1


def test_an_invalid_update_half_way_undoes_the_items_and_stream_records_before_it(client):
    client.transact_write_items(TransactItems=[put("a")])
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[add("a"), add("new"), add("c", "ADD n :missing")])
    assert items(client) == {"a": 1} and stream_records(client) == 1


def test_two_operations_on_one_item_are_refused(client):
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[add("a"), add("a")])
    assert items(client) == {}
