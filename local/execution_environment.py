"""One execution environment of a function: a `python -P local/lambda_runtime.py` process with
exactly its own environment, a private request pipe and response pipe (its stdout and stderr are
free for logs, forwarded line by line), init and invocation deadlines, and the error types Lambda
reports for init errors, crashes (`Runtime.ExitError`) and timeouts (`Sandbox.Timedout`)."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.errors import FunctionError
from local.function_specs import FunctionSpec

RUNTIME = Path(__file__).with_name("lambda_runtime.py")
INIT_TIMEOUT_SECONDS = 30.0  # Lambda allows 10 s; a busy 2-core laptop importing pydantic needs slack

OutputSink = Callable[[str, str, str], None]  # (function label, "stdout"|"stderr", line)


class ExecutionEnvironment:
    """One execution environment: a runtime process and its two pipes."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], output: OutputSink):
        self.spec = spec
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", str(RUNTIME), str(request_r), str(response_w)],
                env=env,
                cwd=spec.code_dir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(request_r, response_w),
                start_new_session=True,  # Ctrl-C goes to the stack, which stops its children itself
            )
        finally:
            os.close(request_r)
            os.close(response_w)
        self._buffer = b""
        self._request_id = ""
        self.cold = True
        self.last_duration_ms: float | None = None  # the last invocation's, as the runtime measured it
        for stream, name in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr")):
            threading.Thread(
                target=_pump,
                args=(stream, spec.label, name, output),
                daemon=True,
                name=f"{spec.label}-{name}",
            ).start()

    def wait_ready(self) -> float:
        """Block until the handler module is imported; returns the init time in ms."""
        message = self._read(time.monotonic() + INIT_TIMEOUT_SECONDS)
        if message is None:
            self.kill()
            raise FunctionError("Runtime.InitError", f"init did not finish in {INIT_TIMEOUT_SECONDS:.0f} s")
        if "init_error" in message:
            self.kill()
            error = message["init_error"]
            raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))
        return float(message.get("init_ms", 0))

    def invoke(self, event: Any, request_id: str, timeout: float, fault: str | None = None) -> Any:
        self.last_duration_ms = None
        deadline = time.monotonic() + timeout
        self._request_id = request_id
        request = {
            "id": request_id,
            "event": event,
            "deadline_ms": int(time.time() * 1000 + timeout * 1000),
            "arn": self.spec.arn,
        }
        if fault:
            request["fault"] = fault
        try:
            os.write(self._request_w, (json.dumps(request, separators=(",", ":")) + "\n").encode())
        except OSError as exc:
            raise self._exited(request_id) from exc
        message = self._read(deadline)
        if message is None:
            self.kill()
            raise FunctionError(
                "Sandbox.Timedout",
                f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} {request_id} "
                f"Task timed out after {timeout:.2f} seconds",
            )
        self.last_duration_ms = message.get("duration_ms")
        if "error" in message:
            error = message["error"]
            raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))
        return message.get("result")

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """Next JSON line from the runtime; None on timeout; FunctionError if the process died."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._response_r], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(self._response_r, 1 << 16)
            except OSError as exc:
                raise FunctionError("Local.Stopped", "the environment was stopped") from exc
            if not chunk:
                raise self._exited(self._request_id)
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _exited(self, request_id: str = "") -> FunctionError:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.wait()
        self._close()
        reason = f"signal: {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        prefix = f"RequestId: {request_id} " if request_id else ""
        return FunctionError("Runtime.ExitError", f"{prefix}Error: Runtime exited with error: {reason}")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close()

    def close_requests(self) -> None:
        """The runtime exits when it reads EOF on its request pipe."""
        if self._request_w >= 0:
            fd, self._request_w = self._request_w, -1
            with contextlib.suppress(OSError):
                os.close(fd)

    def stop(self, grace: float = 1.0) -> None:
        """Close the request pipe (the runtime exits at EOF), then kill what is left."""
        self.close_requests()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        self.kill()

    def _close(self) -> None:
        self.close_requests()
        if self._response_r >= 0:
            fd, self._response_r = self._response_r, -1
            with contextlib.suppress(OSError):
                os.close(fd)


def _pump(stream: Any, label: str, name: str, output: OutputSink) -> None:
    try:
        for raw in iter(stream.readline, b""):
            output(label, name, raw.decode("utf-8", "replace").rstrip("\n"))
    except (OSError, ValueError):
        pass
    finally:
        stream.close()
