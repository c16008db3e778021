"""The closed sets of option values, as enums (Typer shows and checks them as choices)."""

from enum import StrEnum

from jobq.models import BUS_EVENTS, JOB_STATUSES, JOB_TYPES, PRIORITIES

Priority = StrEnum("Priority", {value: value for value in PRIORITIES})
Status = StrEnum("Status", {value: value for value in JOB_STATUSES})
JobType = StrEnum("JobType", {value: value for value in JOB_TYPES})
Interval = StrEnum("Interval", {value: value for value in ("PT1H", "PT6H", "P1D")})
BusEvents = StrEnum("BusEvents", {value: value for value in BUS_EVENTS})
AlertStatus = StrEnum("AlertStatus", {value: value for value in ("firing", "acknowledged", "resolved")})
