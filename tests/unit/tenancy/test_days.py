"""The UTC day of a daily count and the Retry-After of a daily 429."""

from datetime import UTC, date, datetime, timedelta, timezone

from jobqueue.tenancy import days


def test_the_day_is_the_utc_date_whatever_the_offset_of_the_moment():
    tokyo = timezone(timedelta(hours=9))

    assert days.utc_day(datetime(2025, 3, 2, 8, 0, tzinfo=tokyo)) == date(2025, 3, 1)
    assert days.utc_day(datetime(2025, 3, 2, 9, 0, tzinfo=tokyo)) == date(2025, 3, 2)


def test_retry_after_counts_whole_seconds_to_the_next_utc_midnight_rounded_up():
    assert days.seconds_until_midnight(datetime(2025, 3, 1, 22, 0, tzinfo=UTC)) == 7200
    assert days.seconds_until_midnight(datetime(2025, 3, 1, 23, 59, 59, 1000, tzinfo=UTC)) == 1
    assert days.seconds_until_midnight(datetime(2025, 3, 1, 0, 0, tzinfo=UTC)) == 86400


def test_retry_after_is_at_least_one_second():
    assert days.seconds_until_midnight(datetime(2025, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)) == 1


def test_the_next_midnight_of_a_leap_day():
    assert days.next_midnight(datetime(2024, 2, 28, 12, tzinfo=UTC)) == datetime(2024, 2, 29, tzinfo=UTC)
