"""The jobs table's stream on moto, handed to the stream function as Lambda would: records
shaped as the Lambda event, each delivered once unless a test replays them."""

from __future__ import annotations

import warnings
from typing import Any

import boto3

from jobqueue.ports import Ports
from jobqueue.stream.process import process_stream
from tests.support.events import FakeLambdaContext


class TableStream:
    def __init__(self, table: Any):
        self.table = table
        self.seen: set[str] = set()

    def batch(self, replay: bool = False) -> dict[str, Any]:
        """The records not delivered yet (all of them with `replay`), oldest first."""
        streams = boto3.client("dynamodbstreams")
        arn = self.table.latest_stream_arn
        records = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                response = streams.get_records(ShardIterator=iterator, Limit=1000)
                for record in response["Records"]:
                    number = record["dynamodb"]["SequenceNumber"]
                    if number in self.seen and not replay:
                        continue
                    self.seen.add(number)
                    record["eventSourceARN"] = arn
                    moment = record["dynamodb"].get("ApproximateCreationDateTime")
                    if moment is not None and not isinstance(moment, int | float):
                        record["dynamodb"]["ApproximateCreationDateTime"] = int(moment.timestamp())
                    records.append(record)
                if not response["Records"]:
                    break
                iterator = response.get("NextShardIterator")
        return {"Records": records}

    def deliver(self, ports: Ports, replay: bool = False) -> dict[str, Any]:
        """Run the stream function on the new records; returns its answer."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            return process_stream(self.batch(replay), FakeLambdaContext(), ports)
