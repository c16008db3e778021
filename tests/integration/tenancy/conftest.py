"""Fixtures for the tenancy tests.

`aws_env` (moto in-process) is enough for one caller at a time. It is not for races: measured,
50 threads doing a conditional ADD against a limit of 10 on `mock_aws` ended over the limit in
2 of 30 rounds (12, and 16 admitted with 13 stored: lost updates), because moto's DynamoDB
applies a conditional update as an unlocked read-check-write in the caller's thread. moto's
`ThreadedMotoServer` is threaded too. DynamoDB itself serializes the writes to one item, so the
race tests run against `serial_aws`: a moto server of our own that handles one request at a time
(HTTP/1.0, no keep-alive), on a free port, reached through `AWS_ENDPOINT_URL` like the local
stack. Clients still race for real; only the server applies their writes one by one.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from jobqueue.adapters import aws
from jobqueue.adapters.dynamodb.counters import DynamoTenantCounters
from jobqueue.settings import get_settings
from jobqueue.tiers import TIER_LIMITS, TenantLimits
from tests.support.moto_env import create_jobs_table


class _OneRequestPerConnection(MotoRequestHandler):
    protocol_version = "HTTP/1.0"  # a single-threaded server must not sit on a kept-alive socket

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture(scope="session")
def serial_moto_url() -> Iterator[str]:
    server = make_server(
        "127.0.0.1",
        0,
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        request_handler=_OneRequestPerConnection,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@dataclass
class SerialAws:
    url: str
    table_name: str

    def table(self) -> Any:
        return aws.table(self.table_name)


@pytest.fixture
def serial_aws(serial_moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SerialAws]:
    """A fresh jobs table on the serial moto server, with settings pointing at it."""
    table_name = f"tenancy-{uuid.uuid4().hex[:12]}"
    for name, value in {
        "AWS_ENDPOINT_URL": serial_moto_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "JOBS_TABLE_NAME": table_name,
    }.items():
        monkeypatch.setenv(name, value)
    aws.reset_clients()
    get_settings.cache_clear()
    create_jobs_table(table_name)
    env = SerialAws(serial_moto_url, table_name)
    env.table()  # build the cached resource before any thread asks for it
    try:
        yield env
    finally:
        boto3.client("dynamodb").delete_table(TableName=table_name)
        aws.reset_clients()
        get_settings.cache_clear()


def run_together(workers: int, action: Callable[[], Any]) -> list[Any]:
    """Run `action` in `workers` threads released at the same moment; returns each result (or the
    exception it raised), in no particular order."""
    gate = threading.Barrier(workers)
    results: list[Any] = []
    lock = threading.Lock()

    def work() -> None:
        gate.wait()
        try:
            outcome: Any = action()
        except Exception as error:
            outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def first_shard(count: int) -> int:
    """A shard probe that starts at shard 0, so sharded tests are deterministic."""
    return 0


def sharded(shards: int, pick: Callable[[int], int] | None = None) -> DynamoTenantCounters:
    """The tenant counters split over `shards` items (probes starting where `pick` says)."""
    return DynamoTenantCounters(shards=shards, pick=pick)


@pytest.fixture
def counters() -> DynamoTenantCounters:
    """The unsharded tenant counters on the configured table."""
    return DynamoTenantCounters()


@pytest.fixture
def now() -> datetime:
    """A fixed moment: 2025-03-01 22:00:00 UTC (two hours before the daily reset)."""
    return datetime(2025, 3, 1, 22, 0, 0, tzinfo=UTC)


def make_limits(**overrides: Any) -> TenantLimits:
    """Tier 2 limits with overrides."""
    return TIER_LIMITS[2].model_copy(update=overrides)
