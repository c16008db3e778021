"""Response shapes for the OpenAPI document (the routes answer plain dicts of these shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from jobqueue.models.job import INTERNAL_FIELDS, Job


def _drop_internal(schema: dict[str, Any]) -> None:
    for name in INTERNAL_FIELDS:
        schema.get("properties", {}).pop(name, None)


class JobView(Job):
    """A job as the API answers it (`Job.public()`)."""

    model_config = ConfigDict(json_schema_extra=_drop_internal)


class JobList(BaseModel):
    jobs: list[JobView]
    next_cursor: str | None = None


class JobBatch(BaseModel):
    jobs: list[JobView]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer."""

    error: ErrorDetail


_ERRORS = {
    400: "malformed JSON or cursor",
    403: "wrong role, or a job category the tenant may not use",
    404: "no such job for this tenant",
    409: "illegal state change, or an Idempotency-Key reused with another body",
    413: "payload over the tenant's byte limit",
    422: "validation error; details name the fields",
}


def responses(status: int, description: str, model: type[BaseModel] | None, *errors: int) -> dict[int, Any]:
    """The `responses=` of a route: its success and the listed error statuses."""
    ok: dict[str, Any] = {"description": description}
    if model is not None:
        ok["content"] = {"application/json": {"model": model}}
    documented: dict[int, Any] = {status: ok}
    for code in (*errors, 422):
        documented[code] = {
            "description": _ERRORS[code],
            "content": {"application/json": {"model": ErrorBody}},
        }
    return documented
