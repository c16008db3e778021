"""An independent evaluator of AWS cron expressions for the tests: pyawscron (UTC only), plus
the EventBridge Scheduler's documented DST rules for evaluating in a time zone.

pyawscron 1.0.7 raises ValueError ("day is out of range for month") when a listed day of month
does not exist in the month it looks at (31 in April, 29 in a February of a common year). That
month provably holds no further occurrence (pyawscron took the first listed day not before the
current one, so every later listed day is missing too), so `next_fires` restarts the search at
the next month: the crash is worked around without changing what the evaluator computes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pyawscron import AWSCron


def _next(cron: AWSCron, after: datetime) -> datetime | None:
    for _ in range(120):
        try:
            return cron.occurrence(after).next()
        except ValueError as error:
            if "day is out of range" not in str(error):
                raise
            searched_from = after + timedelta(minutes=1)
            month_start = searched_from.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            first_of_next = (month_start + timedelta(days=32)).replace(day=1)
            after = first_of_next - timedelta(minutes=1)
    raise AssertionError("pyawscron found nothing in ten years")


def next_fires(expressions: list[str], after: datetime, n: int) -> list[datetime]:
    """The next n fire times (UTC) of the union of AWS `cron(...)` expressions, deduplicated."""
    fires: set[datetime] = set()
    for expression in expressions:
        cron = AWSCron(expression.removeprefix("cron(").removesuffix(")"))
        moment = after.astimezone(UTC)
        for _ in range(n):
            found = _next(cron, moment)
            if found is None:
                break
            fires.add(found)
            moment = found
    return sorted(fires)[:n]


def fires_between(expressions: list[str], start: datetime, end: datetime) -> list[datetime]:
    """All fire times in (start, end] of the union of expressions (naive or UTC datetimes)."""
    fires: set[datetime] = set()
    for expression in expressions:
        cron = AWSCron(expression.removeprefix("cron(").removesuffix(")"))
        moment = start.replace(tzinfo=UTC)
        while True:
            found = _next(cron, moment)
            if found is None or found > end.replace(tzinfo=UTC):
                break
            fires.add(found)
            moment = found
    return sorted(fires)


def scheduler_fires_in_zone(
    expressions: list[str], zone_name: str, start: datetime, end: datetime, ambiguous_fold: int = 0
) -> list[datetime]:
    """What EventBridge Scheduler fires in (start, end] (UTC) for expressions evaluated in a zone.

    The expressions are evaluated on the zone's wall clock (naive local times), then mapped to
    UTC by the Scheduler's documented DST rules: a local time that does not exist (spring
    forward) is skipped; a local time that exists twice (fall back) fires once. Which of the two
    instants is not documented, hence `ambiguous_fold` (0 = the first, 1 = the second).
    """
    zone = ZoneInfo(zone_name)
    wall_start = start.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)
    wall_end = end.astimezone(zone).replace(tzinfo=None) + timedelta(hours=3)
    fires = []
    for wall in fires_between(expressions, wall_start, wall_end):
        local = wall.replace(tzinfo=None)
        first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
            continue  # does not exist: skipped
        chosen = second if (first.utcoffset() != second.utcoffset() and ambiguous_fold) else first
        moment = chosen.astimezone(UTC)
        if start < moment <= end:
            fires.append(moment)
    return sorted(fires)
