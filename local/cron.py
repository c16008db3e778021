"""Schedule expressions as EventBridge evaluates them: `rate(...)`, `cron(...)` (AWS's 6-field cron)
and `at(...)`, in a time zone, with EventBridge Scheduler's daylight-saving rules: a wall time
skipped when clocks spring forward does not fire, a wall time repeated when they fall back fires
once (its first occurrence).

AWS cron fields: minutes hours day-of-month month day-of-week year.
  * day-of-week is 1-7 = SUN-SAT (not Unix's 0-6), names SUN..SAT, JAN..DEC for months;
  * exactly one of day-of-month / day-of-week is `?`;
  * `L` (last day of month; in day-of-week `nL` = last n-day of the month), `W` (`15W` nearest
    weekday to the 15th, `LW` last weekday), `#` (`2#1` first Monday), `,` `-` `*` `/`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

MAX_YEAR = 2199
_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {k.upper(): v for k, v in _MONTHS.items()}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class ExpressionError(ValueError):
    """Not a valid schedule expression."""


def aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


# ---------------------------------------------------------------------------- rate / at


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_rate(expression: str, strict_plural: bool = False) -> timedelta:
    """`rate(5 minutes)` -> 5 min. `strict_plural` applies EventBridge rules' grammar (1 -> singular)."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ExpressionError(f"not a rate expression: {expression!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value <= 0:
        raise ExpressionError(f"rate must be positive: {expression!r}")
    if strict_plural and (value == 1) == unit.endswith("s"):
        raise ExpressionError(f"{expression!r}: use the singular unit for 1 and the plural otherwise")
    return timedelta(seconds=value * _UNITS[unit.rstrip("s")])


_AT = re.compile(r"^at\(\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\s*\)$")


def parse_at(expression: str) -> datetime:
    """`at(2025-01-01T09:00:00)` -> naive wall time (in the schedule's time zone)."""
    match = _AT.match(expression.strip())
    if not match:
        raise ExpressionError(f"not an at expression: {expression!r}")
    return datetime.fromisoformat(match.group(1))


def localize(wall: datetime, tz: tzinfo) -> datetime | None:
    """Wall time -> aware datetime; None if the wall time does not exist (spring forward);
    the first occurrence when it exists twice (fall back)."""
    aware = wall.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return aware


# ---------------------------------------------------------------------------- cron


@dataclass(frozen=True)
class _DaySpec:
    """One comma-separated item of day-of-month or day-of-week."""

    kind: str  # "set", "last", "last_weekday", "nearest_weekday", "last_dow", "nth_dow"
    values: frozenset[int] = frozenset()
    n: int = 0


