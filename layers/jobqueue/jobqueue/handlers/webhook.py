"""The `webhook` handler (category notification): POSTs JSON to an https URL, signed with
HMAC-SHA256, through the `WebPoster` port (which refuses non-public addresses)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobqueue.errors import HandlerError, NonRetryableError
from jobqueue.models.job import Category
from jobqueue.ports import WebPoster
from jobqueue.registry import HandlerSpec, JobContext, handler, spec_of
from jobqueue.settings import get_settings
from jobqueue.urls import check_post_url

SIGNATURE_HEADER = "X-Jobqueue-Signature"
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "content-type", "transfer-encoding", "connection", SIGNATURE_HEADER.lower()}
)


class WebhookPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048, description="https URL to POST to")
    body: Any = Field(default_factory=dict, description="JSON sent as the request body")
    headers: dict[str, str] = Field(default_factory=dict, max_length=20)
    secret: str | None = Field(
        default=None, min_length=16, max_length=256, description="HMAC key (default: WEBHOOK_SIGNING_SECRET)"
    )
    timeout_seconds: float = Field(default=10, gt=0, le=60, description="capped by the job's timeout")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        return check_post_url(value)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by the service")
            if any(c in name + text for c in "\r\n") or not name.isascii():
                raise ValueError(f"header {name!r} is not valid")
        return value


def sign(body: bytes, secret: str) -> str:
    """The signature header value: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def classify(status: int) -> HandlerError | None:
    """None for 2xx; a retryable error for 408, 429 and 5xx; a permanent one otherwise."""
    if 200 <= status < 300:
        return None
    if status in (408, 429) or status >= 500:
        return HandlerError(f"webhook answered {status}")
    return NonRetryableError(f"webhook answered {status}")


def post_signed(
    poster: WebPoster,
    url: str,
    data: Any,
    secret: str,
    ctx: JobContext,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST `data` as JSON, signed (`X-Jobqueue-Signature`) and naming the job and attempt;
    raises for an answer that is not 2xx (retryable or not, by `classify`)."""
    body = json.dumps(data, separators=(",", ":")).encode()
    sent = {
        **(headers or {}),
        "Content-Type": "application/json",
        "User-Agent": "jobqueue-webhook/1",
        SIGNATURE_HEADER: sign(body, secret),
        "X-Jobqueue-Job-Id": ctx.job.id,
        "X-Jobqueue-Attempt": str(ctx.attempt),
    }
    status, answer = poster.post(url, body, sent, timeout)
    problem = classify(status)
    if problem is not None:
        raise problem
    return {"status_code": status, "response": answer[:1024].decode("utf-8", "replace")}


def webhook_handler(poster: WebPoster) -> HandlerSpec:
    """The `webhook` handler, posting through `poster`."""

    @handler(
        "webhook",
        Category.NOTIFICATION,
        WebhookPayload,
        timeout_seconds=30,
        description="POSTs JSON to an https URL, signed with HMAC-SHA256.",
    )
    def webhook(payload: WebhookPayload, ctx: JobContext) -> dict[str, Any]:
        """POSTs `body` as JSON to `url` with an `X-Jobqueue-Signature: sha256=<hmac>` header."""
        secret = payload.secret or get_settings().webhook_signing_secret
        if not secret:
            raise NonRetryableError("no signing secret: give `secret` or configure WEBHOOK_SIGNING_SECRET")
        timeout = max(0.5, min(payload.timeout_seconds, ctx.timeout_seconds))
        return post_signed(poster, payload.url, payload.body, secret, ctx, timeout, payload.headers)

    return spec_of(webhook)
