"""Running a handler: payload validation, errors, and the time limit (a private registry)."""

import sys
import threading

from pydantic import BaseModel

from jobqueue.errors import NonRetryableError
from jobqueue.models.job import Category
from jobqueue.registry import Registry, handler
from jobqueue.worker.runner import RunKind, run
from tests.support.factories import make_job


class Numbers(BaseModel):
    n: int = 1


stopped = threading.Event()


@handler("double", Category.CUSTOM_PROCESSING, Numbers)
def double(payload, ctx):
    return {"n": payload.n * 2, "attempt": ctx.attempt}


@handler("explode", Category.CUSTOM_PROCESSING, Numbers)
def explode(payload, ctx):
    raise KeyError("a bug")


@handler("refuse", Category.CUSTOM_PROCESSING, Numbers)
def refuse(payload, ctx):
    raise NonRetryableError("never")


@handler("hang", Category.CUSTOM_PROCESSING, Numbers)
def hang(payload, ctx):
    if ctx.cancelled.wait(10):
        stopped.set()


registry = Registry.from_modules(sys.modules[__name__])


def test_a_handler_gets_its_validated_payload_and_returns_its_result():
    result = run(make_job(handler="double", payload={"n": 4}, attempts=1), registry, 5)

    assert result.kind is RunKind.SUCCEEDED and result.value == {"n": 8, "attempt": 1}


def test_a_payload_that_does_not_validate_is_invalid():
    result = run(make_job(handler="double", payload={"n": "four"}), registry, 5)

    assert result.kind is RunKind.INVALID and result.error_message.startswith("invalid payload: n:")


def test_an_unknown_handler_is_invalid():
    result = run(make_job(handler="nope"), registry, 5)

    assert result.kind is RunKind.INVALID and result.error_type == "UnknownHandler"


def test_an_unexpected_exception_is_a_retryable_failure():
    result = run(make_job(handler="explode", payload={}), registry, 5)

    assert result.kind is RunKind.FAILED and result.retryable and result.error_type == "KeyError"


def test_a_non_retryable_error_says_so():
    result = run(make_job(handler="refuse", payload={}), registry, 5)

    assert result.kind is RunKind.FAILED and not result.retryable


def test_an_overrunning_handler_times_out_and_is_told_to_stop():
    result = run(make_job(handler="hang", payload={}), registry, 0.2)

    assert result.kind is RunKind.TIMED_OUT and result.retryable
    assert stopped.wait(5)
