"""The whole system on one machine, wired from template.yaml:

    with LocalStack(api_port=3000, moto_port=5000, admin_key="...") as stack:
        requests.get(stack.api_url + "/healthz")

start(): moto server (own process) -> the template's resources in it -> one warm process per
function (init errors stop the start with the function's name) -> SQS pollers, stream pollers,
the clock, the EMF sink -> the HTTP API -> the demo tenant. stop() undoes it in reverse order
within seconds and frees both ports. Each step's parts live in their own modules; this one
starts and stops them in order and is what tests and `make run` hold on to.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.api_client import api_request, wait_healthy
from local.async_invoke import invoke_async
from local.clock import Clock
from local.console import Console
from local.demo_tenant import DemoTenant, create_demo_tenant
from local.emf import MetricsSink
from local.errors import FunctionError, StackError
from local.event_sources import make_clock, make_pollers, queues_by_arn, read_event_sources
from local.fault_config import attach_faults, fault_overrides, stack_faults
from local.function_env import lambda_environment
from local.function_pool import FunctionPool, create_pools, warm_pools
from local.function_specs import FunctionSpec, function_specs
from local.gateway import template_gateway
from local.http_server import HttpServer
from local.moto_clients import MotoClients
from local.moto_process import MotoServer
from local.provision import Provisioned, provision_stack
from local.sqs_poller import sqs_sources
from local.stats import stack_stats
from local.tcp_ports import check_ports
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_STACK_NAME, TemplateError

ROOT = Path(__file__).resolve().parent.parent


def new_admin_key() -> str:
    return "jq_admin_" + secrets.token_urlsafe(24)


class LocalStack:
    def __init__(
        self,
        api_port: int = 3000,
        moto_port: int = 5000,
        admin_key: str | None = None,
        *,
        host: str = "127.0.0.1",
        template: str | Path = ROOT / "template.yaml",
        parameters: dict[str, Any] | None = None,
        property_overrides: dict[str, dict[str, Any]] | None = None,
        region: str = DEFAULT_REGION,
        stack_name: str = DEFAULT_STACK_NAME,
        create_demo_tenant: bool = True,
        console: Console | None = None,
        verbose: bool = False,
        max_environments: int | None = None,
        faults: dict[str, Any] | None = None,
    ):
        self.host = host
        self.api_port = api_port
        self.moto_port = moto_port
        self.admin_key = admin_key or new_admin_key()
        self.template_path = Path(template)
        self.parameters = dict(parameters or {})
        self.property_overrides = fault_overrides(self.template_path, property_overrides, faults)
        self.faults = stack_faults(faults)  # the fault soak only (local/faults.py); never `make run`
        self.region = region
        self.stack_name = stack_name
        self.create_demo_tenant = create_demo_tenant
        self.console = console or Console()
        self.verbose = verbose
        self.max_environments = max_environments
        self.api_url = f"http://{host}:{api_port}"
        self.moto_url = f"http://{host}:{moto_port}"
        self.provisioned: Provisioned | None = None
        self.specs: dict[str, FunctionSpec] = {}
        self.pools: dict[str, FunctionPool] = {}
        self.demo: DemoTenant | None = None
        self._moto: MotoServer | None = None
        self._http: HttpServer | None = None
        self._http_thread: threading.Thread | None = None
        self._pollers: list[Any] = []
        self._clock: Clock | None = None
        self._metrics: MetricsSink | None = None
        self._clients = MotoClients(self.moto_url, region)
        self._stopping = threading.Event()
        self._started = False

    # ---------------------------------------------------------------- public

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        assert self.provisioned is not None, "start() first"
        return self.provisioned.resources()

    @property
    def outputs(self) -> dict[str, Any]:
        assert self.provisioned is not None, "start() first"
        return self.provisioned.outputs

    def client(self, service: str) -> Any:
        """A boto3 client on this stack's moto (cached, thread-safe to share)."""
        return self._clients(service)

    def say(self, label: str, text: str) -> None:
        self.console.print(label, text)

    def start(self) -> LocalStack:
        started = time.monotonic()
        try:
            check_ports(
                self.host,
                [(self.api_port, "API", "JOBQ_PORT"), (self.moto_port, "moto", "JOBQ_MOTO_PORT")],
            )
            self._start_moto()
            self._provision()
            self._start_functions()
            self._start_event_sources()
            self._start_http()
            wait_healthy(self.api_url)
            if self.create_demo_tenant:
                self.demo = create_demo_tenant(self.api_url, self.admin_key)
        except BaseException:
            self.stop()
            raise
        self._started = True
        self.say("stack", f"ready in {time.monotonic() - started:.1f}s")
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        started = time.monotonic()
        for component in [*self._pollers, *([self._clock] if self._clock else [])]:
            component.request_stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        for component in [*self._pollers, *([self._clock] if self._clock else [])]:
            component.stop()
        for pool in self.pools.values():
            pool.close()
        deadline = time.monotonic() + 1.0
        for pool in self.pools.values():
            pool.wait_closed(deadline)
        if self._metrics is not None:
            self._metrics.stop()
        if self._moto is not None:
            self._moto.stop()
        if self._started:
            self.say("stack", f"stopped in {time.monotonic() - started:.1f}s")

    def invoke(
        self, function: str, event: Any, request_id: str | None = None, timeout: float | None = None
    ) -> Any:
        """Synchronous invoke of one of the template's functions (logical id)."""
        pool = self.pools.get(function)
        if pool is None:
            raise FunctionError("ResourceNotFoundException", f"Function not found: {function}")
        return pool.invoke(event, request_id=request_id, timeout=timeout)

    def inject_fault(self, function: str, contains: str, fault: str = "crash") -> Callable[[], None]:
        """Fault injection, like AWS FIS's Lambda actions: every invocation of `function` whose
        event contains `contains` kills its execution environment (SIGKILL, as an out-of-memory
        sandbox dies) before the handler runs. Returns a function that removes the fault."""
        return self.pools[function].inject_fault(contains, fault)

    def invoke_async(self, function: str, event: Any) -> None:
        """Asynchronous invoke (as EventBridge and Scheduler do): Lambda retries a function
        error twice, after 1 and 2 minutes."""
        invoke_async(
            self.invoke,
            function,
            event,
            self._stopping,
            lambda text: self.say(self.specs[function].label, text),
        )

    def stats(self) -> dict[str, Any]:
        return stack_stats(self.specs, self.pools, self._clock, self._metrics)

    def request(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        """A tiny HTTP client for the stack's own API (no dependency on requests)."""
        return api_request(self.api_url, method, path, body, key)

    # ---------------------------------------------------------------- steps

    def _start_moto(self) -> None:
        self._moto = MotoServer(self.host, self.moto_port, ROOT)
        self._moto.wait_ready(lambda text: self.say("moto", text))

    def _provision(self) -> None:
        params = {"AdminKeyHash": hashlib.sha256(self.admin_key.encode()).hexdigest(), **self.parameters}
        try:
            self.provisioned = provision_stack(
                self.template_path,
                params,
                clients=self.client,
                region=self.region,
                account_id=DEFAULT_ACCOUNT_ID,
                stack_name=self.stack_name,
                api_base_url=self.api_url,
                property_overrides=self.property_overrides,
            )
            self.specs = function_specs(self.provisioned, self.template_path.parent)
        except TemplateError as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        kinds: dict[str, int] = {}
        for kind in self.provisioned.types.values():
            kinds[kind] = kinds.get(kind, 0) + 1
        created = ", ".join(f"{n} {k.split('::')[-1]}" for k, n in sorted(kinds.items()))
        self.say("stack", f"provisioned in moto: {created}")

    def _start_functions(self) -> None:
        assert self.provisioned is not None
        try:
            sources = sqs_sources(self.specs, queues_by_arn(self.provisioned))
        except TemplateError as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        self.pools = create_pools(
            self.specs,
            sources,
            lambda spec: lambda_environment(spec, endpoint_url=self.moto_url, region=self.region),
            self.console.function_output,
            self.max_environments,
        )
        warm_pools(self.pools.values(), ROOT)
        self.say(
            "stack", f"{len(self.pools)} functions warm: {', '.join(s.label for s in self.specs.values())}"
        )

    def _start_event_sources(self) -> None:
        assert self.provisioned is not None
        self._metrics = MetricsSink(self.client("cloudwatch"))
        self._metrics.start()
        self.console.metrics_sink = self._metrics.add
        queues = queues_by_arn(self.provisioned)
        try:
            sources = read_event_sources(self.specs, self.provisioned, queues, datetime.now(UTC))
        except (TemplateError, ValueError) as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        self._pollers = make_pollers(sources, self.client, self.invoke, self.say, self.region, self.verbose)
        self._clock = make_clock(
            sources.schedules,
            self.specs,
            queues,
            self.invoke_async,
            self.client,
            region=self.region,
            account_id=DEFAULT_ACCOUNT_ID,
            say=lambda text: self.say("clock", text),
        )
        attach_faults(self.faults, self._pollers, self._clock)
        for poller in self._pollers:
            poller.start()
        self._clock.start()
        parts = [
            f"{len(sources.sqs)} SQS pollers",
            f"{len(sources.streams)} stream pollers",
            f"{len(sources.schedules)} template schedules",
        ]
        self.say("stack", "event sources: " + ", ".join(parts))

    def _start_http(self) -> None:
        assert self.provisioned is not None
        try:
            gateway = template_gateway(
                self.provisioned, self.specs, self.invoke, account_id=DEFAULT_ACCOUNT_ID, region=self.region
            )
        except TemplateError as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        try:
            self._http = HttpServer(self.host, self.api_port, gateway, lambda text: self.say("http", text))
        except OSError as exc:
            raise StackError(f"cannot listen on {self.host}:{self.api_port}: {exc}") from exc
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._http_thread.start()
        self.say("stack", f"{len(gateway.routes)} routes on {self.api_url}")
