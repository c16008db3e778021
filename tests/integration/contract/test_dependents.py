"""The `dependents` set on a parent job: recorded while the parent is open, refused once it is
terminal, read back in order (the in-memory repository and DynamoDB alike)."""

import pytest

from jobqueue.errors import ValidationFailed
from jobqueue.models.job import JobStatus
from tests.integration.contract.conftest import dependents_of
from tests.support.factories import make_job


def stored(store, **overrides):
    job = make_job(**overrides)
    store.create(job)
    return job


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.QUEUED, JobStatus.PROCESSING])
def test_a_dependent_of_an_open_parent_is_recorded(store, status):
    parent = stored(store, status=status)

    assert store.add_dependent(parent, "01CHILD") is True
    assert dependents_of(store, parent) == ["01CHILD"]


@pytest.mark.parametrize("status", [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_a_dependent_of_a_terminal_parent_is_refused(store, status):
    parent = stored(store, status=status)

    assert store.add_dependent(parent, "01CHILD") is False
    assert dependents_of(store, parent) == []


def test_a_dependent_of_a_missing_parent_is_refused(store):
    assert store.add_dependent(make_job(), "01CHILD") is False


def test_dependents_are_read_back_sorted_without_duplicates(store):
    parent = stored(store, status=JobStatus.QUEUED)
    for child in ("01C", "01A", "01B", "01A"):
        store.add_dependent(parent, child)

    assert dependents_of(store, parent) == ["01A", "01B", "01C"]


def test_the_dependents_set_leaves_the_job_model_unchanged(store):
    parent = stored(store, status=JobStatus.QUEUED)
    store.add_dependent(parent, "01CHILD")

    assert store.get("acme", parent.id).model_copy(update={"history": []}) == parent


def test_a_parent_with_too_many_dependents_refuses_one_more(make_store):
    store = make_store(max_dependents=2)
    parent = stored(store, status=JobStatus.PENDING)
    store.add_dependent(parent, "01A")
    store.add_dependent(parent, "01B")

    with pytest.raises(ValidationFailed) as caught:
        store.add_dependent(parent, "01C")

    assert "has 2 dependents already" in caught.value.details["depends_on"]


def test_recording_the_same_dependent_again_at_the_limit_succeeds(make_store):
    store = make_store(max_dependents=1)
    parent = stored(store, status=JobStatus.PENDING)
    store.add_dependent(parent, "01A")

    assert store.add_dependent(parent, "01A") is True
