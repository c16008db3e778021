"""Tenant profiles keep what a PUT gave them, `bus_events` included, on the in-memory repository
and on DynamoDB (moto) alike."""

from __future__ import annotations

import pytest

from jobqueue.adapters.dynamodb.tenants import DynamoTenantRepository
from jobqueue.models.tenant import Tenant
from jobqueue.testing import FrozenClock
from jobqueue.testing.tenants import InMemoryTenantRepository
from jobqueue.times import utc_now


@pytest.fixture(params=["memory", "dynamodb"])
def tenants(request):
    clock = FrozenClock(utc_now())
    if request.param == "memory":
        return InMemoryTenantRepository(clock)
    request.getfixturevalue("aws_env")
    return DynamoTenantRepository(clock)


def profile(**fields) -> Tenant:
    return Tenant(tenant_id="initech", name="Initech", tier=2, **fields)


@pytest.mark.parametrize("choice", ["terminal", "all", "none"])
def test_a_tenants_bus_events_are_kept(tenants, choice):
    stored = tenants.put(profile(bus_events=choice))

    assert stored.bus_events == choice
    assert tenants.get("initech").bus_events == choice
    assert [t.bus_events for t in tenants.list_all() if t.tenant_id == "initech"] == [choice]


def test_a_profile_put_without_bus_events_leaves_them_to_the_deployment(tenants):
    assert tenants.put(profile()).bus_events is None
    tenants.put(profile(bus_events="all"))

    again = tenants.put(profile(suspended=True))

    assert again.bus_events is None and tenants.get("initech").bus_events is None
    assert tenants.get("initech").suspended is True
