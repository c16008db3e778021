"""boto3 clients and tables, built on first use and cached (never at import time).

`AWS_ENDPOINT_URL` points every client at moto server locally with no code change.
Tests that start `mock_aws()` call `reset_clients()` so no client outlives its mock.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def table(name: str) -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)


def reset_clients() -> None:
    client.cache_clear()
    table.cache_clear()
