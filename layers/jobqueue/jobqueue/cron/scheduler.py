"""Recurring jobs on EventBridge Scheduler: what the service accepts, and the conversion of the
Unix dialect (`jobqueue.cron.dialect`) to Scheduler `cron(...)` expressions.

EventBridge Scheduler (evaluating the same expression in the same zone) skips non-existent
times and fires an ambiguous time once. `scheduler_may_miss` names exactly those slots; the
dispatcher adds a one-shot "catch-up" schedule for each, so both sides fire the same slots and
the deterministic run id absorbs any overlap. See docs/scheduling.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

from jobqueue.cron.dialect import invalid, parse_cron, zone_of

MAX_AWS_EXPRESSION_LENGTH = 256  # ScheduleExpression limit of EventBridge Scheduler


def validate_cron(expression: object) -> str:
    """Validate a cron expression of `jobqueue.cron.dialect` that the Scheduler can hold, and
    return it normalized (macros expanded, single spaces). Store the returned form: it is what
    croniter evaluates later.

    Raises:
        ValidationFailed: details `{"cron": "<what is wrong>"}`.
    """
    if not isinstance(expression, str):
        raise invalid("must be a string of 5 fields: minute hour day-of-month month day-of-week")
    spec = parse_cron(expression)
    to_aws_cron(spec.expression)  # refuses what the Scheduler could not hold
    return spec.expression


def scheduler_may_miss(expression: str, timezone: str | None, slot: datetime) -> bool:
    """Whether EventBridge Scheduler may not fire this croniter slot by itself.

    True for a slot croniter moved out of a DST gap (its wall-clock time is not one the
    expression names) and for a slot whose wall-clock time occurs twice (the Scheduler fires an
    ambiguous time once, and does not document which instant).
    """
    spec = parse_cron(expression)
    zone = zone_of(timezone)
    wall = slot.astimezone(zone).replace(tzinfo=None)
    ambiguous = wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()
    return ambiguous or not spec.matches(wall)


def to_aws_cron(expression: str) -> list[str]:
    """The EventBridge Scheduler expressions that together fire at exactly the croniter times.

    AWS cron has 6 fields (minute hour day-of-month month day-of-week year), day-of-week 1-7
    with SUN=1, no `/` in day-of-week, and exactly one of the two day fields must be `?`. A
    Unix OR of both day fields therefore becomes two expressions, one per day field; a slot
    named by both fires twice and the dispatcher's deterministic run id keeps one.
    Fields are written from croniter's expansion (so they mean what croniter means), as
    ranges, `start/step` or lists.

    Raises:
        ValidationFailed: invalid expression, or one too long for the Scheduler (256 chars).
    """
    spec = parse_cron(expression)
    minute = _aws_values(spec.minutes, 59)
    hour = _aws_values(spec.hours, 23)
    month = _aws_values(spec.months, 12)
    day = _aws_values(spec.days, 31)
    weekday = "*" if spec.weekdays is None else _aws_values({d + 1 for d in spec.weekdays}, 7, steps=False)
    if spec.day_or:
        day_pairs = [(day, "?"), ("?", weekday)]
    elif spec.weekdays is not None:
        day_pairs = [("?", weekday)]
    else:
        day_pairs = [(day, "?")]
    result = [f"cron({minute} {hour} {d} {month} {w} *)" for d, w in day_pairs]
    for text in result:
        if len(text) > MAX_AWS_EXPRESSION_LENGTH:
            raise invalid(
                f"too complex for EventBridge Scheduler ({len(text)} > {MAX_AWS_EXPRESSION_LENGTH} characters)"
            )
    return result


def _aws_values(values: Iterable[int] | None, high: int, steps: bool = True) -> str:
    if values is None:
        return "*"
    ordered = sorted(values)
    if steps and len(ordered) >= 3:
        step = ordered[1] - ordered[0]
        progression = all(b - a == step for a, b in pairwise(ordered))
        if step > 1 and progression and ordered[-1] + step > high:
            return f"{ordered[0]}/{step}"
    parts: list[str] = []
    run = [ordered[0]]
    for value in ordered[1:]:
        if value == run[-1] + 1:
            run.append(value)
            continue
        parts.append(_run(run))
        run = [value]
    parts.append(_run(run))
    return ",".join(parts)


def _run(run: list[int]) -> str:
    return f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run))
