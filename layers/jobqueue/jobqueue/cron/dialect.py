"""The cron dialect of recurring jobs: parsing, time zones and next fire times.

Validation for the service (this dialect AND what EventBridge Scheduler can hold) and the
conversion to Scheduler `cron(...)` expressions are in `jobqueue.cron.scheduler`.

Dialect: 5-field Unix cron, evaluated by croniter in the job's IANA time zone.

    minute  hour  day-of-month  month            day-of-week
    0-59    0-23  1-31          1-12 or JAN-DEC  0-7 or SUN-SAT (0 and 7 are Sunday)

- Each field is a comma-separated list of `*`, `v`, `a-b`, `*/n`, `a-b/n` or `v/n`
  (`v/n` = from v to the end of the field, every n). Names are case-insensitive.
- Ranges go from low to high. `5-5` is refused (croniter reads an equal range as the whole
  field; write `5`), and so is a wrapping range such as `NOV-FEB` (write `NOV,DEC,JAN,FEB`).
  A day-of-week range may end at Sunday: `FRI-SUN` and `5-7` are Friday to Sunday.
- A step is 1 to the size of its field (`*/0` and `*/61` are refused).
- Macros: `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`
  (expanded to their 5-field form).
- Refused: 6 or 7 fields (seconds, years), `@reboot`, `?`, `L`, `W`, `#`, `H`, and expressions
  that never match a date (`0 0 30 2 *`).

Day matching follows croniter, which computes `next_run_at`: when BOTH day-of-month and
day-of-week are restricted, a day matches if EITHER matches (the Unix OR); otherwise the
restricted one decides. A day field is unrestricted only when croniter expands it to `*`: a
literal `*`, or a list covering the whole field while the other day field contains a `*`. So
`*/2` IS restricted: `0 0 */2 * MON` fires on odd days of the month and on Mondays (Vixie cron
would AND the two because the field starts with `*`; croniter does not, and neither do we).

Time zones and daylight saving time (croniter's behaviour, which `next_runs` returns):
- A local time that does not exist (spring forward) moves to the first existing minute after
  the gap when the hour is fixed: `30 2 * * *` in Europe/Berlin fires at 03:00 CEST on the
  last Sunday of March. With `*` in the hour field the missing times are simply skipped.
- A local time that exists twice (fall back) fires at both instants: `30 1 * * *` in
  America/New_York fires at 01:30 EDT and at 01:30 EST on the first Sunday of November.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter

from jobqueue.errors import ValidationFailed

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTH_NAMES = {
    name: i + 1
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
WEEKDAY_NAMES = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None

    @property
    def size(self) -> int:
        return 7 if self.names is WEEKDAY_NAMES else self.high - self.low + 1


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTH_NAMES),
    _Field("day-of-week", 0, 7, WEEKDAY_NAMES),
)
_TOKEN = re.compile(
    r"^(?:(?P<star>\*)|(?P<start>[0-9A-Za-z]+)(?:-(?P<end>[0-9A-Za-z]+))?)(?:/(?P<step>\d+))?$"
)
_QUARTZ = re.compile(r"^(L|LW|L-\d+|\d+[LW]|[LW]\d+|\d+#\d+|H.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class CronSpec:
    """A validated expression and croniter's expansion of it (None = the whole field)."""

    expression: str
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 0 = Sunday

    @property
    def day_or(self) -> bool:
        """Both day fields restricted: a day matches when either matches."""
        return self.days is not None and self.weekdays is not None

    def matches(self, wall: datetime) -> bool:
        """Whether a wall-clock time (naive, in the job's zone) is one the expression names."""
        if not all(
            allowed is None or value in allowed
            for allowed, value in (
                (self.minutes, wall.minute),
                (self.hours, wall.hour),
                (self.months, wall.month),
            )
        ):
            return False
        day_ok = self.days is None or wall.day in self.days
        weekday_ok = self.weekdays is None or (wall.weekday() + 1) % 7 in self.weekdays
        return (day_ok or weekday_ok) if self.day_or else (day_ok and weekday_ok)


def invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"invalid cron expression: {message}", {"cron": message})


# -- parsing ----------------------------------------------------------------------------------
@lru_cache(maxsize=512)
def parse_cron(expression: str) -> CronSpec:
    """Validate and expand an expression (cached: the result is immutable).

    Raises:
        ValidationFailed: details `{"cron": "<what is wrong>"}`.
    """
    text = " ".join(expression.split())
    if not text:
        raise invalid("is empty; expected 5 fields: minute hour day-of-month month day-of-week")
    if text.startswith("@"):
        macro = text.lower()
        if macro == "@reboot":
            raise invalid("@reboot is not supported: a job has no machine to boot; use a schedule")
        if macro not in MACROS:
            raise invalid(f"unknown macro {text!r}; known: {', '.join(MACROS)}")
        text = MACROS[macro]
    fields = text.split(" ")
    if len(fields) != 5:
        hint = " (seconds and year fields are not supported)" if len(fields) in (6, 7) else ""
        raise invalid(
            f"has {len(fields)} fields{hint}; expected 5: minute hour day-of-month month day-of-week"
        )
    for field, value in zip(_FIELDS, fields, strict=True):
        _check_field(field, value)
    try:
        expanded = croniter.expand(text)[0]
    except CroniterError as error:  # pragma: no cover - the checks above are stricter
        raise invalid(str(error)) from error
    minutes, hours, days, months, weekdays = (_as_set(values) for values in expanded)
    spec = CronSpec(text, minutes, hours, days, months, weekdays)
    _check_some_date(spec)
    return spec


