"""Request bodies of the job routes: a submission, a batch of them, and a job patch.

Rules that involve several fields raise a `PydanticCustomError` whose context names the fields
(`ctx["fields"]`), so the API's 422 answer names them too.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jobqueue.models.job import Priority, RetryPolicy
from jobqueue.urls import check_post_url

MAX_BATCH = 100
MAX_DEPENDENCIES = 20
MAX_DELAY_SECONDS = 365 * 24 * 3600  # beyond SQS's 900 s an EventBridge Scheduler one-shot waits
MAX_METADATA_BYTES = 2048

JobId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$")]
_WHEN_FIELDS = ("delay_seconds", "run_at", "cron")
_CRON_ONLY_FIELDS = ("timezone", "max_runs", "end_at")


class JobSubmission(BaseModel):
    """`POST /v1/jobs`: what to run, when, and how to retry it."""

    model_config = ConfigDict(extra="forbid")

    handler: str = Field(min_length=1, max_length=100, description="a registered handler name")
    payload: dict[str, Any] = Field(default_factory=dict, description="validated by the handler's model")
    priority: Priority | None = Field(default=None, description="default: the tenant's default priority")
    delay_seconds: int | None = Field(default=None, ge=0, le=MAX_DELAY_SECONDS)
    run_at: AwareDatetime | None = Field(
        default=None, description="RFC 3339 time (with offset) of a one-shot run, at most 1 year ahead"
    )
    cron: str | None = Field(default=None, max_length=120, description="5-field Unix cron")
    timezone: str | None = Field(default=None, max_length=64, description="IANA zone of `cron`")
    max_runs: int | None = Field(default=None, ge=1, le=1_000_000)
    end_at: AwareDatetime | None = Field(default=None, description="no cron run after this time")
    max_retries: int = Field(default=3, ge=0, le=25)
    retry: RetryPolicy | None = None
    timeout_seconds: int | None = Field(default=None, ge=1, le=900)
    depends_on: list[JobId] = Field(default_factory=list, max_length=MAX_DEPENDENCIES)
    callback_url: str | None = Field(default=None, max_length=2048, description="https only")
    metadata: dict[str, Any] = Field(default_factory=dict, description=f"≤ {MAX_METADATA_BYTES} bytes")

    @field_validator("callback_url")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_post_url(value)
            except ValueError as error:
                raise PydanticCustomError("https_url", str(error)) from None
        return value

    @field_validator("metadata")
    @classmethod
    def _small_metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, separators=(",", ":"))) > MAX_METADATA_BYTES:
            raise PydanticCustomError("too_large", f"must be at most {MAX_METADATA_BYTES} bytes of JSON")
        return value

    @field_validator("retry")
    @classmethod
    def _cap_not_below_base(cls, value: RetryPolicy | None) -> RetryPolicy | None:
        if value is not None and value.max_seconds < value.base_seconds:
            raise PydanticCustomError(
                "retry_cap",
                "max_seconds must be at least base_seconds ({base})",
                {"base": value.base_seconds},
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise PydanticCustomError("timezone", "unknown time zone {zone}", {"zone": value}) from None
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> JobSubmission:
        given = [name for name in _WHEN_FIELDS if getattr(self, name) is not None]
        if len(given) > 1:
            raise PydanticCustomError(
                "conflicting_fields",
                "use at most one of delay_seconds, run_at, cron",
                {"fields": given},
            )
        stray = [name for name in _CRON_ONLY_FIELDS if getattr(self, name) is not None]
        if stray and self.cron is None:
            raise PydanticCustomError("requires_cron", "only allowed with cron", {"fields": stray})
        return self


class BatchSubmission(BaseModel):
    """`POST /v1/jobs/batch`: up to 100 submissions, accepted or refused together."""

    model_config = ConfigDict(extra="forbid")

    jobs: list[JobSubmission] = Field(min_length=1, max_length=MAX_BATCH)


class JobPatch(BaseModel):
    """`PATCH /v1/jobs/{id}`: pause or resume a recurring job."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool
