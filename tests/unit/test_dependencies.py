"""depends_on validation and the dependency state of a job given its parents."""

import pytest

from jobqueue.dependencies import MAX_DEPENDENCIES, dependency_state, validate_depends_on
from jobqueue.errors import ValidationFailed
from jobqueue.models.job import JobStatus
from tests.support.factories import make_job


def test_a_list_of_distinct_job_ids_is_accepted():
    assert validate_depends_on(["01A", "01B"], job_id="01C") == ["01A", "01B"]


def test_no_dependencies_is_an_empty_list():
    assert validate_depends_on(None) == []


@pytest.mark.parametrize(
    ("depends_on", "says"),
    [
        ([f"01J{i:03d}" for i in range(MAX_DEPENDENCIES + 1)], "at most 20 jobs"),
        (["01A", "01A"], "listed twice"),
        (["01A", "01SELF"], "cannot depend on itself"),
        ("01A", "must be a list"),
        ([1, 2], "must be a list"),
        (["not an id!"], "is not a job id"),
    ],
)
def test_an_invalid_list_is_refused_naming_the_depends_on_field(depends_on, says):
    with pytest.raises(ValidationFailed) as caught:
        validate_depends_on(depends_on, job_id="01SELF")

    assert says in caught.value.details["depends_on"]


def test_a_job_is_ready_when_every_parent_completed():
    parents = [make_job(status=JobStatus.COMPLETED), make_job(status=JobStatus.COMPLETED)]

    assert dependency_state(parents).state == "ready"


def test_a_job_waits_while_a_parent_is_not_finished():
    running = make_job(status=JobStatus.PROCESSING)

    verdict = dependency_state([make_job(status=JobStatus.COMPLETED), running])

    assert verdict.state == "waiting" and running.id in verdict.reason


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.CANCELLED])
def test_a_job_is_blocked_by_a_parent_that_did_not_complete(status):
    failed = make_job(status=status)

    verdict = dependency_state([make_job(status=JobStatus.PENDING), failed])

    assert verdict.state == "blocked" and verdict.parent_id == failed.id
    assert verdict.reason == f"dependency {failed.id} is {status.value}"


def test_a_job_is_blocked_by_a_parent_that_does_not_exist():
    verdict = dependency_state([], depends_on=["01GONE"])

    assert verdict.state == "blocked" and "01GONE does not exist" in verdict.reason
