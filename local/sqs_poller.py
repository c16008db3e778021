"""SQS event sources as Lambda runs them: long polling, BatchSize and
MaximumBatchingWindowInSeconds, up to ScalingConfig.MaximumConcurrency batches in flight,
records in the exact Lambda SQS event shape, partial batch responses.

After an invocation:
  * success -> every record is deleted, except those named in `batchItemFailures` when the
    source has `FunctionResponseTypes: [ReportBatchItemFailures]`;
  * a malformed partial response (an itemIdentifier that is empty or not in the batch) or a
    function error (exception, crash, timeout) -> nothing is deleted.
Records not deleted are left alone: they come back when their visibility timeout expires, as on
AWS (Lambda never changes the visibility of a failed record). Setting it to 0 would overwrite a
back-off the function itself set with ChangeMessageVisibility, and would turn a record that
keeps failing into a hot loop that burns its receive count (the redrive to the DLQ) in seconds.
Redrive to the dead-letter queue is moto's (maxReceiveCount, checked on receive).
Records that do not match the source's FilterCriteria are deleted without an invocation.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from local.errors import FunctionError
from local.filters import parse_filters, record_matches
from local.function_specs import FunctionSpec, events_of
from local.loop import BackgroundLoop
from local.template import TemplateError

LONG_POLL_SECONDS = 1  # short enough that Ctrl-C stops the pollers at once
DEFAULT_MAX_CONCURRENCY = 5  # Lambda starts 5 pollers for a standard queue without ScalingConfig


@dataclass
class SqsSource:
    function: str  # logical id
    label: str
    event_id: str
    queue_arn: str
    queue_url: str
    batch_size: int = 10
    window_seconds: float = 0.0
    report_failures: bool = False
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    enabled: bool = True
    filters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"sqs:{self.queue_arn.rsplit(':', 1)[-1]}"


def sqs_sources(specs: dict[str, FunctionSpec], queues_by_arn: dict[str, str]) -> list[SqsSource]:
    """The `Type: SQS` events of every function; a queue that is not in the template is an error."""
    sources = []
    for event in events_of(specs, "SQS"):
        spec, event_id, props, where = event.spec, event.event_id, event.props, event.where
        arn = props.get("Queue")
        if arn not in queues_by_arn:
            raise TemplateError(f"{where}: Queue {arn!r} is not a queue of this template")
        batch_size = int(props.get("BatchSize", 10))
        window = float(props.get("MaximumBatchingWindowInSeconds", 0))
        if batch_size > 10 and window <= 0:
            raise TemplateError(f"{where}: BatchSize > 10 needs MaximumBatchingWindowInSeconds")
        if not 1 <= batch_size <= 10000:
            raise TemplateError(f"{where}: BatchSize {batch_size} out of 1..10000")
        scaling = props.get("ScalingConfig") or {}
        try:
            filters = parse_filters(props.get("FilterCriteria"))
        except ValueError as exc:
            raise TemplateError(f"{where}: FilterCriteria: {exc}") from exc
        sources.append(
            SqsSource(
                function=spec.logical_id,
                label=spec.label,
                event_id=event_id,
                queue_arn=arn,
                queue_url=queues_by_arn[arn],
                batch_size=batch_size,
                window_seconds=window,
                report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                max_concurrency=int(scaling.get("MaximumConcurrency", DEFAULT_MAX_CONCURRENCY)),
                enabled=bool(props.get("Enabled", True)),
                filters=filters,
            )
        )
    return sources


def event_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ReceiveMessage message -> one record of the Lambda SQS event."""
    attributes = dict(message.get("Attributes") or {})
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"dataType": value.get("DataType", "String")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        raw = value["BinaryValue"]
        out["binaryValue"] = base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw
    out["stringListValues"] = list(value.get("StringListValues") or [])
    out["binaryListValues"] = [
        base64.b64encode(v).decode() if isinstance(v, bytes) else v
        for v in value.get("BinaryListValues") or []
    ]
    return out


def failed_message_ids(result: Any, records: list[dict[str, Any]], report_failures: bool) -> set[str] | None:
    """Message ids to leave on the queue after a successful invocation; None = the whole batch
    failed (a malformed partial batch response)."""
    all_ids = {r["messageId"] for r in records}
    if not report_failures or result is None:
        return set()
    if not isinstance(result, dict):
        return set()  # not a partial batch response: Lambda counts the batch as a success
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in all_ids:
            return None
        failed.add(identifier)
    return failed


