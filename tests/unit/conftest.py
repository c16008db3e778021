"""Unit tests are pure logic: no network, no AWS."""

import pytest


@pytest.fixture(autouse=True)
def _no_network(socket_disabled):
    yield
