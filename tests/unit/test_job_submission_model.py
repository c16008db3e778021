"""The request models of the job routes: defaults and every field rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jobqueue.models.submission import BatchSubmission, JobPatch, JobSubmission


def _error(**fields):
    with pytest.raises(ValidationError) as caught:
        JobSubmission(**{"handler": "echo", **fields})
    return caught.value.errors()


def test_a_submission_needs_only_a_handler():
    submission = JobSubmission(handler="echo")

    assert submission.payload == {} and submission.max_retries == 3 and submission.priority is None
    assert submission.depends_on == [] and submission.metadata == {}


def test_a_missing_handler_is_refused():
    with pytest.raises(ValidationError) as caught:
        JobSubmission()

    assert caught.value.errors()[0]["loc"] == ("handler",)


def test_unknown_fields_are_refused():
    assert _error(colour="blue")[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delay_seconds", 365 * 86400 + 1),
        ("delay_seconds", -1),
        ("max_retries", 26),
        ("timeout_seconds", 0),
        ("timeout_seconds", 901),
        ("priority", "asap"),
        ("payload", [1, 2]),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(field, value):
    assert _error(**{field: value})[0]["loc"] == (field,)


def test_two_ways_of_scheduling_are_refused_naming_both():
    errors = _error(delay_seconds=5, cron="* * * * *")

    assert errors[0]["type"] == "conflicting_fields"
    assert errors[0]["ctx"]["fields"] == ["delay_seconds", "cron"]


@pytest.mark.parametrize("field", ["timezone", "max_runs", "end_at"])
def test_cron_options_without_cron_are_refused(field):
    value = {"timezone": "Europe/Paris", "max_runs": 3, "end_at": "2030-01-01T00:00:00Z"}[field]

    errors = _error(**{field: value})

    assert errors[0]["type"] == "requires_cron" and errors[0]["ctx"]["fields"] == [field]


def test_cron_options_with_cron_are_accepted():
    submission = JobSubmission(handler="echo", cron="0 * * * *", timezone="Europe/Paris", max_runs=3)

    assert submission.timezone == "Europe/Paris"


def test_an_unknown_timezone_is_refused():
    assert _error(cron="0 * * * *", timezone="Mars/Olympus")[0]["loc"] == ("timezone",)


def test_run_at_needs_a_time_zone_offset():
    assert _error(run_at="2030-01-01T00:00:00")[0]["type"] == "timezone_aware"


@pytest.mark.parametrize("url", ["http://example.com/hook", "ftp://example.com", "https://", "not a url"])
def test_a_callback_url_must_be_https(url):
    assert _error(callback_url=url)[0]["loc"] == ("callback_url",)


def test_an_https_callback_url_is_accepted():
    assert JobSubmission(handler="echo", callback_url="https://example.com/hook").callback_url


def test_more_than_20_dependencies_are_refused():
    ids = [f"01JQ8Z6Y3K4M5N6P7Q8R9S0T{i:02d}" for i in range(21)]

    assert _error(depends_on=ids)[0]["loc"] == ("depends_on",)


def test_a_dependency_must_look_like_a_job_id():
    assert _error(depends_on=["JOB#x"])[0]["loc"] == ("depends_on", 0)


def test_metadata_over_2_kib_is_refused():
    assert _error(metadata={"note": "x" * 2100})[0]["loc"] == ("metadata",)


def test_a_retry_policy_is_validated():
    assert _error(retry={"strategy": "random"})[0]["loc"] == ("retry", "strategy")


@pytest.mark.parametrize("count", [0, 101])
def test_a_batch_holds_1_to_100_jobs(count):
    with pytest.raises(ValidationError):
        BatchSubmission(jobs=[{"handler": "echo"}] * count)


def test_a_patch_needs_a_real_boolean():
    with pytest.raises(ValidationError):
        JobPatch(enabled="yes")

    assert JobPatch(enabled=False).enabled is False
