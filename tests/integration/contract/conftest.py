"""The contract of the ports: the same tests against the in-memory stand-ins (`jobqueue.testing`)
and the DynamoDB adapters (on moto), so a unit test on the fakes means what it would mean on AWS."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jobqueue.adapters.dynamodb.jobs import DynamoJobRepository
from jobqueue.models.job import Job
from jobqueue.testing import FrozenClock
from jobqueue.testing.jobs import InMemoryJobRepository
from jobqueue.times import utc_now
from tests.support.moto_env import raw_item

Factory = Callable[..., object]


@pytest.fixture(params=["memory", "dynamodb"])
def make_store(request) -> Factory:
    """Builds the job repository under test (`max_dependents` may be lowered)."""
    clock = FrozenClock(utc_now())
    if request.param == "memory":
        return lambda **options: InMemoryJobRepository(clock, **options)
    request.getfixturevalue("aws_env")
    return lambda **options: DynamoJobRepository(clock, **options)


@pytest.fixture
def store(make_store):
    return make_store()


def dependents_of(store, parent: Job) -> list[str]:
    """The ids recorded as waiting for `parent`, sorted (read as each implementation keeps them)."""
    if isinstance(store, InMemoryJobRepository):
        return sorted(store.dependents(parent.tenant_id, parent.id))
    return sorted((raw_item(parent.tenant_id, parent.id) or {}).get("dependents", set()))
