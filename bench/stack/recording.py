"""Counting the AWS calls the whole stack makes, at the moto server: moto's request recorder
(`/moto-api/recorder/*`) appends every request it serves (headers, body) to a file while it is
on. The stack's functions run in processes of their own and the pollers in this one; the
recorder sees them all, plus the clock and the EMF sink.

Set `MOTO_RECORDER_FILEPATH` (`recorder_env()`) before the stack starts its moto server: the
recorder opens that path in the server process. Each request is one line; a body over ~8 KB
may be written in pieces that a simultaneous request can interleave, so unreadable lines are
counted (`Recording.unreadable`), not guessed.

`writes()` turns the recorded DynamoDB writes into the items they wrote, for the write units:
a put's item comes with the request; an update's or a transaction's item is read back at the
end (`final_items`), as DynamoDB charges on the larger of the item before and after."""

from __future__ import annotations

import base64
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.stack.report import item_size, op_key, write_units

_CREDENTIAL = re.compile(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request")
_CBOR_OPERATION = re.compile(r"/service/[^/]+/operation/([A-Za-z]+)")
# X-Amz-Target prefixes whose service the credential scope does not tell (streams sign as dynamodb)
_TARGETS = {"DynamoDBStreams_20120810": "dynamodbstreams"}
_SIGNING_NAMES = {"monitoring": "cloudwatch"}
_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def recorder_env(path: Path) -> None:
    """Where the moto server started after this call records (it inherits this environment)."""
    os.environ["MOTO_RECORDER_FILEPATH"] = str(path)


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    body: dict[str, Any] | None
    # the request as sent when its body is not JSON (CBOR, REST): (method, path?query, headers, body)
    raw: tuple[str, str, dict[str, str], bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return op_key(self.service, self.operation)


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)
    unreadable: int = 0

    def counts(self) -> Counter[str]:
        return Counter(call.key for call in self.calls)


class MotoRecorder:
    def __init__(self, moto_url: str, path: Path):
        self.moto_url = moto_url
        self.path = path

    def _post(self, action: str) -> None:
        response = requests.post(f"{self.moto_url}/moto-api/recorder/{action}", timeout=10)
        response.raise_for_status()

    def start(self) -> None:
        self._post("reset-recording")
        self._post("start-recording")

    def stop(self) -> Recording:
        self._post("stop-recording")
        recording = Recording()
        if not self.path.exists():
            return recording
        for line in self.path.read_text(errors="replace").splitlines():
            try:
                call = parse_entry(json.loads(line))
            except (ValueError, KeyError, TypeError):
                recording.unreadable += 1
                continue
            recording.calls.append(call)
        return recording


def parse_entry(entry: dict[str, Any]) -> Call:
    """(service, operation, JSON body) of one recorded request: the service from the SigV4
    credential scope, the operation from X-Amz-Target (JSON protocols), the CBOR path
    (CloudWatch), an Action parameter (query protocol) or else `METHOD /first-segment` (REST)."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    service = match.group(1) if match else "unsigned"
    service = _SIGNING_NAMES.get(service, service)
    raw: Any = entry.get("body") or ""
    if entry.get("body_encoded"):
        raw = base64.b64decode(raw)
    url = entry.get("url", "")
    target = headers.get("x-amz-target")
    body: dict[str, Any] | None = None
    if target:
        prefix, _, operation = target.rpartition(".")
        service = _TARGETS.get(prefix, service)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
    elif cbor := _CBOR_OPERATION.search(url):
        operation = cbor.group(1)
    elif action := re.search(r"(?:^|[?&])Action=([A-Za-z]+)", _text(raw) + "&" + url.partition("?")[2]):
        operation = action.group(1)
    else:
        path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
        operation = f"{entry.get('method', 'GET')} /{path.strip('/').split('/')[0]}"
    if body is not None:
        return Call(service, operation, body)
    as_sent = (
        entry.get("method", "POST"),
        re.sub(r"^https?://[^/]+", "", url) or "/",
        {k: v for k, v in entry["headers"].items() if k.lower() not in ("host", "content-length")},
        raw if isinstance(raw, bytes) else raw.encode(),
    )
    return Call(service, operation, None, as_sent)


# ---------------------------------------------------------------- DynamoDB writes


@dataclass(frozen=True)
class Write:
    table: str
    key: str  # JSON of the item's key
    item: dict[str, Any] | None  # the written item when the request carries it (put)
    transactional: bool
    deleted: bool = False


def writes(calls: list[Call], key_names: dict[str, list[str]]) -> list[Write]:
    """Every item written by the recorded DynamoDB calls (`key_names`: table -> key attributes)."""
    found: list[Write] = []

    def add(table: str, request: dict[str, Any], kind: str, transactional: bool) -> None:
        item = request.get("Item")
        key = request.get("Key") or {k: item[k] for k in key_names.get(table, []) if item and k in item}
        found.append(
            Write(table, _key_text(key), item if kind == "Put" else None, transactional, kind == "Delete")
        )

    for call in calls:
        if call.service != "dynamodb" or call.operation not in _WRITES or call.body is None:
            continue
        body = call.body
        if call.operation == "PutItem":
            add(body["TableName"], body, "Put", False)
        elif call.operation in ("UpdateItem", "DeleteItem"):
            add(body["TableName"], body, call.operation.removesuffix("Item"), False)
        elif call.operation == "BatchWriteItem":
            for table, requests_ in body.get("RequestItems", {}).items():
                for request in requests_:
                    if "PutRequest" in request:
                        add(table, request["PutRequest"], "Put", False)
                    else:
                        add(table, request["DeleteRequest"], "Delete", False)
        else:
            for element in body.get("TransactItems", []):
                (kind, request), *_ = element.items()
                add(request["TableName"], request, kind.removesuffix("Item"), True)
    return found


def write_unit_totals(
    found: list[Write], final_items: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, int]:
    """Write units of `found`: each item's size is the larger of the written item (puts) and the
    item as read back at the end; a deleted item or one gone by then counts 1 unit (x2 in a
    transaction). Split into plain and transactional."""
    plain = transactional = 0
    for write in found:
        sizes = [item_size(write.item)] if write.item else []
        final = final_items.get((write.table, write.key))
        if final is not None and not write.deleted:
            sizes.append(item_size(final))
        units = write_units(max(sizes, default=0), write.transactional)
        if write.transactional:
            transactional += units
        else:
            plain += units
    return {"plain": plain, "transactional": transactional, "total": plain + transactional}


def read_back(dynamodb: Any, found: list[Write]) -> dict[tuple[str, str], dict[str, Any]]:
    """The current items behind `found` (BatchGetItem, 100 keys a call)."""
    keys = sorted({(w.table, w.key) for w in found})
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(keys), 100):
        chunk = keys[start : start + 100]
        request: dict[str, Any] = {}
        for table, key in chunk:
            request.setdefault(table, {"Keys": []})["Keys"].append(json.loads(key))
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for table, got in answer.get("Responses", {}).items():
                names = sorted(json.loads(next(k for t, k in chunk if t == table)))
                for item in got:
                    items[(table, _key_text({n: item[n] for n in names}))] = item
            request = answer.get("UnprocessedKeys") or {}
    return items


def _text(raw: str | bytes) -> str:
    return raw if isinstance(raw, str) else raw.decode("latin-1")


def _key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)
