"""Which messages claim their job, and which are acknowledged as no-ops (pure)."""

from datetime import timedelta

import pytest

from jobqueue.messages import JobMessage, PoisonMessage, parse_message
from jobqueue.models.job import JobStatus
from jobqueue.times import utc_now
from jobqueue.worker.claim import Verdict, check
from tests.support.factories import make_job

NOW = utc_now()


def message_for(job, attempt=None):
    return JobMessage(
        job_id=job.id, tenant_id=job.tenant_id, attempt=job.attempts if attempt is None else attempt
    )


def test_a_current_message_of_a_queued_job_claims_it():
    job = make_job(status=JobStatus.QUEUED)

    assert check(job, message_for(job), NOW).verdict is Verdict.CLAIM


@pytest.mark.parametrize("status", [s for s in JobStatus if s is not JobStatus.QUEUED])
def test_a_job_that_is_not_queued_is_skipped(status):
    job = make_job(status=status)

    assert check(job, message_for(job), NOW).verdict is Verdict.SKIP


def test_a_missing_job_is_skipped():
    job = make_job()

    assert check(None, message_for(job), NOW).verdict is Verdict.SKIP


def test_a_message_older_than_the_jobs_attempts_is_skipped():
    job = make_job(attempts=3)

    assert check(job, message_for(job, attempt=2), NOW).verdict is Verdict.SKIP


def test_a_message_before_the_due_time_waits_for_the_rest_of_it():
    job = make_job(scheduled_for=NOW + timedelta(seconds=120))

    result = check(job, message_for(job), NOW)

    assert result.verdict is Verdict.NOT_DUE and result.delay_seconds == 120


def test_a_message_a_moment_early_runs():
    job = make_job(scheduled_for=NOW + timedelta(seconds=1))

    assert check(job, message_for(job), NOW).verdict is Verdict.CLAIM


def test_a_message_body_parses_into_ids_and_attempt():
    message = parse_message('{"job_id": "J1", "tenant_id": "acme", "attempt": 2, "extra": true}')

    assert message == JobMessage(job_id="J1", tenant_id="acme", attempt=2)


@pytest.mark.parametrize(
    "body",
    ["", "not json", "[]", '{"job_id": "J1"}', '{"job_id": "J1", "tenant_id": "acme", "attempt": -1}', None],
)
def test_a_body_that_is_not_a_job_message_is_poison(body):
    with pytest.raises(PoisonMessage):
        parse_message(body)
