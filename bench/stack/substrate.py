"""The raw moto substrate doing the same AWS calls as the stack: the requests recorded at moto
during the throughput run (bench/stack/recording.py), replayed verbatim and in recorded order
from ONE client thread (boto3 clients of our own on the same moto server), against copies of
the resources instead of the stack's:

- DynamoDB: each table the recording names gets a fresh copy with its key schema, attribute
  definitions, GSIs and stream (NEW_AND_OLD_IMAGES), seeded with the tenant's items that existed
  before the run (its profile, counters). Every request goes out as recorded (items, update and
  condition expressions, values) with only the table name changed, so the items go through the
  same states (queued -> processing -> completed, counters up and down) and conditions pass as
  they did. The stream reads (GetRecords, with the recorded Limit) read the copy's stream.
- SQS: a copy of each queue (its visibility timeout); sends as recorded; a ReceiveMessage with
  WaitTimeSeconds 0 (one thread must not block); deletes and visibility changes take the
  receipt handles our own receives got, oldest first, as many entries as recorded.
- EventBridge: PutEvents as recorded, on a bus of our own (no rules, as the stack's has none).
- CloudWatch PutMetricData and Scheduler ListSchedules (the local clock's poll), whose bodies
  are not JSON (CBOR, REST): the recorded HTTP request itself, bytes as sent.
- The bench's own polling (the usage reads and the completed-job listing) is left out, as in
  the per-job counts. Anything else would be reported under `not_replayed`.

Substrate jobs/s = the run's jobs / the replay's wall time (setup not included)."""

from __future__ import annotations

import copy
import time
import uuid
from collections import Counter, deque
from typing import Any

import requests
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from bench.stack.recording import Call
from bench.stack.report import rate
from local.moto_clients import MotoClients

_SERVICES = ("dynamodb", "dynamodbstreams", "sqs", "events", "cloudwatch", "scheduler")
_RAW = ("cloudwatch", "scheduler")  # no resource of the stack's in these requests: sent as recorded
_DELETES = ("DeleteMessage", "DeleteMessageBatch")
_VISIBILITY = ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch")


