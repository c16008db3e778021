"""Schedule names and one-shot fire times: pure rules of jobqueue.scheduling.schedules."""

import re
from datetime import UTC, datetime

from jobqueue.scheduling.schedules import MAX_NAME_LENGTH, one_shot_time, schedule_name

ALLOWED = re.compile(r"^[0-9A-Za-z._-]+$")
JOB_ID = "01JQ7Z5X9V8K3M2N4P6R8T0W2Y"


def test_a_name_is_tenant_dot_job_id_plus_suffix():
    assert schedule_name("acme", JOB_ID, "-a") == f"acme.{JOB_ID}-a"


def test_the_same_tenant_and_job_always_give_the_same_name():
    assert schedule_name("acme", JOB_ID) == schedule_name("acme", JOB_ID)


def test_a_tenant_with_characters_the_scheduler_refuses_gets_a_hashed_name():
    name = schedule_name("acme corp/eu", JOB_ID, "-b")

    assert name.startswith("h-") and name.endswith("-b") and ALLOWED.match(name)


def test_a_long_tenant_gets_a_hashed_name_within_64_characters_even_with_a_catch_up_suffix():
    name = schedule_name("t" * 60, JOB_ID, "-d202603290100")

    assert len(name) <= MAX_NAME_LENGTH and ALLOWED.match(name)


def test_hashed_names_of_different_jobs_differ():
    assert schedule_name("acme corp", JOB_ID) != schedule_name("acme corp", JOB_ID[:-1] + "Z")


def test_a_one_shot_fires_at_the_start_of_the_minute_before_the_job_is_due():
    due = datetime(2026, 5, 1, 12, 30, 45, tzinfo=UTC)

    assert one_shot_time(due) == datetime(2026, 5, 1, 12, 29, tzinfo=UTC)