def _as_set(values: list) -> frozenset[int] | None:
    return None if values == ["*"] else frozenset(int(v) for v in values)


def _check_field(field: _Field, text: str) -> None:
    if "?" in text:
        raise invalid(f"{field.name}: '?' is AWS/Quartz syntax, not Unix cron; write '*'")
    for token in text.split(","):
        match = _TOKEN.match(token)
        if not match:
            if _QUARTZ.match(token) or "#" in token:
                raise invalid(
                    f"{field.name}: {token!r} is not supported (L, W, # and H are not part of this dialect)"
                )
            raise invalid(f"{field.name}: cannot read {token!r}")
        step = match["step"]
        if step is not None and not 1 <= int(step) <= field.size:
            raise invalid(f"{field.name}: step /{step} must be between 1 and {field.size}")
        if match["star"]:
            continue
        start = _value(field, match["start"], token)
        if match["end"] is None:
            continue
        end = _value(field, match["end"], token, range_end=True)
        if start == end:
            raise invalid(f"{field.name}: range {token!r} has equal ends; write {match['start']!r}")
        if start > end:
            raise invalid(
                f"{field.name}: range {token!r} goes backwards; list the values instead (e.g. NOV,DEC,JAN,FEB)"
            )


def _value(field: _Field, text: str, token: str, range_end: bool = False) -> int:
    if text.isdigit():
        value = int(text)
    elif field.names is not None and text.upper() in field.names:
        value = field.names[text.upper()]
        if range_end and field.names is WEEKDAY_NAMES and value == 0:
            value = 7  # FRI-SUN: Sunday closes the week
    elif _QUARTZ.match(text):
        raise invalid(
            f"{field.name}: {token!r} is not supported (L, W, # and H are not part of this dialect)"
        )
    elif field.names is not None:
        raise invalid(f"{field.name}: unknown name {text!r}; use {', '.join(field.names)}")
    else:
        raise invalid(f"{field.name}: {text!r} is not a number")
    if not field.low <= value <= field.high:
        raise invalid(f"{field.name}: {value} is out of range {field.low}-{field.high}")
    return value


def _check_some_date(spec: CronSpec) -> None:
    """Refuse day-of-month/month combinations that never occur (30 February)."""
    if spec.days is None or spec.weekdays is not None:
        return  # every day, or the day-of-week side can always match
    months = spec.months or range(1, 13)
    if not any(day <= _longest(month) for month in months for day in spec.days):
        raise invalid(
            f"never matches a date: day(s) {sorted(spec.days)} do not occur in month(s) {sorted(months)}"
        )


def _longest(month: int) -> int:
    return 29 if month == 2 else calendar.monthrange(2001, month)[1]


# -- time zones -------------------------------------------------------------------------------
def validate_timezone(name: object) -> str:
    """Validate an IANA time zone name (`Europe/Berlin`); None or "" means "UTC".

    Raises:
        ValidationFailed: details `{"timezone": "<what is wrong>"}`.
    """
    if name is None or name == "":
        return "UTC"
    if not isinstance(name, str):
        raise ValidationFailed("invalid timezone", {"timezone": "must be an IANA time zone name"})
    try:
        zone_of(name)
    except ValueError as error:
        message = f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or UTC"
        raise ValidationFailed(f"invalid timezone: {message}", {"timezone": message}) from error
    return name


@lru_cache(maxsize=128)
def zone_of(name: str | None) -> ZoneInfo:
    """The ZoneInfo of an IANA name (None = UTC). Raises ValueError for anything else."""
    name = name or "UTC"
    if name in _NOT_ZONES or name.startswith(("posix/", "right/")):
        raise ValueError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(name) from error


# -- fire times -------------------------------------------------------------------------------
def next_runs(expression: str, timezone: str | None, after: datetime, n: int = 1) -> list[datetime]:
    """The next `n` fire times strictly after `after`, evaluated by croniter in the job's zone
    (DST as described in the module docstring), returned in UTC. Fewer when none are left.

    Args:
        after: an aware datetime (a naive one is read as UTC).
    """
    spec = parse_cron(expression)
    zone = zone_of(timezone)
    start = (after if after.tzinfo else after.replace(tzinfo=UTC)).astimezone(zone)
    iterator = croniter(spec.expression, start, ret_type=datetime, day_or=True, implement_cron_bug=False)
    runs: list[datetime] = []
    for _ in range(n):
        try:
            moment = iterator.get_next(datetime)
        except CroniterBadDateError:
            break
        runs.append(moment.astimezone(UTC))
    return runs


def next_run(expression: str, timezone: str | None, after: datetime) -> datetime | None:
    """The next fire time after `after` in UTC, or None when the expression has no more."""
    runs = next_runs(expression, timezone, after, 1)
    return runs[0] if runs else None