Invoke = Callable[..., Any]  # (function logical id, event) -> result; raises FunctionError


class SqsPoller(BackgroundLoop):
    """One poller thread per event source; batches run on up to `max_concurrency` threads."""

    faults: Any = None  # local.faults.Faults of the fault soak: duplicate deliveries

    def __init__(
        self,
        source: SqsSource,
        sqs: Callable[[], Any],
        invoke: Invoke,
        say: Callable[[str, str], None],
        region: str,
        verbose: bool = False,
    ):
        super().__init__(source.name)
        self.source = source
        self.sqs = sqs
        self.invoke = invoke
        self.say = say
        self.region = region
        self.verbose = verbose
        self._slots = threading.Semaphore(source.max_concurrency)
        self._executor = ThreadPoolExecutor(source.max_concurrency, thread_name_prefix=source.name)
        self.batches = 0
        self.messages = 0
        self.failed_batches = 0

    def enabled(self) -> bool:
        return self.source.enabled

    def join_timeout(self) -> float:
        return LONG_POLL_SECONDS + self.source.window_seconds + 2

    def stop(self) -> None:
        super().stop()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.5):
                continue
            try:
                messages = self._receive_batch()
            except Exception as exc:
                self._slots.release()
                if not self._stop.is_set():
                    self.say(self.source.name, f"receive failed: {exc}")
                    self._stop.wait(1)
                continue
            if not messages:
                self._slots.release()
                continue
            self._executor.submit(self._process, messages)

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        response = self.sqs().receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def _receive_batch(self) -> list[dict[str, Any]]:
        """Long-poll for the first messages, then gather until BatchSize or the batching window."""
        messages = self._receive(self.source.batch_size, LONG_POLL_SECONDS)
        if not messages or self.source.window_seconds <= 0:
            return messages
        deadline = time.monotonic() + self.source.window_seconds
        while len(messages) < self.source.batch_size and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            more = self._receive(self.source.batch_size - len(messages), 0)
            if more:
                messages += more
            else:
                self._stop.wait(min(0.1, remaining))
        return messages

    def _process(self, messages: list[dict[str, Any]]) -> None:
        try:
            self._deliver(messages)
        except Exception as exc:  # a bug here must not leak the concurrency slot
            self.say(self.source.name, f"batch handling failed: {exc!r}")
        finally:
            self._slots.release()

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        source = self.source
        records = [event_record(m, source.queue_arn, self.region) for m in messages]
        receipts = {r["messageId"]: r["receiptHandle"] for r in records}
        matching = [r for r in records if record_matches(source.filters, r, sqs=True)]
        filtered_out = [r["messageId"] for r in records if r not in matching]
        if filtered_out:
            self._delete([receipts[i] for i in filtered_out])
        if not matching:
            return
        self.batches += 1
        self.messages += len(matching)
        started = time.monotonic()
        if self.faults is not None:
            self.faults.deliver_twice(matching, lambda dup: self.invoke(source.function, {"Records": dup}))
        try:
            result = self.invoke(source.function, {"Records": matching}, request_id=str(uuid.uuid4()))
        except FunctionError as exc:
            self.failed_batches += 1
            self.say(
                source.name,
                f"{source.label} failed on a batch of {len(matching)} ({exc.error_type}); "
                "records return after their visibility timeout",
            )
            return
        failed = failed_message_ids(result, matching, source.report_failures)
        elapsed = (time.monotonic() - started) * 1000
        if failed is None:
            self.failed_batches += 1
            self.say(
                source.name,
                f"{source.label}: malformed batchItemFailures {result!r:.200}; whole batch retried",
            )
            return
        self._delete([receipts[r["messageId"]] for r in matching if r["messageId"] not in failed])
        if failed or self.verbose:
            self.say(
                source.name,
                f"{len(matching)} record(s) -> {source.label} {elapsed:.0f}ms"
                + (f", {len(failed)} reported failed (left for redelivery)" if failed else ""),
            )

    def _delete(self, receipt_handles: list[str]) -> None:
        for start in range(0, len(receipt_handles), 10):
            chunk = receipt_handles[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(chunk)]
            response = self.sqs().delete_message_batch(QueueUrl=self.source.queue_url, Entries=entries)
            if response.get("Failed"):
                self.say(self.source.name, f"delete failed for {len(response['Failed'])} record(s)")
