"""Unit tests are pure logic: no network, no AWS. Unix sockets stay allowed: an asyncio event
loop (the worker's records run under Powertools' AsyncBatchProcessor) wakes itself through one."""

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_network():
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
