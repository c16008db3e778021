"""The cron dialect: what is accepted, what is refused (and how it says so), fire times in a time
zone across DST changes, and the conversion to EventBridge Scheduler expressions."""

from datetime import UTC, datetime

import pytest

from jobqueue.cron import scheduler as cron
from jobqueue.cron.dialect import next_run, next_runs, validate_timezone
from jobqueue.cron.scheduler import scheduler_may_miss, to_aws_cron, validate_cron
from jobqueue.errors import ValidationFailed
from tests.unit.scheduling.aws_oracle import scheduler_fires_in_zone


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- accepted ---------------------------------------------------------------------------------
def test_a_five_field_expression_is_accepted_with_its_spaces_normalized():
    assert validate_cron("  */15   9-17 * *  MON-FRI ") == "*/15 9-17 * * MON-FRI"


def test_month_and_weekday_names_are_accepted_in_any_case():
    assert validate_cron("0 8 * jan,Jul mon-fri") == "0 8 * jan,Jul mon-fri"


def test_a_macro_is_expanded_to_its_five_fields():
    assert validate_cron("@weekly") == "0 0 * * 0"


def test_day_of_week_7_is_sunday():
    runs = next_runs("0 12 * * 7", "UTC", utc(2026, 1, 1), 3)

    assert [run.weekday() for run in runs] == [6, 6, 6]


def test_a_weekday_range_may_end_at_sunday():
    runs = next_runs("0 12 * * FRI-SUN", "UTC", utc(2026, 1, 5), 3)  # a Monday

    assert [run.strftime("%a") for run in runs] == ["Fri", "Sat", "Sun"]


# -- refused ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("0 0 12 * * *", "6 fields (seconds and year fields are not supported)"),
        ("0 0 12 * * ? 2030", "7 fields"),
        ("0 12 * *", "has 4 fields"),
        ("@reboot", "@reboot is not supported"),
        ("@fortnightly", "unknown macro"),
        ("0 0 ? * MON", "'?' is AWS/Quartz syntax"),
        ("0 0 L * *", "'L' is not supported"),
        ("0 0 15W * *", "'15W' is not supported"),
        ("0 0 * * 1#2", "'1#2' is not supported"),
        ("H * * * *", "'H' is not supported"),
        ("0 0 5-5 * *", "range '5-5' has equal ends; write '5'"),
        ("0 0 * NOV-FEB *", "range 'NOV-FEB' goes backwards"),
        ("*/0 * * * *", "step /0 must be between 1 and 60"),
        ("0 */25 * * *", "step /25 must be between 1 and 24"),
        ("60 * * * *", "minute: 60 is out of range 0-59"),
        ("0 0 * * 8", "day-of-week: 8 is out of range 0-7"),
        ("0 0 * * FUNDAY", "unknown name 'FUNDAY'"),
        ("0 0 * JAN-X *", "unknown name 'X'"),
        ("0 0 1 * * ,", "has 6 fields"),
        ("0 0 30 2 *", "never matches a date"),
        ("", "is empty"),
        ("a b c d e", "minute: 'a' is not a number"),
    ],
)
def test_an_unsupported_expression_is_refused_with_a_clear_message(expression, says):
    with pytest.raises(ValidationFailed) as caught:
        validate_cron(expression)

    assert says in caught.value.details["cron"]


def test_a_refusal_is_a_422_naming_the_cron_field():
    with pytest.raises(ValidationFailed) as caught:
        validate_cron("0 0 * * * *")

    assert caught.value.status == 422 and set(caught.value.details) == {"cron"}


def test_a_non_string_expression_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        validate_cron(5)

    assert "must be a string" in caught.value.details["cron"]


def test_an_or_expression_with_an_impossible_day_of_month_is_accepted_for_its_weekdays():
    assert validate_cron("0 0 30 2 MON") == "0 0 30 2 MON"


# -- time zones -------------------------------------------------------------------------------
def test_an_iana_time_zone_is_accepted():
    assert validate_timezone("America/New_York") == "America/New_York"


def test_no_time_zone_means_utc():
    assert validate_timezone(None) == "UTC"


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/berlin", "localtime", "../../etc/passwd", 3])
def test_an_unknown_time_zone_is_refused_naming_the_timezone_field(name):
    with pytest.raises(ValidationFailed) as caught:
        validate_timezone(name)

    assert set(caught.value.details) == {"timezone"}


# -- fire times -------------------------------------------------------------------------------
def test_next_runs_are_strictly_after_the_start_and_in_utc():
    runs = next_runs("0 * * * *", "UTC", utc(2026, 1, 1, 10, 0), 2)

    assert runs == [utc(2026, 1, 1, 11), utc(2026, 1, 1, 12)]


def test_next_runs_follow_the_wall_clock_of_the_jobs_zone():
    winter = next_run("0 9 * * *", "Europe/Berlin", utc(2026, 1, 10))
    summer = next_run("0 9 * * *", "Europe/Berlin", utc(2026, 7, 10))

    assert (winter, summer) == (utc(2026, 1, 10, 8), utc(2026, 7, 10, 7))


def test_day_of_month_and_day_of_week_both_restricted_match_either():
    runs = next_runs("0 0 13 * FRI", "UTC", utc(2026, 2, 1), 4)

    assert runs == [utc(2026, 2, 6), utc(2026, 2, 13), utc(2026, 2, 20), utc(2026, 2, 27)]


