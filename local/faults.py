"""Faults injected by configuration, for the fault soak (`make soak`, bench/soak.py) only.

Nothing here runs unless a `LocalStack` is given `faults=`: `make run` and the test suites never
do, and without faults no code path changes (a function process does not even load this file;
the pollers and the clock test one attribute that is None).

The configuration (local/fault_config.py turns it into each function's `JOBQ_FAULTS`):

    {"seed": 7,
     "switch": "/tmp/soak/faults-on",   # faults are on while this file exists (no switch: always)
     "log": "/tmp/soak/faults.jsonl",   # one JSON line per fault injected
     "dynamodb": {"throttle": 0.02, "server_error": 0.01, "exhausted": 0.003},  # every function
     "functions": {"WorkerFunction": {"kill_on_dynamodb": 0.002},
                   "ApiFunction": {"kill_before_send": 0.02},
                   "StreamFunction": {"fail_before": 0.04, "fail_after": 0.04}},
     "sqs": {"duplicate": 0.05},        # the SQS pollers
     "schedules": {"duplicate": 0.5}}   # the clock (rules and Scheduler schedules)

Each fault is one small function below. This file must not import anything from `local`: the
runtime of a function process (local/lambda_runtime.py) loads it by path, with only the
function's own sys.path.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

ENV_VAR = "JOBQ_FAULTS"
DUPLICATE_DELAY_SECONDS = 1.5  # a duplicate comes up to this long after the original


class InjectedFault(Exception):
    """A function error made by the fault soak (the stream function failing a batch)."""


class Faults:
    """Rolls the dice for one process (the stack's, or one function environment's)."""

    def __init__(self, config: dict[str, Any], where: str, salt: Any = 0):
        self.config = config
        self.where = where
        self.switch = config.get("switch")
        self.log_path = config.get("log")
        self._rng = random.Random(f"{config.get('seed', 0)}:{where}:{salt}")
        self._lock = threading.Lock()

    def share(self, *path: str) -> float:
        value: Any = self.config
        for key in path:
            value = (value or {}).get(key)
        return float(value or 0)

    def active(self) -> bool:
        return self.switch is None or os.path.exists(self.switch)

    def roll(self, share: float, fault: str) -> bool:
        """True for `share` of the calls while the faults are on; each hit is logged."""
        if share <= 0 or not self.active():
            return False
        hit = self.random() < share
        if hit:
            self.note(fault)
        return hit

    def random(self) -> float:
        with self._lock:
            return self._rng.random()

    def note(self, fault: str) -> None:
        if not self.log_path:
            return
        line = json.dumps({"t": time.time(), "fault": fault, "where": self.where}) + "\n"
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())  # one small O_APPEND write: whole lines, any process
        finally:
            os.close(fd)

    # ------------------------------------------------------------- the stack's own (pollers, clock)

    def deliver_twice(
        self, records: list[dict[str, Any]], invoke: Callable[[list[dict[str, Any]]], Any]
    ) -> None:
        """Duplicate SQS deliveries: some records of a batch go to the function a second time, in
        an invocation of their own soon after (as SQS may hand a message to two consumers). The
        original's outcome decides what is deleted; the copy's answer is ignored."""
        share = self.share("sqs", "duplicate")
        copies = [record for record in records if self.roll(share, "sqs_duplicate")]
        if copies:
            self._later(lambda: invoke(copies))

    def fire_twice(self, deliver: Callable[[], Any]) -> None:
        """Duplicate schedule fires: the same slot delivered to its target a second time."""
        if self.roll(self.share("schedules", "duplicate"), "schedule_duplicate"):
            self._later(deliver)

    def _later(self, action: Callable[[], Any]) -> None:
        delay = self.random() * DUPLICATE_DELAY_SECONDS

        def run() -> None:
            time.sleep(delay)
            try:
                action()
            except Exception:  # the duplicate's fate does not matter, only its effects
                logging.getLogger("local.faults").debug("duplicate delivery failed", exc_info=True)

        threading.Thread(target=run, name="fault-duplicate", daemon=True).start()


# ------------------------------------------------------------------------- a function's process


def install(raw: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """In a function process (JOBQ_FAULTS set): botocore hooks for every boto3 session made from
    now on; returns what wraps the function's handler."""
    config = json.loads(raw)
    faults = Faults(config, config.get("function", "?"), os.getpid())
    from botocore import handlers  # every botocore Session registers these when it is made

    handlers.BUILTIN_HANDLERS.append(("before-send.dynamodb", _dynamodb_errors(faults)))
    handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", _dynamodb_exhausted(faults)))
    if faults.share("kill_on_dynamodb"):
        handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", _kill_on_dynamodb(faults)))
    if faults.share("kill_before_send"):
        for operation in ("SendMessage", "SendMessageBatch"):
            handlers.BUILTIN_HANDLERS.append((f"before-call.sqs.{operation}", _kill_before_send(faults)))
    return lambda handler: _failing_batches(faults, handler)


