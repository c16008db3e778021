"""Property tests of the Unix -> AWS cron conversion against an independent AWS cron evaluator
(pyawscron): over hundreds of generated expressions (steps, ranges, lists, names, 7 = Sunday,
both day fields restricted), croniter's next 50 fire times equal the merged next 50 of the
converted expression(s). In a DST zone, the Scheduler's fires plus the dispatcher's catch-ups
equal croniter's fires, whichever instant of an ambiguous time the Scheduler picks."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobqueue.cron.dialect import MONTH_NAMES, WEEKDAY_NAMES, next_runs
from jobqueue.cron.scheduler import scheduler_may_miss, to_aws_cron, validate_cron
from jobqueue.errors import ValidationFailed
from tests.unit.scheduling.aws_oracle import next_fires, scheduler_fires_in_zone

FIELDS = {  # name: (low, high, size, names)
    "minute": (0, 59, 60, None),
    "hour": (0, 23, 24, None),
    "day": (1, 31, 31, None),
    "month": (1, 12, 12, MONTH_NAMES),
    "weekday": (0, 7, 7, WEEKDAY_NAMES),
}
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def value(draw, field: str, low: int | None = None) -> tuple[int, str]:
    start, high, _, names = FIELDS[field]
    number = draw(st.integers(min_value=start if low is None else low, max_value=high))
    if names:
        by_number = {v: k for k, v in names.items()}
        if number in by_number and draw(st.booleans()):
            return number, by_number[number].lower() if draw(st.booleans()) else by_number[number]
    return number, str(number)


@st.composite
def token(draw, field: str) -> str:
    _, high, size, _ = FIELDS[field]
    kind = draw(st.sampled_from(["value", "range", "range_step", "star_step", "start_step"]))
    step = draw(st.integers(min_value=1, max_value=size))
    if kind == "star_step":
        return f"*/{step}"
    first, first_text = draw(value(field))
    if kind == "value" or first >= high:
        return first_text
    if kind == "start_step":
        return f"{first_text}/{step}"
    _, last_text = draw(value(field, low=first + 1))
    return f"{first_text}-{last_text}" + (f"/{step}" if kind == "range_step" else "")


@st.composite
def field_text(draw, field: str, star_weight: int) -> str:
    if draw(st.integers(min_value=0, max_value=9)) < star_weight:
        return "*"
    return ",".join(draw(st.lists(token(field), min_size=1, max_size=3)))


@st.composite
def expressions(draw, dense_minutes: bool = True) -> str:
    minute = field_text("minute", 2) if dense_minutes else st.sampled_from(["0", "30", "15,45", "*/20"])
    parts = [
        draw(minute),
        draw(field_text("hour", 3)),
        draw(field_text("day", 4)),
        draw(field_text("month", 5)),
        draw(field_text("weekday", 4)),
    ]
    text = " ".join(parts)
    try:
        return validate_cron(text)
    except ValidationFailed:  # a generated expression that never fires: use a plain one
        return " ".join([parts[0], parts[1], "*", "*", parts[4]])


starts = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@PROPERTY
@given(expression=expressions(), start=starts)
def test_the_aws_expressions_fire_exactly_when_croniter_fires(expression, start):
    croniter_fires = next_runs(expression, "UTC", start, 50)

    aws_fires = next_fires(to_aws_cron(expression), start, 50)

    assert aws_fires == croniter_fires, (expression, to_aws_cron(expression))


@PROPERTY
@given(expression=expressions(), start=starts)
def test_every_aws_expression_has_six_fields_and_one_question_mark(expression, start):
    for aws in to_aws_cron(expression):
        fields = aws.removeprefix("cron(").removesuffix(")").split(" ")
        assert len(fields) == 6 and [fields[2], fields[4]].count("?") == 1 and fields[5] == "*"


TRANSITIONS = [  # (zone, an instant of a DST change)
    ("Europe/Berlin", datetime(2025, 3, 30, 1, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2025, 10, 26, 1, tzinfo=UTC)),
    ("America/New_York", datetime(2025, 3, 9, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2025, 11, 2, 6, tzinfo=UTC)),
]


def croniter_fires_between(expression: str, zone: str, start: datetime, end: datetime) -> list[datetime]:
    fires, moment = [], start
    while True:
        (moment,) = next_runs(expression, zone, moment, 1)
        if moment > end:
            return fires
        fires.append(moment)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    expression=expressions(dense_minutes=False),
    transition=st.sampled_from(TRANSITIONS),
    fold=st.sampled_from([0, 1]),
)
def test_scheduler_fires_plus_catch_ups_equal_croniter_across_a_dst_change(expression, transition, fold):
    zone, instant = transition
    start, end = instant - timedelta(hours=30), instant + timedelta(hours=30)
    croniter_fires = croniter_fires_between(expression, zone, start, end)

    scheduler = scheduler_fires_in_zone(to_aws_cron(expression), zone, start, end, ambiguous_fold=fold)
    catch_ups = [slot for slot in croniter_fires if scheduler_may_miss(expression, zone, slot)]

    assert set(scheduler) <= set(croniter_fires), expression
    assert sorted(set(scheduler) | set(catch_ups)) == croniter_fires, expression
