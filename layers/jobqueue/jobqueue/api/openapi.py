"""Response shapes for the OpenAPI document (the routes answer plain dicts of these shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


class HandlerInfo(BaseModel):
    name: str
    category: str
    description: str
    job_types: list[str]
    default_timeout_seconds: int
    run_alone: bool = False
    payload_schema: dict[str, Any]


class HandlerList(BaseModel):
    handlers: list[HandlerInfo]


class UsageWindow(BaseModel):
    start: str
    end: str
    total: int
    finished: int
    success_rate: float | None
    failure_rate: float | None
    avg_execution_ms: float | None
    by_type: dict[str, int]
    by_status: dict[str, int]
    retried: int
    truncated: bool


class Usage(BaseModel):
    tenant_id: str
    tier: int
    queued: int
    running: int
    daily_count: int
    day: str
    limits: dict[str, Any]
    warnings: list[str]
    window: UsageWindow | None = None


class Liveness(BaseModel):
    status: str


class IssuedKey(BaseModel):
    tenant_id: str
    key_id: str
    api_key: str = Field(description="shown once; only its SHA-256 is kept")


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer."""

    error: ErrorDetail


class GatewayMessage(BaseModel):
    """API Gateway's own answers (its 401 for a missing or bad key, its 404 for a path it does
    not route): not our error shape, and not customisable on an HTTP API."""

    message: str


_ERRORS = {
    400: "the body is not UTF-8 JSON (or too deeply nested), or a malformed cursor",
    403: "wrong role (admin key on a tenant route or the reverse), a job category the tenant may not use",
    404: "no such job, alert or tenant for this caller",
    409: "illegal state change, or an Idempotency-Key reused with another body",
    413: "payload over the tenant's byte limit",
    415: "a body that is not application/json",
    422: "validation error; details name the fields",
    429: "a tenant limit (max_queued_jobs, max_daily_jobs with Retry-After)",
    503: "a dependency (EventBridge Scheduler) refused: nothing was accepted, retry",
}


def _job_link(path: str, method: str) -> dict[str, Any]:
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "parameters": {"job_id": "$response.body#/id"}}


# What a submitted job's id leads to (OpenAPI links: stateful fuzzing follows them).
JOB_LINKS = {
    "GetJob": _job_link("/v1/jobs/{job_id}", "get"),
    "CancelJob": _job_link("/v1/jobs/{job_id}/cancel", "post"),
    "RetryJob": _job_link("/v1/jobs/{job_id}/retry", "post"),
    "PauseOrResumeJob": _job_link("/v1/jobs/{job_id}", "patch"),
    "JobEvents": {
        "operationRef": "#/paths/~1v1~1events/get",
        "parameters": {"query.job_id": "$response.body#/id"},
    },
}

UNAUTHORIZED = {
    "description": "no key, or a bad or revoked one: API Gateway's authorizer answer",
    "content": {"application/json": {"model": GatewayMessage}},
}


def responses(
    status: int,
    description: str,
    model: type[BaseModel] | None,
    *errors: int,
    body: bool = False,
    authorized: bool = True,
    links: dict[str, Any] | None = None,
) -> dict[int, Any]:
    """The `responses=` of a route: its success, the error statuses it names, and those every
    route can answer (400 and 422 for any request; 401 and 403 behind the authorizer; 415 for
    routes that read a JSON body)."""
    ok: dict[str, Any] = {"description": description}
    if model is not None:
        ok["content"] = {"application/json": {"model": model}}
    if links:
        ok["links"] = links
    documented: dict[int, Any] = {status: ok}
    common = [400, 422, *([403] if authorized else []), *([415] if body else [])]
    for code in sorted({*errors, *common}):
        documented[code] = {
            "description": _ERRORS[code],
            "content": {"application/json": {"model": ErrorBody}},
        }
    if authorized:
        documented[401] = UNAUTHORIZED
    return dict(sorted(documented.items()))
