"""Which status changes go to the event bus: the tenant's `bus_events`, else the deployment's
`LIFECYCLE_EVENTS` (terminal changes only by default); one cached profile read per tenant."""

from __future__ import annotations

import pytest

from jobqueue.models.job_change import JobChange
from jobqueue.models.tenant import Tenant
from jobqueue.settings import get_settings
from jobqueue.stream.events import TERMINAL, published
from jobqueue.stream.process import publish_changes
from jobqueue.tenancy.profiles import CachedTenants
from jobqueue.testing import FrozenClock, fake_ports
from jobqueue.testing.tenants import InMemoryTenantRepository

NOT_TERMINAL = ["pending", "queued", "processing"]


@pytest.fixture
def deployment(monkeypatch):
    """Set the deployment's choice (`LIFECYCLE_EVENTS`); None leaves it unset."""

    def choose(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("LIFECYCLE_EVENTS", raising=False)
        else:
            monkeypatch.setenv("LIFECYCLE_EVENTS", value)
        get_settings.cache_clear()

    choose(None)
    yield choose
    get_settings.cache_clear()


class CountingTenants(InMemoryTenantRepository):
    def __init__(self, clock, tenants=()):
        super().__init__(clock)
        for tenant in tenants:
            self.put(tenant)
        self.reads: list[str] = []

    def get(self, tenant_id):
        self.reads.append(tenant_id)
        return super().get(tenant_id)


def change(old: str | None, new: str, tenant_id: str = "acme", n: int = 1) -> JobChange:
    return JobChange(
        f"{n:021d}", tenant_id, f"J{n}", "echo", "immediate", "normal", old, new, "2026-03-02T09:00:00Z"
    )


def lifecycle(tenant_id: str = "acme", first: int = 1) -> list[JobChange]:
    """One job's three status changes: created queued, processing, completed."""
    steps = [(None, "queued"), ("queued", "processing"), ("processing", "completed")]
    return [change(old, new, tenant_id, first + i) for i, (old, new) in enumerate(steps)]


def tenant(tenant_id: str = "acme", bus_events: str | None = None) -> Tenant:
    return Tenant(tenant_id=tenant_id, name=tenant_id.title(), tier=1, bus_events=bus_events)


def sent(ports) -> list[tuple[str, str | None, str]]:
    return [
        (e.detail["tenant_id"], e.detail["old_status"], e.detail["new_status"])
        for e in ports.events.published
    ]


# -- the decision (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize("new", sorted(TERMINAL))
def test_a_change_into_a_terminal_status_goes_out_under_terminal_and_all(new):
    assert published("terminal", new) and published("all", new) and not published("none", new)


@pytest.mark.parametrize("new", NOT_TERMINAL)
def test_a_change_into_a_status_that_is_not_terminal_goes_out_under_all_only(new):
    assert published("all", new) and not published("terminal", new) and not published("none", new)


def test_terminal_means_completed_failed_timed_out_and_cancelled():
    assert {"completed", "failed", "timed_out", "cancelled"} == TERMINAL


# -- the deployment's choice -------------------------------------------------------------------


def test_by_default_a_job_puts_one_event_on_the_bus_its_terminal_change(deployment):
    ports = fake_ports()
    ports.tenants.put(tenant())

    publish_changes(ports, lifecycle())

    assert sent(ports) == [("acme", "processing", "completed")]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("terminal", [("acme", "processing", "completed")]),
        (
            "all",
            [("acme", None, "queued"), ("acme", "queued", "processing"), ("acme", "processing", "completed")],
        ),
        ("none", []),
    ],
)
def test_the_deployment_choice_applies_to_a_tenant_without_its_own(deployment, choice, expected):
    deployment(choice)
    ports = fake_ports()
    ports.tenants.put(tenant())

    publish_changes(ports, lifecycle())

    assert sent(ports) == expected


def test_a_tenant_without_a_profile_gets_the_deployment_choice(deployment):
    deployment("all")
    ports = fake_ports()

    publish_changes(ports, lifecycle("ghost"))

    assert len(sent(ports)) == 3


def test_a_deployment_choice_outside_the_three_is_an_error(deployment):
    deployment("some")

    with pytest.raises(ValueError, match="LIFECYCLE_EVENTS"):
        get_settings()


# -- the tenant's choice -----------------------------------------------------------------------


@pytest.mark.parametrize("default", ["terminal", "all", "none"])
@pytest.mark.parametrize(
    ("own", "expected"),
    [
        ("terminal", [("processing", "completed")]),
        ("all", [(None, "queued"), ("queued", "processing"), ("processing", "completed")]),
        ("none", []),
    ],
)
def test_a_tenants_own_choice_overrides_the_deployments(deployment, default, own, expected):
    deployment(default)
    ports = fake_ports()
    ports.tenants.put(tenant(bus_events=own))

    publish_changes(ports, lifecycle())

    assert [(old, new) for _, old, new in sent(ports)] == expected


def test_tenants_of_one_batch_each_get_their_own_choice(deployment):
    ports = fake_ports()
    for profile in (tenant("quiet", "none"), tenant("loud", "all"), tenant("plain")):
        ports.tenants.put(profile)
    batch = [*lifecycle("quiet", 1), *lifecycle("loud", 4), *lifecycle("plain", 7)]

    publish_changes(ports, batch)

    assert sent(ports) == [
        ("loud", None, "queued"),
        ("loud", "queued", "processing"),
        ("loud", "processing", "completed"),
        ("plain", "processing", "completed"),
    ]


# -- what it reads -----------------------------------------------------------------------------


def test_a_batch_reads_each_tenants_profile_once(deployment):
    clock = FrozenClock()
    store = CountingTenants(clock, [tenant("acme"), tenant("initech", "all")])
    ports = fake_ports(clock=clock, tenants=store)
    batch = [*lifecycle("acme", 1), *lifecycle("initech", 4), *lifecycle("acme", 7)]

    publish_changes(ports, batch)

    assert sorted(store.reads) == ["acme", "initech"]


def test_a_warm_profile_cache_makes_a_batch_read_nothing(deployment):
    clock = FrozenClock()
    store = CountingTenants(clock, [tenant("acme", "all")])
    ports = fake_ports(clock=clock, tenants=CachedTenants(store, clock))

    publish_changes(ports, lifecycle("acme", 1))
    publish_changes(ports, lifecycle("acme", 4))

    assert store.reads == ["acme"] and len(sent(ports)) == 6


def test_a_batch_without_a_status_change_reads_no_profile(deployment):
    clock = FrozenClock()
    store = CountingTenants(clock, [tenant()])
    ports = fake_ports(clock=clock, tenants=store)

    publish_changes(ports, [change("processing", "processing")])

    assert store.reads == [] and sent(ports) == []