class Substrate:
    def __init__(self, moto_url: str, region: str, stack_dynamodb: Any, stack_sqs: Any):
        self.clients = MotoClients(moto_url, region)  # not the stack's: its pollers share those
        self.moto_url = moto_url
        self._http = requests.Session()
        self.stack_dynamodb = stack_dynamodb
        self.stack_sqs = stack_sqs
        self.suffix = uuid.uuid4().hex[:6]
        self.tables: dict[str, str] = {}
        self.queues: dict[str, str] = {}
        self.bus = ""
        self.stream_iterator: str | None = None
        self.handles: dict[str, deque[str]] = {}

    # ---------------------------------------------------------------- the copies

    def prepare(self, calls: list[Call], seed: dict[str, list[dict[str, Any]]]) -> None:
        for call in calls:
            for table in _tables_of(call):
                if table not in self.tables:
                    self.tables[table] = self._copy_table(table)
            url = (call.body or {}).get("QueueUrl")
            if call.service == "sqs" and url and url not in self.queues:
                self.queues[url] = self._copy_queue(url)
        ddb = self.clients("dynamodb")
        for table, items in seed.items():
            if table in self.tables:
                for item in items:
                    ddb.put_item(TableName=self.tables[table], Item=item)
        events = self.clients("events")
        self.bus = f"bench-substrate-{self.suffix}"
        events.create_event_bus(Name=self.bus)
        arns = [ddb.describe_table(TableName=t)["Table"].get("LatestStreamArn") for t in self.tables.values()]
        streams = self.clients("dynamodbstreams")
        for arn in filter(None, arns[:1]):  # the stack reads one stream: the jobs table's
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            self.stream_iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST"
            )["ShardIterator"]

    def _copy_table(self, name: str) -> str:
        table = self.stack_dynamodb.describe_table(TableName=name)["Table"]
        copy_name = f"bench-substrate-{self.suffix}-{name}"
        params: dict[str, Any] = {
            "TableName": copy_name,
            "KeySchema": table["KeySchema"],
            "AttributeDefinitions": table["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if table.get("GlobalSecondaryIndexes"):
            params["GlobalSecondaryIndexes"] = [
                {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
                for g in table["GlobalSecondaryIndexes"]
            ]
        if (table.get("StreamSpecification") or {}).get("StreamEnabled"):
            params["StreamSpecification"] = table["StreamSpecification"]
        self.clients("dynamodb").create_table(**params)
        return copy_name

    def _copy_queue(self, url: str) -> str:
        attributes = self.stack_sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        name = f"bench-substrate-{self.suffix}-{url.rsplit('/', 1)[-1]}"
        return self.clients("sqs").create_queue(
            QueueName=name, Attributes={"VisibilityTimeout": attributes["Attributes"]["VisibilityTimeout"]}
        )["QueueUrl"]

    # ---------------------------------------------------------------- the replay

    def replay(self, calls: list[Call], jobs: int) -> dict[str, Any]:
        planned: list[tuple[Call, Any, dict[str, Any]]] = []
        skipped: Counter[str] = Counter()
        for call in calls:
            if call.service not in _SERVICES:
                skipped[call.key] += 1
            elif call.body is not None:
                method = getattr(self.clients(call.service), xform_name(call.operation))
                planned.append((call, method, self._renamed(call)))
            elif call.raw is not None and call.service in _RAW:
                planned.append((call, self._send_raw, {"raw": call.raw}))
            else:
                skipped[call.key] += 1
        errors: Counter[str] = Counter()
        done: Counter[str] = Counter()
        spent: Counter[str] = Counter()
        started = time.perf_counter()
        for call, method, params in planned:
            if not self._fix_dynamic(call, params):
                skipped[call.key + " (no message in hand)"] += 1
                continue
            before = time.perf_counter()
            try:
                answer = method(**params)
            except ClientError as exc:
                errors[f"{call.key}: {exc.response['Error'].get('Code')}"] += 1
                continue
            except BotoCoreError as exc:
                errors[f"{call.key}: {type(exc).__name__}"] += 1
                continue
            finally:
                spent[call.key] += time.perf_counter() - before
            done[call.key] += 1
            self._keep(call, params, answer)
        replay_s = time.perf_counter() - started
        return {
            "jobs": jobs,
            "calls_replayed": sum(done.values()) + sum(errors.values()),
            "replay_s": round(replay_s, 2),
            "jobs_per_s": rate(jobs, replay_s),
            "calls_per_s": rate(sum(done.values()) + sum(errors.values()), replay_s),
            "mean_ms_by_operation": {
                key: round(spent[key] * 1000 / (done[key] + _errors_of(errors, key)), 1)
                for key in sorted(spent)
            },
            "errors": dict(errors),
            "not_replayed": dict(skipped),
            "client_threads": 1,
        }

    def _send_raw(self, raw: tuple[str, str, dict[str, str], bytes]) -> dict[str, Any]:
        method, path, headers, body = raw
        response = self._http.request(method, self.moto_url + path, headers=headers, data=body, timeout=30)
        if response.status_code >= 400:
            raise ClientError({"Error": {"Code": f"HTTP {response.status_code}"}}, path)
        return {}

    def _renamed(self, call: Call) -> dict[str, Any]:
        params = copy.deepcopy(call.body or {})
        if call.service == "dynamodb":
            if "TableName" in params:
                params["TableName"] = self.tables[params["TableName"]]
            if "RequestItems" in params:
                params["RequestItems"] = {self.tables[t]: v for t, v in params["RequestItems"].items()}
            for element in params.get("TransactItems", []):
                for request in element.values():
                    request["TableName"] = self.tables[request["TableName"]]
        elif call.service == "sqs" and "QueueUrl" in params:
            params["QueueUrl"] = self.queues[params["QueueUrl"]]
            if call.operation == "ReceiveMessage":
                params["WaitTimeSeconds"] = 0
        elif call.service == "events":
            for entry in params.get("Entries", []):
                if "EventBusName" in entry:
                    entry["EventBusName"] = self.bus
        return params

    def _fix_dynamic(self, call: Call, params: dict[str, Any]) -> bool:
        """Receipt handles and the shard iterator are known only when the call is made."""
        if call.operation == "GetRecords":
            if self.stream_iterator is None:
                return False
            params["ShardIterator"] = self.stream_iterator
        elif call.service == "sqs" and call.operation in _DELETES + _VISIBILITY and "QueueUrl" in params:
            held = self.handles.setdefault(params["QueueUrl"], deque())
            entries = params.get("Entries", [params])[: len(held)]
            if not entries:
                return False
            taken = [held.popleft() for _ in entries]
            if call.operation in _VISIBILITY:  # the message stays in hand, to be deleted later
                held.extend(taken)
            if "Entries" in params:
                params["Entries"] = [{**e, "ReceiptHandle": h} for e, h in zip(entries, taken, strict=True)]
            else:
                params["ReceiptHandle"] = taken[0]
        return True

    def _keep(self, call: Call, params: dict[str, Any], answer: dict[str, Any]) -> None:
        if call.operation == "GetRecords":
            self.stream_iterator = answer.get("NextShardIterator") or self.stream_iterator
        elif call.operation == "ReceiveMessage":
            held = self.handles.setdefault(params["QueueUrl"], deque())
            held.extend(m["ReceiptHandle"] for m in answer.get("Messages", []))


def _errors_of(errors: Counter[str], key: str) -> int:
    return sum(n for name, n in errors.items() if name.startswith(key + ":"))


def _tables_of(call: Call) -> set[str]:
    if call.service != "dynamodb" or not call.body:
        return set()
    body = call.body
    names = {body["TableName"]} if "TableName" in body else set()
    names |= set(body.get("RequestItems", {}))
    for element in body.get("TransactItems", []):
        names |= {request["TableName"] for request in element.values()}
    return names
