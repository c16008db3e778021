"""In-process AWS (moto `mock_aws`) with the application's table and queues, for integration tests."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import boto3
from moto import mock_aws

from jobqueue import wiring
from jobqueue.adapters import aws
from jobqueue.models.job import QueueBand
from jobqueue.ports import Ports
from jobqueue.registry import Registry
from jobqueue.settings import get_settings
from local.template import load_template

TABLE_NAME = "jobqueue-test-jobs"
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@dataclass
class AwsEnv:
    table_name: str
    queue_urls: dict[QueueBand, str]
    dead_letter_queue_url: str

    def sqs(self):
        return aws.client("sqs")

    def table(self):
        return aws.table(self.table_name)

    @property
    def ports(self) -> Ports:
        """The AWS adapters every entry point uses (`wiring.default_ports()`), on this moto."""
        return wiring.default_ports()

    @property
    def registry(self) -> Registry:
        return wiring.default_registry()


def raw_item(tenant_id: str, job_id: str) -> dict | None:
    """A job's item as stored (with its sweep deadline `GSI2SK` and `dependents`)."""
    table = aws.table(get_settings().table_name)
    return table.get_item(Key={"PK": f"T#{tenant_id}", "SK": f"JOB#{job_id}"}, ConsistentRead=True).get(
        "Item"
    )


@cache
def _template_indexes() -> str:
    """template.yaml's JobsTable indexes (keys and projections), as JSON text."""
    table = load_template(TEMPLATE)["Resources"]["JobsTable"]["Properties"]
    wanted = ("IndexName", "KeySchema", "Projection")
    return json.dumps([{k: index[k] for k in wanted} for index in table["GlobalSecondaryIndexes"]])


def jobs_table_indexes() -> list[dict]:
    """The jobs table's global secondary indexes as template.yaml declares them."""
    return json.loads(_template_indexes())


def create_jobs_table(name: str = TABLE_NAME, indexes: list[dict] | None = None) -> None:
    """The jobs table: keys, stream and the indexes of template.yaml (or `indexes`)."""
    boto3.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"}
            for n in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=indexes if indexes is not None else jobs_table_indexes(),
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


@contextmanager
def moto_env(env: dict[str, str] | None = None) -> Iterator[AwsEnv]:
    """Start moto, create the table, the four band queues and the DLQ, and point settings at them."""
    saved = dict(os.environ)
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        wiring.reset()
        create_jobs_table()
        sqs = boto3.client("sqs")
        dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        urls = {}
        for band in QueueBand:
            urls[band] = sqs.create_queue(
                QueueName=f"jobs-{band.value}",
                Attributes={
                    "VisibilityTimeout": "1800",
                    "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}',
                },
            )["QueueUrl"]
            os.environ[f"QUEUE_URL_{band.value.upper()}"] = urls[band]
        os.environ.update(
            JOBS_TABLE_NAME=TABLE_NAME,
            DEAD_LETTER_QUEUE_URL=dlq,
            POWERTOOLS_METRICS_NAMESPACE="JobQueue",
            POWERTOOLS_SERVICE_NAME="jobqueue",
            **(env or {}),
        )
        get_settings.cache_clear()
        try:
            yield AwsEnv(TABLE_NAME, urls, dlq)
        finally:
            wiring.reset()
            get_settings.cache_clear()
            os.environ.clear()
            os.environ.update(saved)
