"""boto3 clients on the stack's moto: one per service, created on first use, shared by every
thread (fake credentials, standard retries, a connection pool big enough for the pollers)."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config


class MotoClients:
    def __init__(self, moto_url: str, region: str):
        self.moto_url = moto_url
        self.region = region
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    def __call__(self, service: str) -> Any:
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
