"""In-process moto (`mock_aws`) with the project's template provisioned, for the local stack's parts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from local.provision import Provisioned, provision_stack

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        # moto's DynamoDB Streams answer 404 in-process unless the account-id endpoint is off
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def client(service: str):
    return boto3.client(service, region_name="us-east-1", config=Config(account_id_endpoint_mode="disabled"))


@pytest.fixture
def provisioned(moto: None) -> Provisioned:
    return provision_stack(ROOT / "template.yaml", {"AdminKeyHash": "ab" * 32}, clients=client)