def _dynamodb_errors(faults: Faults) -> Callable[..., Any]:
    """DynamoDB throttling and 5xx: a share of the HTTP requests is answered 400
    ProvisionedThroughputExceededException or 500 InternalServerError without reaching moto.
    boto3's retry configuration (jobqueue/adapters/aws.py) retries them like real ones."""
    throttle, server_error = faults.share("dynamodb", "throttle"), faults.share("dynamodb", "server_error")

    def hook(request: Any, **kwargs: Any) -> Any:
        if faults.roll(throttle, "dynamodb_throttle"):
            return _response(request, 400, "ProvisionedThroughputExceededException", "Throughput exceeded")
        if faults.roll(server_error, "dynamodb_5xx"):
            return _response(request, 500, "InternalServerError", "Internal server error")
        return None

    return hook


def _dynamodb_exhausted(faults: Faults) -> Callable[..., Any]:
    """A share of DynamoDB calls fails as it does once boto3's retries ran out: the caller gets
    the ClientError (throttling or 500, in turn) and the service's own error handling decides."""
    share = faults.share("dynamodb", "exhausted")

    def hook(model: Any = None, **kwargs: Any) -> None:
        if faults.roll(share, "dynamodb_exhausted"):
            from botocore.exceptions import ClientError

            throttled = faults.random() < 0.5
            code, status = (
                ("ProvisionedThroughputExceededException", 400) if throttled else ("InternalServerError", 500)
            )
            raise ClientError(
                {
                    "Error": {"Code": code, "Message": f"{code} (injected; retries exhausted)"},
                    "ResponseMetadata": {
                        "HTTPStatusCode": status,
                        "MaxAttemptsReached": True,
                        "RetryAttempts": 3,
                    },
                },
                getattr(model, "name", "DynamoDB"),
            )

    return hook


def _kill_on_dynamodb(faults: Faults) -> Callable[..., Any]:
    """Worker processes killed mid-batch: before a share of its DynamoDB calls the process dies
    (SIGKILL, as an out-of-memory sandbox), wherever it is in its batch."""
    share = faults.share("kill_on_dynamodb")

    def hook(model: Any = None, **kwargs: Any) -> None:
        if faults.roll(share, f"kill_before_{getattr(model, 'name', 'call')}"):
            _die()

    return hook


def _kill_before_send(faults: Faults) -> Callable[..., Any]:
    """An api invocation killed between writing a job and sending its message: the job record
    is the outbox, so the sweeper must re-send it."""
    share = faults.share("kill_before_send")

    def hook(model: Any = None, **kwargs: Any) -> None:
        if faults.roll(share, f"kill_before_{getattr(model, 'name', 'send')}"):
            _die()

    return hook


def _failing_batches(faults: Faults, handler: Callable[..., Any]) -> Callable[..., Any]:
    """A function failing a share of its invocations, before its handler ran (nothing done) or
    after (everything done, the answer lost): the event source retries the batch."""
    before, after = faults.share("fail_before"), faults.share("fail_after")
    if not before and not after:
        return handler

    def faulty(event: Any, context: Any) -> Any:
        if faults.roll(before, "fail_before_handler"):
            raise InjectedFault("injected failure before the handler ran")
        result = handler(event, context)
        if faults.roll(after, "fail_after_handler"):
            raise InjectedFault("injected failure after the handler ran")
        return result

    return faulty


def _die() -> None:
    sys.stderr.write("[faults] killing this execution environment (SIGKILL)\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class _Body:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **kwargs: Any) -> Any:
        yield self._body


def _response(request: Any, status: int, code: str, message: str) -> Any:
    from botocore.awsrequest import AWSResponse

    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse(request.url, status, headers, _Body(body))
