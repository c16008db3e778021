"""The warm execution environments of each function: a `FunctionPool` per function grows on
demand up to its concurrency, reuses warm environments across invocations and replaces the ones
that crashed or timed out; `inject_fault()` makes matching invocations crash (a test knob);
`durations` keeps the last invocations' durations (Lambda's REPORT Duration) for the stats.
`create_pools()` sizes the stack's pools from the template and
`warm_pools()` starts one environment per function, so an init error stops the start."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.errors import FunctionError, StackError
from local.execution_environment import ExecutionEnvironment, OutputSink
from local.function_specs import FunctionSpec
from local.sqs_poller import SqsSource

DEFAULT_POOL_SIZE = 4
DURATIONS_KEPT = 10_000  # per function: a long `make run` keeps only the last ones


@dataclass(frozen=True)
class Duration:
    """One invocation's REPORT Duration as its runtime measured it (the event's arrival to the
    handler's answer, init excluded), when it ended (time.monotonic()), and what it served: the
    API route (routeKey) or the number of records of an SQS or stream batch."""

    ms: float
    ended: float
    route: str | None = None
    records: int | None = None


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
        self._idle: list[ExecutionEnvironment] = []
        self._all: set[ExecutionEnvironment] = set()
        self._stopping: list[ExecutionEnvironment] = []
        self._starting = 0
        self._lock = threading.Condition()
        self._closed = False
        self.invocations = 0
        self.errors = 0
        self.durations: deque[Duration] = deque(maxlen=DURATIONS_KEPT)  # append and list() are atomic
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
            if environment.last_duration_ms is not None:
                self.durations.append(_duration(environment.last_duration_ms, event))
            if healthy:
                self._release(environment)
            else:
                self._discard(environment)

    def inject_fault(self, contains: str, fault: str = "crash") -> Callable[[], None]:
        """Every invocation whose event contains `contains` gets `fault` (the runtime kills its
        own process before the handler runs). Returns a function that removes the fault."""
        rule = (contains, fault)
        self.faults.append(rule)

        def remove() -> None:
            if rule in self.faults:
                self.faults.remove(rule)

        return remove

    def _fault_for(self, event: Any) -> str | None:
        if not self.faults:
            return None
        text = json.dumps(event)
        return next((fault for needle, fault in self.faults if needle in text), None)

    def _spawn(self) -> ExecutionEnvironment:
        environment = ExecutionEnvironment(self.spec, self.env, self.output)
        with self._lock:
            self._all.add(environment)
        return environment

    def _acquire(self) -> ExecutionEnvironment:
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

    def _release(self, environment: ExecutionEnvironment) -> None:
        with self._lock:
            if self._closed:
                environment.stop(0)
                return
            self._idle.append(environment)
            self._lock.notify()

    def _discard(self, environment: ExecutionEnvironment) -> None:
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


def _duration(ms: float, event: Any) -> Duration:
    route = event.get("routeKey") if isinstance(event, dict) else None
    records = event.get("Records") if isinstance(event, dict) else None
    return Duration(ms, time.monotonic(), route, len(records) if isinstance(records, list) else None)


def create_pools(
    specs: dict[str, FunctionSpec],
    sqs: list[SqsSource],
    environment: Callable[[FunctionSpec], dict[str, str]],
    output: OutputSink,
    max_environments: int | None = None,
) -> dict[str, FunctionPool]:
    """A pool per function (no process started yet), sized by its ReservedConcurrentExecutions,
    or the sum of its SQS sources' MaximumConcurrency, or 4; at most `max_environments`."""
    concurrency: dict[str, int] = {}
    for source in sqs:
        concurrency[source.function] = concurrency.get(source.function, 0) + source.max_concurrency
    pools: dict[str, FunctionPool] = {}
    for logical_id, spec in specs.items():
        env = environment(spec)
        size = spec.reserved_concurrency or concurrency.get(logical_id) or 4
        if max_environments:
            size = min(size, max_environments)
        pools[logical_id] = FunctionPool(spec, env, output, max_size=size)
    return pools


def warm_pools(pools: Iterable[FunctionPool], root: Path) -> None:
    """Start one environment per function; raises StackError naming every function whose init
    failed (code folder relative to `root`, handler, Lambda's error type)."""
    errors = []

    def warm(pool: FunctionPool) -> None:
        try:
            pool.warm()
        except FunctionError as exc:
            errors.append(
                f"{pool.spec.logical_id} ({pool.spec.code_dir.relative_to(root) if pool.spec.code_dir.is_relative_to(root) else pool.spec.code_dir}, "
                f"Handler {pool.spec.handler}): {exc.error_type}: {exc.message}"
            )

    with ThreadPoolExecutor(2) as executor:  # a 2-core laptop: more in parallel is not faster
        list(executor.map(warm, pools))
    if errors:
        raise StackError("function init failed (as it would on AWS):\n  " + "\n  ".join(errors))
