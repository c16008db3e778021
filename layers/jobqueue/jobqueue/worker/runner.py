"""Run a job's handler: validate the payload with the handler's model, then call the handler in a
thread with a time limit. A handler that overruns is told to stop (`ctx.cancelled`) and left
behind: a Python thread cannot be killed, so handlers that can run long should watch the event. Lifecycle hooks
(`registry.Hooks`: worker-wide, then the handler's) run around the handler.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from jobqueue.errors import HandlerError, NotFound
from jobqueue.models.job import Job
from jobqueue.registry import JobContext, Registry

logger = Logger(child=True)

MAX_ERROR_CHARS = 1000


class RunKind(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the handler raised
    TIMED_OUT = "timed_out"
    INVALID = "invalid"  # no such handler, or the payload does not validate: never retried


@dataclass(frozen=True)
class RunResult:
    kind: RunKind
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    retryable: bool = False
    execution_ms: int = 0
    time_limit_seconds: float = 0.0


def run(job: Job, registry: Registry, time_limit_seconds: float) -> RunResult:
    """Run `job` for at most `time_limit_seconds`."""
    try:
        spec = registry.get(job.handler)
        payload = spec.payload_model.model_validate(job.payload)
    except NotFound as error:
        return RunResult(RunKind.INVALID, error_type="UnknownHandler", error_message=error.message)
    except ValidationError as error:
        return RunResult(RunKind.INVALID, error_type="ValidationError", error_message=_describe(error))

    ctx = JobContext(job=job, timeout_seconds=time_limit_seconds)
    hooks = registry.hooks_for(spec)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            for hook in hooks.on_start:
                _call_hook(hook, job, payload, ctx)
            box["value"] = spec.func(payload, ctx)
        except BaseException as error:  # reported, never raised in the thread
            box["error"] = error

    thread = threading.Thread(target=target, name=f"job-{job.id}", daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(time_limit_seconds)
    execution_ms = int((time.monotonic() - started) * 1000)
    if thread.is_alive():
        ctx.cancelled.set()
        for hook in hooks.on_failure:
            _call_hook(hook, job, payload, ctx, TimeoutError(f"time limit of {time_limit_seconds:g} s"))
        return RunResult(
            RunKind.TIMED_OUT,
            error_type="Timeout",
            error_message=f"handler did not finish within {time_limit_seconds:g} s",
            retryable=True,
            execution_ms=execution_ms,
            time_limit_seconds=time_limit_seconds,
        )
    if "error" in box:
        error = box["error"]
        for hook in hooks.on_failure:
            _call_hook(hook, job, payload, ctx, error)
        retryable = error.retryable if isinstance(error, HandlerError) else True
        return RunResult(
            RunKind.FAILED,
            error_type=type(error).__name__,
            error_message=str(error)[:MAX_ERROR_CHARS],
            retryable=retryable,
            execution_ms=execution_ms,
        )
    for hook in hooks.on_success:
        _call_hook(hook, job, payload, ctx, box.get("value"))
    return RunResult(RunKind.SUCCEEDED, value=box.get("value"), execution_ms=execution_ms)


def _call_hook(hook: Any, job: Job, *args: Any) -> None:
    """A lifecycle hook; one that raises is logged and changes nothing."""
    try:
        hook(*args)
    except Exception:
        logger.exception(
            "lifecycle hook failed", extra={"job_id": job.id, "hook": getattr(hook, "__name__", repr(hook))}
        )


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors()[:10]:
        where = ".".join(str(p) for p in detail.get("loc", ())) or "payload"
        parts.append(f"{where}: {detail.get('msg', 'invalid')}")
    return ("invalid payload: " + "; ".join(parts))[:MAX_ERROR_CHARS]
