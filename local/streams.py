"""DynamoDB stream event sources as Lambda runs them: shard iterators from the source's
StartingPosition (LATEST at start-up), BatchSize and MaximumBatchingWindowInSeconds, records in
the Lambda DynamoDB-stream event shape, FilterCriteria, and the error handling of the template:
retries up to MaximumRetryAttempts (-1 = until the record expires), BisectBatchOnFunctionError,
ReportBatchItemFailures (checkpoint at the first failed sequence number), and an OnFailure SQS
destination that receives Lambda's invocation record (DDBStreamBatchInfo) of a batch given up.
The sources themselves are read from the template by local/stream_sources.py.

moto's streams work in server mode (in-process they need account_id_endpoint_mode disabled).
Records are delivered in order, one batch at a time per shard, as Lambda does (parallelization
factor 1).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.errors import FunctionError
from local.filters import record_matches
from local.loop import BackgroundLoop
from local.stream_sources import StreamSource

POLL_INTERVAL_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 5.0


def _lambda_json(value: Any) -> Any:
    """boto3's DynamoDB JSON (bytes for B/BS) -> the JSON Lambda sends (base64 strings)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _lambda_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lambda_json(v) for v in value]
    return value


def event_record(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record -> a record of the Lambda DynamoDB stream event."""
    ddb = dict(raw.get("dynamodb") or {})
    created = ddb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        created = int(created.timestamp())
    body: dict[str, Any] = {}
    if created is not None:
        body["ApproximateCreationDateTime"] = created
    for key in ("Keys", "NewImage", "OldImage"):
        if key in ddb:
            body[key] = _lambda_json(ddb[key])
    for key in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if key in ddb:
            body[key] = ddb[key]
    record = {
        "eventID": raw.get("eventID") or uuid.uuid4().hex,
        "eventName": raw.get("eventName"),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }
    if raw.get("userIdentity"):
        record["userIdentity"] = raw["userIdentity"]
    return record


def failed_from(result: Any, records: list[dict[str, Any]], report_failures: bool) -> int | None:
    """Index of the first record to retry after a successful invocation; None = all done;
    0 also for a malformed partial response (the whole batch is retried)."""
    if not report_failures or not isinstance(result, dict) or not result.get("batchItemFailures"):
        return None
    sequence = [r["dynamodb"].get("SequenceNumber") for r in records]
    first = None
    for item in result["batchItemFailures"]:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in sequence:
            return 0
        index = sequence.index(identifier)
        first = index if first is None else min(first, index)
    return first


class StreamPoller(BackgroundLoop):
    def __init__(
        self,
        source: StreamSource,
        streams: Callable[[], Any],
        sqs: Callable[[], Any],
        invoke: Callable[..., Any],
        say: Callable[[str, str], None],
        region: str,
        verbose: bool = False,
    ):
        self.source = source
        self.streams = streams
        self.sqs = sqs
        self.invoke = invoke
        self.say = say
        self.region = region
        self.verbose = verbose
        self.name = f"stream:{source.label}"
        super().__init__(self.name)
        self._iterators: dict[str, str] = {}
        self.batches = 0
        self.records = 0

    def open(self) -> None:
        """Take the shard iterators now (LATEST means: from start-up on)."""
        client = self.streams()
        description = client.describe_stream(StreamArn=self.source.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            self._iterators[shard_id] = client.get_shard_iterator(
                StreamArn=self.source.stream_arn,
                ShardId=shard_id,
                ShardIteratorType=self.source.starting_position,
            )["ShardIterator"]

    def enabled(self) -> bool:
        return self.source.enabled

    def join_timeout(self) -> float:
        return self.source.window_seconds + 3

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                got = False
                for shard_id in list(self._iterators):
                    got |= self._poll_shard(shard_id)
            except Exception as exc:
                if self._stop.is_set():
                    return
                self.say(self.name, f"reading the stream failed: {exc}")
                got = False
                self._stop.wait(1)
            if not got:
                self._stop.wait(POLL_INTERVAL_SECONDS)

    def _get(self, shard_id: str, limit: int) -> list[dict[str, Any]]:
        response = self.streams().get_records(ShardIterator=self._iterators[shard_id], Limit=min(limit, 1000))
        if response.get("NextShardIterator"):
            self._iterators[shard_id] = response["NextShardIterator"]
        return response.get("Records", [])

    def _poll_shard(self, shard_id: str) -> bool:
        raw = self._get(shard_id, self.source.batch_size)
        if not raw:
            return False
        deadline = time.monotonic() + self.source.window_seconds
        while len(raw) < self.source.batch_size and time.monotonic() < deadline and not self._stop.is_set():
            more = self._get(shard_id, self.source.batch_size - len(raw))
            raw += more
            if not more:
                self._stop.wait(min(0.1, max(0.0, deadline - time.monotonic())))
        records = [event_record(r, self.source.stream_arn, self.region) for r in raw]
        records = [r for r in records if record_matches(self.source.filters, r)]
        if records:
            self._deliver(shard_id, records)
        return True

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Invoke until the batch is done, retried out, or the stack stops (records in order)."""
        pending: list[tuple[list[dict[str, Any]], int]] = [(records, 0)]  # (batch, retries used)
        while pending and not self._stop.is_set():
            batch, retries = pending.pop(0)
            self.batches += 1
            error = None
            try:
                result = self.invoke(self.source.function, {"Records": batch}, request_id=str(uuid.uuid4()))
            except FunctionError as exc:
                error = exc.error_type
                retry_from = 0
            else:
                retry_from = failed_from(result, batch, self.source.report_failures)
                if retry_from is None:
                    self.records += len(batch)
                    if self.verbose:
                        self.say(self.name, f"{len(batch)} record(s) -> {self.source.label}")
                    continue
                self.records += retry_from
                error = "partial batch failure"
            remaining = batch[retry_from:]
            if self.source.max_retries >= 0 and retries >= self.source.max_retries:
                self.say(
                    self.name,
                    f"{self.source.label} gave up on {len(remaining)} record(s) after {retries} retries ({error})",
                )
                self._send_to_destination(shard_id, remaining, retries + 1, error)
                continue
            self.say(
                self.name, f"{self.source.label} failed on {len(remaining)} record(s) ({error}); retrying"
            )
            self._stop.wait(min(MAX_BACKOFF_SECONDS, 0.5 * 2**retries))
            if self.source.bisect and error != "partial batch failure" and len(remaining) > 1:
                half = len(remaining) // 2
                pending[:0] = [(remaining[:half], retries + 1), (remaining[half:], retries + 1)]
            else:
                pending.insert(0, (remaining, retries + 1))

    def _send_to_destination(
        self, shard_id: str, records: list[dict[str, Any]], attempts: int, error: str | None
    ) -> None:
        if not self.source.on_failure_queue_url:
            return
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]

        def arrival(record: dict[str, Any]) -> str:
            seconds = record.get("ApproximateCreationDateTime") or time.time()
            return (
                datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            )

        invocation_record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.source.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first.get("SequenceNumber"),
                "endSequenceNumber": last.get("SequenceNumber"),
                "approximateArrivalOfFirstRecord": arrival(first),
                "approximateArrivalOfLastRecord": arrival(last),
                "batchSize": len(records),
                "streamArn": self.source.stream_arn,
            },
        }
        self.sqs().send_message(
            QueueUrl=self.source.on_failure_queue_url, MessageBody=json.dumps(invocation_record)
        )
