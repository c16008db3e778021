"""Functions as Lambda runs them: one process per execution environment, each with exactly its own
environment, warm across invocations, a pool per function grown on demand up to its concurrency.

`function_specs()` reads every AWS::Serverless::Function of the template (Globals merged,
intrinsics resolved against the provisioned resources); `FunctionPool.invoke()` runs one event
in one of the function's processes and returns the handler's result or raises `FunctionError`
(handler exception, init error, crash, timeout: the same error types Lambda reports).
"""

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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.provision import Provisioned
from local.template import TemplateError, merge_globals

RUNTIME = Path(__file__).with_name("lambda_runtime.py")
INIT_TIMEOUT_SECONDS = 30.0  # Lambda allows 10 s; a busy 2-core laptop importing pydantic needs slack
DEFAULT_POOL_SIZE = 4

OutputSink = Callable[[str, str, str], None]  # (function label, "stdout"|"stderr", line)


class FunctionError(Exception):
    """The invocation failed the way a Lambda invocation fails (X-Amz-Function-Error: Unhandled)."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.stack = stack or []

    def payload(self) -> dict[str, Any]:
        return {"errorType": self.error_type, "errorMessage": self.message, "stackTrace": self.stack}


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path
    layer_dirs: list[Path]
    runtime: str
    timeout: int
    memory: int
    environment: dict[str, str]
    reserved_concurrency: int | None
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Short name for log lines: WorkerFunction -> worker."""
        name = self.logical_id.removesuffix("Function")
        return (name or self.logical_id).lower()


def function_specs(provisioned: Provisioned, base_dir: Path) -> dict[str, FunctionSpec]:
    """Every function of the template, with its env vars and event sources resolved."""
    template = provisioned.template
    resolver = provisioned.resolver
    globals_ = (template.get("Globals") or {}).get("Function")
    layer_dirs = _layer_dirs(provisioned, base_dir)
    specs: dict[str, FunctionSpec] = {}
    for logical_id, kind in provisioned.types.items():
        if kind != "AWS::Serverless::Function":
            continue
        raw = merge_globals(globals_, template["Resources"][logical_id].get("Properties") or {})
        where = f"{logical_id}"
        try:
            props = resolver.resolve({k: v for k, v in raw.items() if k not in ("Events", "Policies")}, where)
            events = {
                event_id: {
                    "Type": event.get("Type"),
                    "Properties": resolver.resolve(
                        event.get("Properties") or {}, f"{where}.Events.{event_id}"
                    ),
                }
                for event_id, event in (raw.get("Events") or {}).items()
            }
        except TemplateError as exc:
            raise TemplateError(f"function {logical_id}: {exc}") from exc
        if "InlineCode" in props:
            raise TemplateError(f"function {logical_id}: InlineCode is not supported locally (use CodeUri)")
        code_uri = props.get("CodeUri")
        if not isinstance(code_uri, str):
            raise TemplateError(f"function {logical_id}: CodeUri must be a local folder, got {code_uri!r}")
        code_dir = (base_dir / code_uri).resolve()
        if not code_dir.is_dir():
            raise TemplateError(f"function {logical_id}: CodeUri {code_uri} is not a folder")
        handler = props.get("Handler")
        if not handler:
            raise TemplateError(f"function {logical_id}: no Handler")
        variables = ((props.get("Environment") or {}).get("Variables")) or {}
        env = {}
        for key, value in variables.items():
            if isinstance(value, (dict, list)):
                raise TemplateError(
                    f"function {logical_id}: env {key} did not resolve to a string: {value!r}"
                )
            env[key] = "true" if value is True else "false" if value is False else str(value)
        dirs = []
        for layer in props.get("Layers") or []:
            if layer not in layer_dirs:
                raise TemplateError(f"function {logical_id}: layer {layer} is not a layer of this template")
            dirs.append(layer_dirs[layer])
        reserved = props.get("ReservedConcurrentExecutions")
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=resolver.refs[logical_id],
            arn=resolver.attrs[logical_id]["Arn"],
            handler=handler,
            code_dir=code_dir,
            layer_dirs=dirs,
            runtime=str(props.get("Runtime", "python3.12")),
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            environment=env,
            reserved_concurrency=int(reserved) if reserved is not None else None,
            events=events,
        )
    return specs


def _layer_dirs(provisioned: Provisioned, base_dir: Path) -> dict[str, Path]:
    dirs = {}
    for logical_id, kind in provisioned.types.items():
        if kind == "AWS::Serverless::LayerVersion":
            props = provisioned.template["Resources"][logical_id].get("Properties") or {}
            content = provisioned.resolver.resolve(props.get("ContentUri"), logical_id)
            if not isinstance(content, str):
                raise TemplateError(f"layer {logical_id}: ContentUri must be a local folder")
            path = (base_dir / content).resolve()
            if not path.is_dir():
                raise TemplateError(f"layer {logical_id}: ContentUri {content} is not a folder")
            dirs[provisioned.resolver.refs[logical_id]] = path
    return dirs


