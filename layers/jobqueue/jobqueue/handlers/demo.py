"""Demo and test handlers of category custom_processing: echo, sleep, fail, flaky."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jobqueue.errors import HandlerError
from jobqueue.models.job import Category
from jobqueue.registry import JobContext, handler


class EchoPayload(BaseModel):
    model_config = ConfigDict(extra="allow")


class SleepPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(default=1.0, ge=0, le=900)


class FailPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(default="failed on purpose", max_length=1000)
    retryable: bool = True
    error_type: str | None = Field(
        default=None,
        pattern=r"^[A-Z][A-Za-z0-9]{0,63}$",
        description="the error's type name (default HandlerError)",
    )


class FlakyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_times: int = Field(default=1, ge=0, le=100)


@handler("echo", Category.CUSTOM_PROCESSING, EchoPayload, timeout_seconds=10)
def echo(payload: EchoPayload, ctx: JobContext) -> dict[str, Any]:
    """Returns its payload as the result."""
    return payload.model_dump()


@handler("sleep", Category.CUSTOM_PROCESSING, SleepPayload, timeout_seconds=30)
def sleep(payload: SleepPayload, ctx: JobContext) -> dict[str, Any]:
    """Sleeps `seconds` (stops early when the job times out)."""
    interrupted = ctx.cancelled.wait(payload.seconds)
    return {"slept_seconds": payload.seconds, "interrupted": interrupted}


@handler("fail", Category.CUSTOM_PROCESSING, FailPayload, timeout_seconds=10)
def fail(payload: FailPayload, ctx: JobContext) -> None:
    """Always fails with `message` (as an error of type `error_type`); `retryable` false fails
    the job at once."""
    kind = type(payload.error_type, (HandlerError,), {}) if payload.error_type else HandlerError
    raise kind(payload.message, retryable=payload.retryable)


@handler("flaky", Category.CUSTOM_PROCESSING, FlakyPayload, timeout_seconds=10)
def flaky(payload: FlakyPayload, ctx: JobContext) -> dict[str, Any]:
    """Fails while the attempt number is at most `fail_times`, then succeeds."""
    if ctx.attempt <= payload.fail_times:
        raise HandlerError(f"flaky failure on attempt {ctx.attempt} of {payload.fail_times} planned")
    return {"succeeded_on_attempt": ctx.attempt}
