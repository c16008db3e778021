"""POST /v1/jobs/batch: all items validated before anything is written; all or nothing."""

from __future__ import annotations

from tests.integration.api.conftest import principal, put_tenant


def _batch(api, jobs, **overrides):
    return api.call("api_submit_batch", body={"jobs": jobs}, **overrides)


def test_a_batch_answers_201_with_every_job_in_request_order(api):
    jobs = [{"handler": "echo", "payload": {"n": i}} for i in range(12)]

    response = _batch(api, jobs)

    assert response.status == 201
    assert [job["payload"]["n"] for job in response.body["jobs"]] == list(range(12))
    assert len(api.jobs_in_table()) == 12


def test_every_job_of_a_batch_gets_its_message(api):
    jobs = [{"handler": "echo"}] * 11 + [{"handler": "echo", "priority": "critical"}]

    _batch(api, jobs)

    assert api.queued_message_count() == 12


def test_one_invalid_item_answers_422_naming_its_index_and_writes_nothing(api):
    jobs = [{"handler": "echo"}, {"handler": "sleep", "payload": {"seconds": -1}}, {"handler": "echo"}]

    response = _batch(api, jobs)

    assert response.status == 422 and "jobs.1.payload.seconds" in response.details
    assert api.jobs_in_table() == [] and api.queued_message_count() == 0


def test_an_item_failing_the_request_schema_answers_422_naming_its_index(api):
    response = _batch(api, [{"handler": "echo"}, {"payload": {}}])

    assert response.status == 422 and "jobs.1.handler" in response.details


def test_an_item_with_two_schedules_names_both_fields_under_its_index(api):
    response = _batch(api, [{"handler": "echo", "delay_seconds": 1, "cron": "* * * * *"}])

    assert response.status == 422 and {"jobs.0.delay_seconds", "jobs.0.cron"} <= set(response.details)


def test_an_item_of_a_forbidden_category_answers_403_with_its_index(api):
    put_tenant("tiny", 1)

    response = _batch(api, [{"handler": "echo"}], principal=principal("tiny", 1))

    assert response.status == 403 and response.error_code == "job_type_not_allowed"
    assert response.details["index"] == 0 and api.jobs_in_table("tiny") == []


def test_an_empty_batch_answers_422(api):
    response = _batch(api, [])

    assert response.status == 422 and "jobs" in response.details


def test_more_than_100_jobs_answer_422_and_write_nothing(api):
    response = _batch(api, [{"handler": "echo"}] * 101)

    assert response.status == 422 and "jobs" in response.details
    assert api.jobs_in_table() == []