def lambda_environment(
    spec: FunctionSpec, *, endpoint_url: str, region: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The whole environment of the function's process: the template's variables plus what Lambda
    sets, pointed at moto. Nothing is inherited from the parent process but PATH."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": os.pathsep.join(str(p) for p in [spec.code_dir, *spec.layer_dirs]),
        "PYTHONUNBUFFERED": "1",  # log lines reach the console as they are written
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ENDPOINT_URL": endpoint_url,
        # No ~/.aws of the developer leaks in.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # No X-Ray daemon here: Tracer becomes a no-op instead of failing to emit segments.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "WEBHOOK_ALLOW_PRIVATE": "1",
    }
    env.update(spec.environment)
    env.update(extra or {})
    return env


# ---------------------------------------------------------------------------- processes


class _Environment:
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


class FunctionPool:
    """The warm environments of one function; `invoke` is thread-safe and blocks when all
    `max_size` environments are busy (Lambda would scale out or throttle instead)."""

    def __init__(
        self, spec: FunctionSpec, env: dict[str, str], output: OutputSink, max_size: int | None = None
    ):
        self.spec = spec
        self.env = env
        self.output = output
        self.max_size = max(1, max_size or spec.reserved_concurrency or DEFAULT_POOL_SIZE)
        self._idle: list[_Environment] = []
        self._all: set[_Environment] = set()
        self._stopping: list[_Environment] = []
        self._starting = 0
        self._lock = threading.Condition()
        self._closed = False
        self.invocations = 0
        self.errors = 0
        self.faults: list[tuple[str, str]] = []  # (text the event must contain, fault)

    def warm(self) -> float:
        """Start one environment now (init errors surface at start-up); returns init ms."""
        environment = self._spawn()
        try:
            init_ms = environment.wait_ready()
            environment.cold = False
        except FunctionError:
            with self._lock:
                self._all.discard(environment)
            raise
        self._release(environment)
        return init_ms

    def invoke(self, event: Any, request_id: str | None = None, timeout: float | None = None) -> Any:
        request_id = request_id or str(uuid.uuid4())
        environment = self._acquire()
        healthy = False
        try:
            if environment.cold:
                environment.wait_ready()
            environment.cold = False
            fault = self._fault_for(event)
            result = environment.invoke(event, request_id, float(timeout or self.spec.timeout), fault)
            healthy = True
            return result
        except FunctionError as exc:
            self.errors += 1
            healthy = environment.alive and exc.error_type not in ("Sandbox.Timedout",)
            if exc.error_type in ("Sandbox.Timedout", "Runtime.ExitError") or exc.error_type.startswith(
                "Runtime.Init"
            ):
                self.output(self.spec.label, "stderr", f"[ERROR] {exc.error_type}: {exc.message}")
            raise
        finally:
            self.invocations += 1
            if healthy:
                self._release(environment)
            else:
                self._discard(environment)

    def _fault_for(self, event: Any) -> str | None:
        if not self.faults:
            return None
        text = json.dumps(event)
        return next((fault for needle, fault in self.faults if needle in text), None)

    def _spawn(self) -> _Environment:
        environment = _Environment(self.spec, self.env, self.output)
        with self._lock:
            self._all.add(environment)
        return environment

    def _acquire(self) -> _Environment:
        with self._lock:
            while True:
                if self._closed:
                    raise FunctionError("Local.Stopped", "the local stack is stopping")
                if self._idle:
                    return self._idle.pop()
                if len(self._all) + self._starting < self.max_size:
                    self._starting += 1
                    break
                self._lock.wait(0.5)
        try:
            return self._spawn()
        finally:
            with self._lock:
                self._starting -= 1

    def _release(self, environment: _Environment) -> None:
        with self._lock:
            if self._closed:
                environment.stop(0)
                return
            self._idle.append(environment)
            self._lock.notify()

    def _discard(self, environment: _Environment) -> None:
        environment.kill()
        with self._lock:
            self._all.discard(environment)
            self._lock.notify()

    @property
    def size(self) -> int:
        return len(self._all)

    def close(self) -> None:
        """Stop taking invocations and tell every environment to exit (EOF on its request pipe)."""
        with self._lock:
            self._closed = True
            self._stopping = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._lock.notify_all()
        for environment in self._stopping:
            environment.close_requests()

    def wait_closed(self, deadline: float) -> None:
        """Wait for the environments until `deadline` (monotonic), then kill what is left."""
        for environment in self._stopping:
            with contextlib.suppress(subprocess.TimeoutExpired):
                environment.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            environment.kill()

    def stop(self, grace: float = 1.0) -> None:
        self.close()
        self.wait_closed(time.monotonic() + grace)
