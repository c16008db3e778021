"""The soak's local stack: the template on moto with a copy of the handlers layer holding the
ledger handler, the soak's sweep graces, the faults (on while the switch file exists), the
soak's tenants; extra sweeper ticks when asked; the depth of the band queues."""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from bench.soak.config import ALL_CATEGORIES, TENANTS, SoakConfig, TenantPlan, faults
from local.console import Console
from local.fault_config import with_function_env
from local.stack import ROOT, LocalStack
from local.tcp_ports import free_port

TEMPLATE = ROOT / "template.yaml"
BAND_QUEUES = ("CriticalQueue", "HighQueue", "NormalQueue", "LowQueue")
# Functions that read the sweep graces (every one but the authorizer).
GRACE_READERS = (
    "ApiFunction",
    "WorkerFunction",
    "SweeperFunction",
    "StreamFunction",
    "DispatcherFunction",
    "DeadLetterFunction",
)


@dataclass
class Tenant:
    plan: TenantPlan
    key: str
    limits: dict[str, Any]

    @property
    def tenant_id(self) -> str:
        return self.plan.tenant_id


class SoakStack:
    def __init__(self, config: SoakConfig, workdir: Path, verbose: bool = False):
        self.config = config
        self.workdir = workdir
        self.ledger = workdir / "ledger.jsonl"
        self.fault_log = workdir / "faults.jsonl"
        self.switch = workdir / "faults-on"
        self.log = (workdir / "stack.log").open("w")
        handlers = workdir / "handlers"
        shutil.copytree(ROOT / "layers" / "handlers", handlers, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(Path(__file__).with_name("ledger_handlers.py"), handlers / "app_handlers" / "soak.py")
        grace = {
            "DISPATCH_GRACE_SECONDS": str(config.dispatch_grace_seconds),
            "LEASE_GRACE_SECONDS": str(config.lease_grace_seconds),
        }
        env = {name: dict(grace) for name in GRACE_READERS}
        env["WorkerFunction"]["SOAK_LEDGER"] = str(self.ledger)
        overrides = with_function_env(TEMPLATE, {"HandlersLayer": {"ContentUri": str(handlers)}}, env)
        self.stack = LocalStack(
            api_port=free_port(),
            moto_port=free_port(),
            admin_key="soak-admin-" + uuid.uuid4().hex,
            parameters={"WorkerTimeoutSeconds": config.worker_timeout},
            property_overrides=overrides,
            create_demo_tenant=False,
            console=None if verbose else Console(self.log),
            faults=faults(config.seed, str(self.switch), str(self.fault_log), short=config.short),
        )
        self.tenants: dict[str, Tenant] = {}
        self._ticks: threading.Thread | None = None
        self._stop = threading.Event()
        self.extra_ticks = 0

    @property
    def url(self) -> str:
        return self.stack.api_url

    def start(self) -> None:
        self.switch.write_text("on\n")  # faults from the first call on
        self.stack.start()
        for plan in TENANTS:
            self.tenants[plan.tenant_id] = self._tenant(plan)
        if self.config.sweep_every:
            self._ticks = threading.Thread(target=self._tick_sweeper, name="soak-sweeper", daemon=True)
            self._ticks.start()

    def faults_off(self) -> float:
        """Turns every fault off (the function processes look at the switch on each roll)."""
        self.switch.unlink(missing_ok=True)
        return time.time()

    def stop(self) -> None:
        self._stop.set()
        self.stack.stop()
        self.log.close()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            self.url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.stack.admin_key}"},
            timeout=30,
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def _tenant(self, plan: TenantPlan) -> Tenant:
        # Faults are on: the admin routes may meet an injected error too; try again.
        for attempt in range(10):
            try:
                limits = {"allowed_job_types": ALL_CATEGORIES, **plan.limits}
                body = {"name": f"soak {plan.role}", "tier": plan.tier, "limits": limits}
                answer = self.admin("PUT", f"/v1/admin/tenants/{plan.tenant_id}", body)
                key = self.admin("POST", f"/v1/admin/tenants/{plan.tenant_id}/keys", {})["api_key"]
                return Tenant(plan, key, answer["limits"])
            except (RuntimeError, requests.RequestException):
                if attempt == 9:
                    raise
                time.sleep(1)
        raise AssertionError("unreachable")

    def _tick_sweeper(self) -> None:
        """Extra sweeper ticks (an EventBridge rule's Scheduled Event), as a second rule would send."""
        arn = self.stack.specs["SweeperFunction"].arn
        while not self._stop.wait(self.config.sweep_every or 60):
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "123456789012",
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self.stack.region,
                "resources": [arn],
                "detail": {},
            }
            try:
                self.stack.invoke("SweeperFunction", event)
                self.extra_ticks += 1
            except Exception as exc:  # a tick that fails is covered by the next
                self.stack.say("soak", f"extra sweeper tick failed: {exc}")

    def backlog(self) -> int:
        """Messages visible in the band queues now (delayed ones not counted)."""
        sqs = self.stack.client("sqs")
        total = 0
        for name in BAND_QUEUES:
            url = self.stack.resources[name]["Ref"]
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            total += int(attributes.get("ApproximateNumberOfMessages", 0))
        return total

    def dead_letters(self) -> int:
        sqs = self.stack.client("sqs")
        url = self.stack.resources["JobsDeadLetterQueue"]["Ref"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def table_name(self) -> str:
        return str(self.stack.resources["JobsTable"]["Ref"])

    def stats(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.stack.stats(), default=str))
