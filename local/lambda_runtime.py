"""A tiny Lambda runtime: one process per execution environment, warm across invocations.

Started by local/execution_environment.py as `python -P lambda_runtime.py <request fd>
<response fd>` with the function's own environment (`_HANDLER`, PYTHONPATH = CodeUri folder +
layer folders, ...).
It imports the handler module once (the "init" phase), then serves invocations one at a time:
one JSON line in on the request fd, one JSON line out on the response fd. The function's stdout
and stderr stay its own (the parent turns them into log lines and EMF metrics).

This file must not import anything from `local`: it runs with only the function's path.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The `context` argument, with the attributes of the AWS Python runtime's context."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_arn: str):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        # A string, as in the AWS runtime (it comes from AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


def _error(exc: BaseException, error_type: str | None = None, skip_frames: int = 0) -> dict[str, Any]:
    tb = exc.__traceback__
    for _ in range(skip_frames):  # the runtime's own frames are not the function's
        tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(tb),
    }


def _load_handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{spec}': not enough values to unpack (expected module.function)")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ModuleNotFoundError as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {detail}"
        ) from exc
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler


class _InitError(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


def _faults(here: str) -> Any:
    """The fault soak only (JOBQ_FAULTS, set through the template by local/fault_config.py):
    local/faults.py, loaded by path, installs its hooks before the handler is imported."""
    spec = importlib.util.spec_from_file_location("jobq_local_faults", os.path.join(here, "faults.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.install(os.environ["JOBQ_FAULTS"])


def main() -> None:
    # `python -P` keeps this script's folder (local/) off sys.path; be sure on older pythons.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    requests = os.fdopen(request_fd, "r", encoding="utf-8")
    responses = os.fdopen(response_fd, "w", encoding="utf-8")

    def send(message: dict[str, Any]) -> None:
        responses.write(json.dumps(message, separators=(",", ":")) + "\n")
        responses.flush()

    started = time.monotonic()
    with_faults = _faults(here) if os.environ.get("JOBQ_FAULTS") else None
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except _InitError as exc:
        send({"init_error": _error(exc, exc.error_type)})
        return
    except Exception as exc:
        send({"init_error": _error(exc, "Runtime.UserCodeSyntaxError")})
        return
    if with_faults is not None:
        handler = with_faults(handler)
    send({"ready": True, "init_ms": round((time.monotonic() - started) * 1000, 1)})

    for line in requests:  # EOF (parent gone or stopping) ends the environment
        began = time.monotonic()  # REPORT Duration: from the event's arrival to the handler's answer
        request = json.loads(line)
        if request.get("fault") == "crash":  # fault injection (tests): die like an OOM-killed sandbox
            os.kill(os.getpid(), signal.SIGKILL)
        context = LambdaContext(request["id"], request["deadline_ms"], request["arn"])
        try:
            result = handler(request["event"], context)
        except Exception as exc:
            duration_ms = round((time.monotonic() - began) * 1000, 3)
            error = _error(exc, skip_frames=1)
            sys.stderr.write(f"[ERROR] {error['errorType']}: {error['errorMessage']}\n")
            sys.stderr.write("Traceback (most recent call last):\n" + "".join(error["stackTrace"]))
            sys.stderr.flush()
            send({"id": request["id"], "error": error, "duration_ms": duration_ms})
            continue
        duration_ms = round((time.monotonic() - began) * 1000, 3)
        sys.stdout.flush()
        try:
            send({"id": request["id"], "result": result, "duration_ms": duration_ms})
        except (TypeError, ValueError) as exc:
            error = _error(exc, "Runtime.MarshalError")
            send({"id": request["id"], "error": error, "duration_ms": duration_ms})


if __name__ == "__main__":
    main()
