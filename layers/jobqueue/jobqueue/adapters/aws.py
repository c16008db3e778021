"""boto3 clients and tables, built on first use and cached (never at import time).

`AWS_ENDPOINT_URL` points every client at moto server locally with no code change.
Tests that start `mock_aws()` call `reset_clients()` so no client outlives its mock.

Clients are thread-safe and shared. boto3 resources are not, so `table(name)` gives each thread
its own `Table` object, all of them over the one shared DynamoDB client (the worker runs a
batch's records in threads).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=3,
    read_timeout=10,
    max_pool_connections=20,  # the worker's record threads share a client
)
_LOCK = threading.Lock()
_LOCAL = threading.local()
_generation = 0


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def _dynamodb_resource() -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG)


def table(name: str) -> Any:
    """This thread's `Table` for `name`."""
    tables: dict[str, Any] | None = getattr(_LOCAL, "tables", None)
    if tables is None or getattr(_LOCAL, "generation", None) != _generation:
        tables = _LOCAL.tables = {}
        _LOCAL.generation = _generation
    found = tables.get(name)
    if found is None:
        with _LOCK:  # building a resource object from the shared resource is not thread-safe
            found = tables[name] = _dynamodb_resource().Table(name)
    return found


def reset_clients() -> None:
    global _generation
    with _LOCK:
        client.cache_clear()
        _dynamodb_resource.cache_clear()
        _generation += 1
