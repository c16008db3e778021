"""Building a job from a submission: type, defaults, caps, and every refusal (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobqueue.api.job_builder import build_job, derive_type, payload_size
from jobqueue.errors import JobTypeNotAllowed, PayloadTooLarge, ValidationFailed
from jobqueue.models.job import Category, JobStatus, JobType, Priority, WaitingOn
from jobqueue.models.submission import JobSubmission
from jobqueue.models.tenant import Tenant
from jobqueue.testing import fake_ports
from jobqueue.tiers import LimitOverrides
from tests.support.fakes import registry_for

NOW = datetime(2025, 3, 12, 19, 0, tzinfo=UTC)
REGISTRY = registry_for(fake_ports(NOW))


def _tenant(tier: int = 2, **limits) -> Tenant:
    limits.setdefault("allowed_job_types", list(Category))
    return Tenant(tenant_id="acme", name="Acme", tier=tier, overrides=LimitOverrides(**limits))


def _build(tenant: Tenant | None = None, **fields):
    return build_job(REGISTRY, tenant or _tenant(), JobSubmission(**{"handler": "echo", **fields}), NOW)


@pytest.mark.parametrize(
    ("category", "fields", "expected"),
    [
        (Category.CUSTOM_PROCESSING, {}, JobType.IMMEDIATE),
        (Category.CUSTOM_PROCESSING, {"delay_seconds": 0}, JobType.IMMEDIATE),
        (Category.CUSTOM_PROCESSING, {"delay_seconds": 30}, JobType.DELAYED),
        (Category.NOTIFICATION, {}, JobType.NOTIFICATION),
        (Category.NOTIFICATION, {"delay_seconds": 30}, JobType.NOTIFICATION),
        (Category.CUSTOM_PROCESSING, {"run_at": "2030-01-01T00:00:00Z"}, JobType.SCHEDULED),
        (Category.NOTIFICATION, {"cron": "0 * * * *"}, JobType.RECURRING),
    ],
)
def test_the_job_type_is_derived_from_the_timing_and_the_category(category, fields, expected):
    assert derive_type(category, JobSubmission(handler="x", **fields)) is expected


def test_a_built_job_is_queued_for_the_tenant_with_its_tier():
    job = _build(payload={"a": 1})

    assert job.status is JobStatus.QUEUED and job.tenant_id == "acme" and job.tier == 2
    assert job.category is Category.CUSTOM_PROCESSING and job.created_at == NOW


def test_the_idempotency_key_is_kept_on_the_job():
    job = build_job(REGISTRY, _tenant(), JobSubmission(handler="echo"), NOW, idempotency_key="abc")

    assert job.idempotency_key == "abc"


def test_priority_defaults_to_the_tenants_and_an_explicit_one_wins():
    tenant = _tenant(default_job_priority=Priority.HIGH)

    assert _build(tenant).priority is Priority.HIGH
    assert _build(tenant, priority="low").priority is Priority.LOW


def test_the_timeout_is_the_handlers_default_capped_by_the_tenant():
    assert _build().timeout_seconds == 10  # echo's default
    assert _build(timeout_seconds=500).timeout_seconds == 60  # tier 2 cap
    assert _build(_tenant(max_job_duration_seconds=5)).timeout_seconds == 5


def test_a_delayed_job_is_scheduled_after_the_delay():
    assert _build(delay_seconds=90).scheduled_for == NOW + timedelta(seconds=90)
    assert _build().scheduled_for is None


def test_an_unknown_handler_is_a_validation_error_naming_the_handler():
    with pytest.raises(ValidationFailed) as caught:
        _build(handler="nope")

    assert set(caught.value.details) == {"handler"}


def test_a_payload_the_handler_refuses_names_the_payload_fields():
    with pytest.raises(ValidationFailed) as caught:
        _build(handler="sleep", payload={"seconds": 9999, "extra": 1})

    assert set(caught.value.details) == {"payload.seconds", "payload.extra"}


def test_a_category_the_tenant_may_not_use_is_forbidden():
    with pytest.raises(JobTypeNotAllowed) as caught:
        _build(_tenant(allowed_job_types=[Category.NOTIFICATION]))

    assert caught.value.status == 403 and caught.value.details["category"] == "custom_processing"


def test_the_payload_limit_counts_the_compact_json_bytes():
    payload = {"k": "x" * 100}  # {"k":"xxx..."}: 6 + 100 + 2 bytes
    exact = _tenant(max_job_payload_size=108)

    assert payload_size(payload) == 108
    assert _build(exact, payload=payload).payload == payload
    with pytest.raises(PayloadTooLarge) as caught:
        _build(_tenant(max_job_payload_size=107), payload=payload)
    assert caught.value.details == {"size": 108, "limit": 107}


def test_a_run_at_ahead_waits_pending_for_its_time_and_shows_queued_once_due():
    job = _build(run_at=(NOW + timedelta(seconds=600)).isoformat())

    assert (
        job.status is JobStatus.PENDING and job.waiting_on is WaitingOn.TIME and job.type is JobType.SCHEDULED
    )
    assert job.scheduled_for == NOW + timedelta(seconds=600)
    assert job.public(NOW)["status"] == "pending"
    assert job.public(NOW + timedelta(seconds=600))["status"] == "queued"


def test_a_job_without_a_time_ahead_is_queued():
    assert _build().status is JobStatus.QUEUED
    assert _build(run_at=(NOW - timedelta(seconds=2)).isoformat()).status is JobStatus.QUEUED  # skew


@pytest.mark.parametrize("fields", [{"run_at": "2025-03-12T21:00:00+01:00"}, {"delay_seconds": 901}])
def test_a_time_more_than_900_seconds_ahead_waits_pending(fields):
    job = _build(**fields)

    assert (
        job.status is JobStatus.PENDING and job.waiting_on is WaitingOn.TIME and job.scheduled_for is not None
    )


@pytest.mark.parametrize(
    ("run_at", "message"),
    [
        ((NOW - timedelta(minutes=1)).isoformat(), "must not be in the past"),
        ((NOW + timedelta(days=366)).isoformat(), "at most 365 days ahead"),
    ],
)
def test_a_run_at_in_the_past_or_over_a_year_ahead_answers_422(run_at, message):
    with pytest.raises(ValidationFailed) as caught:
        _build(run_at=run_at)

    assert caught.value.details == {"run_at": message}


def test_a_cron_job_is_a_pending_recurring_job_with_its_next_run():
    job = _build(cron="*/15 * * * *", timezone="Europe/Berlin", max_runs=3)

    assert job.status is JobStatus.PENDING and job.type is JobType.RECURRING and job.enabled is True
    assert job.cron == "*/15 * * * *" and job.timezone == "Europe/Berlin" and job.max_runs == 3
    assert job.next_run_at == NOW + timedelta(minutes=15)


@pytest.mark.parametrize(
    "fields", [{"cron": "0 * * * *"}, {"run_at": "2030-01-01T00:00:00Z"}, {"delay_seconds": 901}]
)
def test_scheduling_needs_the_scheduled_category(fields):
    tenant = _tenant(allowed_job_types=[Category.CUSTOM_PROCESSING])

    with pytest.raises(JobTypeNotAllowed) as caught:
        _build(tenant, **fields)

    assert caught.value.details["category"] == "scheduled"


def test_a_short_delay_does_not_need_the_scheduled_category():
    tenant = _tenant(allowed_job_types=[Category.CUSTOM_PROCESSING])

    job = _build(tenant, delay_seconds=900)
    assert job.status is JobStatus.PENDING and job.waiting_on is WaitingOn.TIME


def test_a_bad_cron_answers_422_naming_cron():
    with pytest.raises(ValidationFailed) as caught:
        _build(cron="0 0 30 2 *")

    assert "cron" in caught.value.details


def test_a_job_with_dependencies_waits_pending():
    job = _build(depends_on=["01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"])

    assert job.status is JobStatus.PENDING and job.depends_on == ["01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"]


def test_a_recurring_job_cannot_have_dependencies():
    with pytest.raises(ValidationFailed) as caught:
        _build(cron="0 * * * *", depends_on=["01JQ8Z6Y3K4M5N6P7Q8R9S0T1V"])

    assert "depends_on" in caught.value.details