class AwsCron:
    """An AWS cron expression; `next_after(moment, tz)` is the first fire strictly after it."""

    def __init__(self, expression: str):
        text = expression.strip()
        if text.startswith("cron(") and text.endswith(")"):
            text = text[5:-1]
        fields = text.split()
        if len(fields) != 6:
            raise ExpressionError(f"AWS cron needs 6 fields, got {len(fields)}: {expression!r}")
        self.expression = expression
        minutes, hours, dom, months, dow, years = fields
        self.minutes = sorted(_field(minutes, 0, 59, {}, "minutes"))
        self.hours = sorted(_field(hours, 0, 23, {}, "hours"))
        self.months = _field(months, 1, 12, _MONTHS, "month")
        self.years = _field(years, 1970, MAX_YEAR, {}, "year")
        if (dom == "?") == (dow == "?"):
            raise ExpressionError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
        self.dom = None if dom == "?" else [_dom_item(item, expression) for item in dom.split(",")]
        self.dow = None if dow == "?" else [_dow_item(item, expression) for item in dow.split(",")]

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.dom is not None:
            return any(_dom_matches(spec, day) for spec in self.dom)
        assert self.dow is not None
        return any(_dow_matches(spec, day) for spec in self.dow)

    def next_after(self, moment: datetime, tz: tzinfo | None = None) -> datetime | None:
        """First fire time strictly after `moment` (aware), evaluated in `tz` (default UTC)."""
        tz = tz or ZoneInfo("UTC")
        local = moment.astimezone(tz)
        day = local.date()
        while day.year <= MAX_YEAR:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
                continue
            if self.matches_day(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        fire = localize(datetime.combine(day, time(hour, minute)), tz)
                        if fire is not None and fire > moment:
                            return fire
            day += timedelta(days=1)
        return None


def _number(token: str, names: dict[str, int], what: str) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ExpressionError(f"bad {what} value {token!r}")
    return int(token)


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        step = 1
        stepped = "/" in item
        if stepped:
            item, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ExpressionError(f"bad step in {what}: {step_text!r}")
            step = int(step_text)
        if item == "*":
            start, end = low, high
        elif "-" in item:
            a, b = item.split("-", 1)
            start, end = _number(a, names, what), _number(b, names, what)
        else:
            start = _number(item, names, what)
            end = high if stepped else start
        if not (low <= start <= high and low <= end <= high):
            raise ExpressionError(f"{what} out of range {low}-{high}: {item!r}")
        if end >= start:
            values.update(range(start, end + 1, step))
        else:  # wrapping range, e.g. FRI-MON
            span = list(range(start, high + 1)) + list(range(low, end + 1))
            values.update(span[::step])
    return frozenset(values)


def _dom_item(item: str, expression: str) -> _DaySpec:
    upper = item.upper()
    if upper == "L":
        return _DaySpec("last")
    if upper == "LW":
        return _DaySpec("last_weekday")
    if upper.endswith("W"):
        day = _number(upper[:-1], {}, "day-of-month")
        if not 1 <= day <= 31:
            raise ExpressionError(f"{expression!r}: bad day {item!r}")
        return _DaySpec("nearest_weekday", n=day)
    return _DaySpec("set", _field(item, 1, 31, {}, "day-of-month"))


def _dow_item(item: str, expression: str) -> _DaySpec:
    upper = item.upper()
    if upper == "L":
        return _DaySpec("set", frozenset({7}))
    if upper.endswith("L"):
        return _DaySpec("last_dow", n=_number(upper[:-1], _DAYS, "day-of-week"))
    if "#" in upper:
        weekday, nth = upper.split("#", 1)
        n = _number(nth, {}, "day-of-week #")
        if not 1 <= n <= 5:
            raise ExpressionError(f"{expression!r}: bad '#' in {item!r}")
        return _DaySpec("nth_dow", frozenset({_number(weekday, _DAYS, "day-of-week")}), n)
    return _DaySpec("set", _field(item, 1, 7, _DAYS, "day-of-week"))


def _dom_matches(spec: _DaySpec, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if spec.kind == "set":
        return day.day in spec.values
    if spec.kind == "last":
        return day.day == last
    if spec.kind == "last_weekday":
        target = date(day.year, day.month, last)
        while target.weekday() >= 5:
            target -= timedelta(days=1)
        return day == target
    # nearest weekday to spec.n, never leaving the month
    n = min(spec.n, last)
    target = date(day.year, day.month, n)
    if target.weekday() == 5:  # Saturday -> Friday, or Monday if the 1st
        target = target - timedelta(days=1) if n > 1 else target + timedelta(days=2)
    elif target.weekday() == 6:  # Sunday -> Monday, or Friday if the last day
        target = target + timedelta(days=1) if n < last else target - timedelta(days=2)
    return day == target


def _dow_matches(spec: _DaySpec, day: date) -> bool:
    weekday = aws_weekday(day)
    if spec.kind == "set":
        return weekday in spec.values
    if spec.kind == "last_dow":
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday == spec.n and day.day + 7 > last
    # nth_dow
    return weekday in spec.values and (day.day - 1) // 7 + 1 == spec.n


# ---------------------------------------------------------------------------- any expression


@dataclass(frozen=True)
class ScheduleExpression:
    """A parsed rate/cron/at expression; `next_fire(after, tz, anchor)` gives the next slot."""

    text: str
    kind: str  # "rate" | "cron" | "at"
    period: timedelta | None = None
    cron: AwsCron | None = None
    at: datetime | None = None

    @classmethod
    def parse(cls, text: str, strict_plural: bool = False) -> ScheduleExpression:
        stripped = text.strip()
        if stripped.startswith("rate("):
            return cls(stripped, "rate", period=parse_rate(stripped, strict_plural))
        if stripped.startswith("cron("):
            return cls(stripped, "cron", cron=AwsCron(stripped))
        if stripped.startswith("at("):
            return cls(stripped, "at", at=parse_at(stripped))
        raise ExpressionError(f"not a schedule expression: {text!r}")

    def next_fire(
        self, after: datetime, tz: tzinfo, anchor: datetime, first_at_anchor: bool
    ) -> datetime | None:
        """First slot strictly after `after`. Rate slots are anchor + k * period (k >= 0 when
        `first_at_anchor`, as Scheduler does without a StartDate; k >= 1 for EventBridge rules)."""
        if self.kind == "at":
            assert self.at is not None
            fire = localize(self.at, tz)
            if fire is None:  # a skipped wall time: the next existing minute
                fire = localize(self.at + timedelta(hours=1), tz)
            return fire if fire is not None and fire > after else None
        if self.kind == "cron":
            assert self.cron is not None
            return self.cron.next_after(after, tz)
        assert self.period is not None
        first = anchor if first_at_anchor else anchor + self.period
        if after < first:
            return first
        k = (after - first) // self.period + 1
        return first + k * self.period
