"""AWS schedule expressions: rate(), cron() (6 fields, 1-7 = SUN-SAT, ?, L, W, #) and at(),
evaluated in a time zone with EventBridge Scheduler's daylight-saving rules (local/cron.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from local.cron import AwsCron, ExpressionError, ScheduleExpression, localize, parse_at, parse_rate

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def _fires(expression: str, after: datetime, n: int, tz=UTC) -> list[datetime]:
    cron, out, moment = AwsCron(expression), [], after
    for _ in range(n):
        moment = cron.next_after(moment, tz)
        out.append(moment)
    return out


def test_rate_units_and_values() -> None:
    assert parse_rate("rate(1 minute)") == timedelta(minutes=1)
    assert parse_rate("rate(5 minutes)") == timedelta(minutes=5)
    assert parse_rate("rate(2 hours)") == timedelta(hours=2)
    assert parse_rate("rate(1 day)") == timedelta(days=1)


@pytest.mark.parametrize("text", ["rate(0 minutes)", "rate(5 weeks)", "rate(minutes)", "cron(* * * * ? *)"])
def test_bad_rate_expressions_are_rejected(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_rate(text)


def test_eventbridge_rules_want_singular_for_one_and_plural_otherwise() -> None:
    with pytest.raises(ExpressionError):
        parse_rate("rate(1 minutes)", strict_plural=True)
    with pytest.raises(ExpressionError):
        parse_rate("rate(5 minute)", strict_plural=True)
    assert parse_rate("rate(1 minute)", strict_plural=True) == timedelta(minutes=1)


def test_weekday_range_by_name_fires_monday_to_friday() -> None:
    fires = _fires("cron(15 10 ? * MON-FRI *)", datetime(2025, 1, 3, 11, tzinfo=UTC), 3)  # a Friday

    assert [f.strftime("%a %d %H:%M") for f in fires] == ["Mon 06 10:15", "Tue 07 10:15", "Wed 08 10:15"]


def test_day_of_week_numbers_start_at_sunday_1() -> None:
    fires = _fires("cron(0 8 ? * 1,7 *)", datetime(2025, 1, 1, tzinfo=UTC), 2)

    assert [f.strftime("%a") for f in fires] == ["Sat", "Sun"]


def test_step_and_list_in_minutes_and_hours() -> None:
    fires = _fires("cron(0/20 9,17 * * ? *)", datetime(2025, 1, 1, tzinfo=UTC), 4)

    assert [f.strftime("%H:%M") for f in fires] == ["09:00", "09:20", "09:40", "17:00"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 10 L * ? *)", ["2025-01-31", "2025-02-28", "2025-03-31"]),
        ("cron(0 10 LW * ? *)", ["2025-01-31", "2025-02-28", "2025-03-31"]),
        ("cron(0 10 15W * ? *)", ["2025-01-15", "2025-02-14", "2025-03-14"]),  # Feb/Mar 15th: Saturdays
        ("cron(0 10 1W * ? *)", ["2025-01-01", "2025-02-03", "2025-03-03"]),  # 1st on a Saturday -> Monday
        ("cron(0 10 ? * 6L *)", ["2025-01-31", "2025-02-28", "2025-03-28"]),  # last Friday
        ("cron(0 10 ? * MON#2 *)", ["2025-01-13", "2025-02-10", "2025-03-10"]),  # second Monday
        ("cron(0 10 29 2 ? 2025-2030)", ["2028-02-29"]),
    ],
)
def test_special_day_characters(expression: str, expected: list[str]) -> None:
    fires = _fires(expression, datetime(2025, 1, 1, tzinfo=UTC), len(expected))

    assert [f.strftime("%Y-%m-%d") for f in fires] == expected


def test_nothing_left_in_the_year_range_is_none() -> None:
    assert AwsCron("cron(0 0 1 1 ? 2020)").next_after(datetime(2025, 1, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * * *)",  # both day fields given
        "cron(0 10 ? * ? *)",  # neither
        "cron(0 10 * * ?)",  # five fields (Unix cron)
        "cron(60 10 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 10 ? * 8 *)",
        "cron(0 10 ? * MON#6 *)",
        "cron(0/0 10 * * ? *)",
    ],
)
def test_invalid_cron_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ExpressionError):
        AwsCron(expression)


def test_spring_forward_skips_a_wall_time_that_does_not_exist() -> None:
    # 2025-03-09 02:30 does not exist in New York (02:00 -> 03:00)
    fires = _fires("cron(30 2 * * ? *)", datetime(2025, 3, 8, 12, tzinfo=UTC), 2, NEW_YORK)

    assert [f.strftime("%m-%d %H:%M %Z") for f in fires] == ["03-10 02:30 EDT", "03-11 02:30 EDT"]


def test_fall_back_fires_a_repeated_wall_time_once() -> None:
    # 2025-11-02 01:00-01:59 happens twice in New York; Scheduler runs once (the first one)
    fires = _fires("cron(0/30 1 * * ? *)", datetime(2025, 11, 2, 4, tzinfo=UTC), 3, NEW_YORK)

    assert [f.astimezone(UTC).strftime("%d %H:%M") for f in fires] == ["02 05:00", "02 05:30", "03 06:00"]


def test_daily_cron_keeps_its_wall_time_across_dst_in_london() -> None:
    fires = _fires("cron(0 9 * * ? *)", datetime(2025, 3, 29, 12, tzinfo=UTC), 2, LONDON)

    assert [f.astimezone(UTC).strftime("%d %H:%M") for f in fires] == ["30 08:00", "31 08:00"]
    assert all(f.astimezone(LONDON).hour == 9 for f in fires)


def test_localize_answers_none_for_a_skipped_wall_time() -> None:
    assert localize(datetime(2025, 3, 9, 2, 30), NEW_YORK) is None
    assert localize(datetime(2025, 11, 2, 1, 30), NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_at_is_a_wall_time_in_the_schedule_time_zone() -> None:
    expression = ScheduleExpression.parse("at(2025-06-01T09:00:00)")

    fire = expression.next_fire(
        datetime(2025, 1, 1, tzinfo=UTC), NEW_YORK, datetime(2025, 1, 1, tzinfo=UTC), True
    )

    assert parse_at("at(2025-06-01T09:00:00)") == datetime(2025, 6, 1, 9)
    assert fire == datetime(2025, 6, 1, 13, tzinfo=UTC)
    assert expression.next_fire(fire, NEW_YORK, fire, True) is None


def test_scheduler_rate_fires_at_its_anchor_and_rule_rate_one_period_later() -> None:
    anchor = datetime(2025, 1, 1, 12, 0, 30, tzinfo=UTC)
    rate = ScheduleExpression.parse("rate(5 minutes)")
    before = anchor - timedelta(microseconds=1)

    assert rate.next_fire(before, UTC, anchor, first_at_anchor=True) == anchor
    assert rate.next_fire(before, UTC, anchor, first_at_anchor=False) == anchor + timedelta(minutes=5)
    assert rate.next_fire(anchor + timedelta(minutes=7), UTC, anchor, True) == anchor + timedelta(minutes=10)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * ? *)",
        "cron(15 10 ? * MON-FRI *)",
        "cron(0/15 * * * ? *)",
        "cron(0 12 L * ? *)",
        "cron(30 6 ? * 2#1 *)",
        "cron(5 0 1,15 * ? *)",
        "cron(0 18 ? * 6L *)",
        "cron(0 0 ? JAN-MAR 1 *)",
    ],
)
def test_agrees_with_an_independent_aws_cron_evaluator(expression: str) -> None:
    oracle = pytest.importorskip("tests.unit.scheduling.aws_oracle", reason="pyawscron not installed")
    after = datetime(2025, 1, 1, tzinfo=UTC)

    assert _fires(expression, after, 12) == oracle.next_fires([expression], after, 12)
