"""The whole system on one machine, wired from template.yaml:

    with LocalStack(api_port=3000, moto_port=5000, admin_key="...") as stack:
        requests.get(stack.api_url + "/healthz")

start(): moto server (own process) -> the template's resources in it -> one warm process per
function (init errors stop the start with the function's name) -> SQS pollers, stream pollers,
the clock, the EMF sink -> the HTTP API -> the demo tenant. stop() undoes it in reverse order
within seconds and frees both ports.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from local.clock import Clock, Targets, template_schedules
from local.console import Console
from local.emf import MetricsSink
from local.functions import FunctionError, FunctionPool, FunctionSpec, function_specs, lambda_environment
from local.http_api import HttpApiGateway, HttpServer, routes_from_template
from local.provision import Provisioned, provision_stack
from local.sqs_poller import SqsPoller, sqs_sources
from local.streams import StreamPoller, stream_sources
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_STACK_NAME, TemplateError

ROOT = Path(__file__).resolve().parent.parent
DEMO_TENANT = "demo"
ASYNC_RETRY_DELAYS = (60.0, 120.0)  # Lambda's asynchronous invocation retries


class StackError(Exception):
    """The local stack cannot start (port in use, template mismatch, function init error...)."""


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def new_admin_key() -> str:
    return "jq_admin_" + secrets.token_urlsafe(24)


@dataclass
class DemoTenant:
    tenant_id: str
    api_key: str | None
    error: str | None = None


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
    ):
        self.host = host
        self.api_port = api_port
        self.moto_port = moto_port
        self.admin_key = admin_key or new_admin_key()
        self.template_path = Path(template)
        self.parameters = dict(parameters or {})
        self.property_overrides = dict(property_overrides or {})
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
        self._moto: subprocess.Popen[str] | None = None
        self._http: HttpServer | None = None
        self._http_thread: threading.Thread | None = None
        self._pollers: list[Any] = []
        self._clock: Clock | None = None
        self._metrics: MetricsSink | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
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
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(
                    service,
                    endpoint_url=self.moto_url,
                    region_name=self.region,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    config=Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=50),
                )
            return self._clients[service]

    def say(self, label: str, text: str) -> None:
        self.console.print(label, text)

    def start(self) -> LocalStack:
        started = time.monotonic()
        try:
            self._check_ports()
            self._start_moto()
            self._provision()
            self._start_functions()
            self._start_event_sources()
            self._start_http()
            self._wait_healthy()
            if self.create_demo_tenant:
                self.demo = self._demo_tenant()
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
            self._moto.kill()  # its state dies with the stack anyway; the port is free at once
            self._moto.wait()
            if self._moto.stdin:
                self._moto.stdin.close()
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
        pool = self.pools[function]
        rule = (contains, fault)
        pool.faults.append(rule)

        def remove() -> None:
            if rule in pool.faults:
                pool.faults.remove(rule)

        return remove

    def invoke_async(self, function: str, event: Any) -> None:
        """Asynchronous invoke (as EventBridge and Scheduler do): Lambda retries a function
        error twice, after 1 and 2 minutes."""

        def run() -> None:
            for attempt, delay in enumerate((0.0, *ASYNC_RETRY_DELAYS)):
                if delay and self._stopping.wait(delay):
                    return
                try:
                    self.invoke(function, event)
                    return
                except FunctionError as exc:
                    if self._stopping.is_set():
                        return
                    left = len(ASYNC_RETRY_DELAYS) - attempt
                    self.say(
                        self.specs[function].label,
                        f"async invoke failed ({exc.error_type}); {left} retries left",
                    )

        threading.Thread(target=run, name=f"async-{function}", daemon=True).start()

    def stats(self) -> dict[str, Any]:
        fires = list(self._clock.fires) if self._clock else []
        lateness = sorted(fire.lateness_ms for fire in fires)
        by_kind = {
            kind: sorted(fire.lateness_ms for fire in fires if fire.schedule.kind == kind)
            for kind in ("rule", "scheduler")
        }
        return {
            "functions": {
                spec.label: {
                    "environments": pool.size,
                    "invocations": pool.invocations,
                    "errors": pool.errors,
                }
                for spec, pool in ((self.specs[k], p) for k, p in self.pools.items())
            },
            "schedule_fires": len(lateness),
            "schedule_lateness_ms": _summary(lateness),
            "rule_fire_lateness_ms": _summary(by_kind["rule"]),
            "scheduler_fire_lateness_ms": _summary(by_kind["scheduler"]),
            "metrics": {
                "emf_records": self._metrics.records if self._metrics else 0,
                "datums": self._metrics.datums if self._metrics else 0,
            },
        }

    # ---------------------------------------------------------------- steps

    def _check_ports(self) -> None:
        for port, what, variable in (
            (self.api_port, "API", "JOBQ_PORT"),
            (self.moto_port, "moto", "JOBQ_MOTO_PORT"),
        ):
            if not port_free(self.host, port):
                raise StackError(
                    f"port {port} on {self.host} (for the {what}) is already in use: stop whatever listens "
                    f"there (`lsof -i :{port}`) or choose another port with {variable}=..."
                )

    def _start_moto(self) -> None:
        self._moto = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", self.host, str(self.moto_port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self._moto.stdout is not None
        line = self._moto.stdout.readline()
        if line.strip() != "ready":
            rest = self._moto.stdout.read() if self._moto.poll() is not None else ""
            raise StackError(f"moto server did not start on port {self.moto_port}: {line}{rest}".strip())
        threading.Thread(
            target=_forward, args=(self._moto.stdout, lambda text: self.say("moto", text)), daemon=True
        ).start()

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
        try:
            sources = sqs_sources(self.specs, self._queues_by_arn())
        except TemplateError as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        concurrency: dict[str, int] = {}
        for source in sources:
            concurrency[source.function] = concurrency.get(source.function, 0) + source.max_concurrency
        for logical_id, spec in self.specs.items():
            env = lambda_environment(spec, endpoint_url=self.moto_url, region=self.region)
            size = spec.reserved_concurrency or concurrency.get(logical_id) or 4
            if self.max_environments:
                size = min(size, self.max_environments)
            self.pools[logical_id] = FunctionPool(spec, env, self.console.function_output, max_size=size)
        errors = []

        def warm(pool: FunctionPool) -> None:
            try:
                pool.warm()
            except FunctionError as exc:
                errors.append(
                    f"{pool.spec.logical_id} ({pool.spec.code_dir.relative_to(ROOT) if pool.spec.code_dir.is_relative_to(ROOT) else pool.spec.code_dir}, "
                    f"Handler {pool.spec.handler}): {exc.error_type}: {exc.message}"
                )

        with ThreadPoolExecutor(2) as executor:  # a 2-core laptop: more in parallel is not faster
            list(executor.map(warm, self.pools.values()))
        if errors:
            raise StackError("function init failed (as it would on AWS):\n  " + "\n  ".join(errors))
        self.say(
            "stack", f"{len(self.pools)} functions warm: {', '.join(s.label for s in self.specs.values())}"
        )

    def _queues_by_arn(self) -> dict[str, str]:
        assert self.provisioned is not None
        return {
            r["Arn"]: r["Ref"]
            for r in self.provisioned.resources().values()
            if r["Type"] == "AWS::SQS::Queue"
        }

    def _start_event_sources(self) -> None:
        assert self.provisioned is not None
        self._metrics = MetricsSink(self.client("cloudwatch"))
        self._metrics.start()
        self.console.metrics_sink = self._metrics.add
        queues = self._queues_by_arn()
        streams = {r["StreamArn"] for r in self.provisioned.resources().values() if "StreamArn" in r}
        try:
            sqs = sqs_sources(self.specs, queues)
            ddb = stream_sources(self.specs, streams, queues)
            schedules = template_schedules(self.specs, self.provisioned.resolver, datetime.now(UTC))
        except (TemplateError, ValueError) as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        for source in sqs:
            self._pollers.append(
                SqsPoller(
                    source, lambda: self.client("sqs"), self.invoke, self.say, self.region, self.verbose
                )
            )
        for source in ddb:
            poller = StreamPoller(
                source,
                lambda: self.client("dynamodbstreams"),
                lambda: self.client("sqs"),
                self.invoke,
                self.say,
                self.region,
                self.verbose,
            )
            poller.open()
            self._pollers.append(poller)
        targets = Targets(
            {spec.arn: logical_id for logical_id, spec in self.specs.items()},
            queues,
            self.invoke_async,
            lambda: self.client("sqs"),
        )
        self._clock = Clock(
            targets,
            scheduler=lambda: self.client("scheduler"),
            region=self.region,
            account_id=DEFAULT_ACCOUNT_ID,
            say=lambda text: self.say("clock", text),
        )
        for schedule in schedules:
            self._clock.add(schedule)
        for poller in self._pollers:
            poller.start()
        self._clock.start()
        parts = [
            f"{len(sqs)} SQS pollers",
            f"{len(ddb)} stream pollers",
            f"{len(schedules)} template schedules",
        ]
        self.say("stack", "event sources: " + ", ".join(parts))

    def _start_http(self) -> None:
        assert self.provisioned is not None
        try:
            routes = routes_from_template(self.provisioned, self.specs)
        except TemplateError as exc:
            raise StackError(f"{self.template_path.name}: {exc}") from exc
        api_ids = [
            self.provisioned.resolver.refs[k]
            for k, t in self.provisioned.types.items()
            if t == "AWS::Serverless::HttpApi"
        ]
        gateway = HttpApiGateway(
            routes,
            self.invoke,
            api_id=api_ids[0] if api_ids else "local",
            account_id=DEFAULT_ACCOUNT_ID,
            region=self.region,
        )
        try:
            self._http = HttpServer(self.host, self.api_port, gateway, lambda text: self.say("http", text))
        except OSError as exc:
            raise StackError(f"cannot listen on {self.host}:{self.api_port}: {exc}") from exc
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._http_thread.start()
        self.say("stack", f"{len(routes)} routes on {self.api_url}")

    def _wait_healthy(self, deadline_seconds: float = 30.0) -> None:
        deadline = time.monotonic() + deadline_seconds
        while True:
            try:
                status, _ = self.request("GET", "/healthz")
                if status < 500:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StackError(f"{self.api_url}/healthz did not answer within {deadline_seconds:.0f}s")
            time.sleep(0.1)

    def request(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        """A tiny HTTP client for the stack's own API (no dependency on requests)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api_url + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        if key:
            request.add_header("authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def _demo_tenant(self) -> DemoTenant:
        """Tier 3 + custom_processing (echo/sleep/fail/flaky), created through the real API."""
        limits = {
            "allowed_job_types": [
                "notification",
                "scheduled",
                "maintenance",
                "cleanup",
                "data_sync",
                "custom_processing",
            ]
        }
        body = {"name": "Demo tenant", "tier": 3, "limits": limits}
        status, answer = self.request("PUT", f"/v1/admin/tenants/{DEMO_TENANT}", body, key=self.admin_key)
        if status not in (200, 201):
            return DemoTenant(
                DEMO_TENANT, None, f"PUT /v1/admin/tenants/{DEMO_TENANT} answered {status}: {answer}"
            )
        status, answer = self.request("POST", f"/v1/admin/tenants/{DEMO_TENANT}/keys", {}, key=self.admin_key)
        if status != 201 or not isinstance(answer, dict) or "api_key" not in answer:
            return DemoTenant(
                DEMO_TENANT, None, f"POST /v1/admin/tenants/{DEMO_TENANT}/keys answered {status}: {answer}"
            )
        return DemoTenant(DEMO_TENANT, answer["api_key"])


def _forward(stream: Any, say: Any) -> None:
    for line in iter(stream.readline, ""):
        if line.strip():
            say(line.rstrip())


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "min": round(values[0], 1),
        "p50": round(values[len(values) // 2], 1),
        "p95": round(values[min(len(values) - 1, int(len(values) * 0.95))], 1),
        "max": round(values[-1], 1),
    }