def test_a_stepped_star_day_of_month_counts_as_restricted_like_croniter():
    runs = next_runs("0 0 */10 * MON", "UTC", utc(2026, 6, 1), 5)  # June 1st 2026 is a Monday

    assert runs == [utc(2026, 6, 8), utc(2026, 6, 11), utc(2026, 6, 15), utc(2026, 6, 21), utc(2026, 6, 22)]


def test_a_day_of_month_step_alone_keeps_its_days():
    runs = next_runs("0 0 */10 * *", "UTC", utc(2026, 6, 1), 3)

    assert runs == [utc(2026, 6, 11), utc(2026, 6, 21), utc(2026, 7, 1)]


# -- DST (croniter's behaviour, and what the Scheduler does) ------------------------------------
def test_spring_forward_moves_a_0230_daily_job_in_berlin_to_0300_local():
    runs = next_runs("30 2 * * *", "Europe/Berlin", utc(2025, 3, 29, 12), 2)

    assert runs == [utc(2025, 3, 30, 1, 0), utc(2025, 3, 31, 0, 30)]  # 03:00 CEST, then 02:30 CEST


def test_spring_forward_moves_a_0230_daily_job_in_new_york_to_0300_local():
    runs = next_runs("30 2 * * *", "America/New_York", utc(2025, 3, 8, 12), 2)

    assert runs == [utc(2025, 3, 9, 7, 0), utc(2025, 3, 10, 6, 30)]  # 03:00 EDT, then 02:30 EDT


def test_spring_forward_skips_the_missing_hour_of_an_hourly_job():
    runs = next_runs("30 * * * *", "Europe/Berlin", utc(2025, 3, 30, 0, 0), 2)

    assert runs == [utc(2025, 3, 30, 0, 30), utc(2025, 3, 30, 1, 30)]  # 01:30 CET, 03:30 CEST


def test_fall_back_fires_a_0130_daily_job_in_new_york_at_both_0130s():
    runs = next_runs("30 1 * * *", "America/New_York", utc(2025, 11, 1, 12), 3)

    assert runs == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30), utc(2025, 11, 3, 6, 30)]


def test_the_scheduler_skips_the_spring_forward_slot_that_croniter_moves():
    aws = scheduler_fires_in_zone(
        to_aws_cron("30 2 * * *"), "Europe/Berlin", utc(2025, 3, 29, 12), utc(2025, 3, 31, 12)
    )

    assert aws == [utc(2025, 3, 31, 0, 30)]


def test_the_scheduler_fires_the_fall_back_slot_once():
    aws = scheduler_fires_in_zone(
        to_aws_cron("30 1 * * *"), "America/New_York", utc(2025, 11, 1, 12), utc(2025, 11, 3, 12)
    )

    assert aws == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]


def test_a_slot_moved_out_of_the_spring_gap_may_be_missed_by_the_scheduler():
    assert scheduler_may_miss("30 2 * * *", "Europe/Berlin", utc(2025, 3, 30, 1, 0))


@pytest.mark.parametrize("slot", [utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30)])
def test_both_instants_of_an_ambiguous_slot_may_be_missed_by_the_scheduler(slot):
    assert scheduler_may_miss("30 1 * * *", "America/New_York", slot)


def test_an_ordinary_slot_is_fired_by_the_scheduler():
    assert not scheduler_may_miss("30 1 * * *", "America/New_York", utc(2025, 11, 3, 6, 30))


# -- conversion to EventBridge Scheduler --------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "aws"),
    [
        ("0 0 * * *", ["cron(0 0 * * ? *)"]),
        ("*/15 9-17 * * MON-FRI", ["cron(0/15 9-17 ? * 2-6 *)"]),
        ("0 12 * * 0", ["cron(0 12 ? * 1 *)"]),
        ("0 12 * * 7", ["cron(0 12 ? * 1 *)"]),
        ("0 12 * * SAT,SUN", ["cron(0 12 ? * 1,7 *)"]),
        ("0 0 * * */2", ["cron(0 0 ? * 1,3,5,7 *)"]),
        ("0 0 * * FRI-SUN", ["cron(0 0 ? * 1,6,7 *)"]),
        ("30 6 1,15 JAN,JUL *", ["cron(30 6 1,15 1,7 ? *)"]),
        ("5 */6 1-10 * *", ["cron(5 0/6 1-10 * ? *)"]),
        ("0 0 13 * FRI", ["cron(0 0 13 * ? *)", "cron(0 0 ? * 6 *)"]),
        ("0 0 */2 * MON", ["cron(0 0 1/2 * ? *)", "cron(0 0 ? * 2 *)"]),
        ("@hourly", ["cron(0 * * * ? *)"]),
    ],
)
def test_an_expression_converts_to_scheduler_expressions(expression, aws):
    assert to_aws_cron(expression) == aws


def test_the_least_compressible_expression_still_fits_the_scheduler_limit():
    minutes = ",".join(f"{m},{m + 1}" for m in range(0, 59, 3))
    hours = ",".join(f"{h},{h + 1}" for h in range(0, 23, 3))
    days = ",".join(f"{d},{d + 1}" for d in range(1, 31, 3))

    (aws,) = to_aws_cron(f"{minutes} {hours} {days} 1,2,4,5,7,8,10,11 *")

    assert len(aws) <= cron.MAX_AWS_EXPRESSION_LENGTH


def test_an_expression_longer_than_the_scheduler_limit_is_refused(monkeypatch):
    monkeypatch.setattr(cron, "MAX_AWS_EXPRESSION_LENGTH", 20)

    with pytest.raises(ValidationFailed) as caught:
        validate_cron("0,20,40 1,2,3 * * *")

    assert "too complex for EventBridge Scheduler" in caught.value.details["cron"]
