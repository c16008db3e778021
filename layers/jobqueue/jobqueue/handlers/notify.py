"""Notification handlers (category notification): `email` (SES), `sms` (SNS), `webhook` (HTTPS POST).

Errors follow one rule: a request the provider refuses as such (bad address, rejected message,
4xx) is not retried; a transient failure (throttling, 5xx, timeout) is.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import re
import socket
import ssl
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobqueue import aws
from jobqueue.errors import HandlerError, NonRetryableError
from jobqueue.models.job import Category
from jobqueue.registry import JobContext, registry
from jobqueue.settings import get_settings

_EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"
_E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"

# Provider error codes that mean "this request will never succeed".
_SES_PERMANENT = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "ConfigurationSetDoesNotExistException",
        "InvalidParameterValue",
        "ValidationError",
        "AccessDenied",
        "AccessDeniedException",
    }
)
_SNS_PERMANENT = frozenset(
    {"InvalidParameter", "InvalidParameterValue", "ValidationError", "AuthorizationError", "OptedOut"}
)


def _provider_error(error: Exception, permanent: frozenset[str], what: str) -> HandlerError:
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    message = f"{what} failed: {code or type(error).__name__}: {str(error)[:300]}"
    return NonRetryableError(message) if code in permanent else HandlerError(message)


# -- email ---------------------------------------------------------------------------------------
class EmailPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: list[str] = Field(min_length=1, max_length=50, description="recipient addresses")
    subject: str = Field(min_length=1, max_length=998)
    body: str | None = Field(default=None, max_length=200_000, description="text body")
    html: str | None = Field(default=None, max_length=200_000, description="HTML body")
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=320,
        description="sender; must be on the domain of the configured sender (EMAIL_FROM)",
    )

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [address for address in value if not re.match(_EMAIL_PATTERN, address)]
        if bad:
            raise ValueError(f"not an e-mail address: {bad[0]!r}")
        return value

    @model_validator(mode="after")
    def _some_body(self) -> EmailPayload:
        if not self.body and not self.html:
            raise ValueError("give a text `body`, an `html` body, or both")
        return self


def sender_for(requested: str | None, configured: str) -> str:
    """The From address: the configured sender, or a requested one on the same domain.

    Raises:
        NonRetryableError: no sender configured, or a requested sender on another domain (a
            tenant must not send as another tenant's verified identity).
    """
    if not configured:
        raise NonRetryableError("no e-mail sender configured (EMAIL_FROM)")
    if not requested:
        return configured
    domain = parseaddr(configured)[1].rpartition("@")[2].lower()
    wanted = parseaddr(requested)[1]
    if not wanted or wanted.rpartition("@")[2].lower() != domain:
        raise NonRetryableError(f"sender must be an address of {domain}")
    return requested


@registry.register(
    "email",
    Category.NOTIFICATION,
    EmailPayload,
    default_timeout_seconds=30,
    description="Sends an e-mail (SES).",
)
def email(payload: EmailPayload, ctx: JobContext) -> dict[str, Any]:
    """Sends an e-mail through Amazon SES."""
    source = sender_for(payload.from_, get_settings().email_from)
    body: dict[str, Any] = {}
    if payload.body:
        body["Text"] = {"Data": payload.body, "Charset": "UTF-8"}
    if payload.html:
        body["Html"] = {"Data": payload.html, "Charset": "UTF-8"}
    try:
        response = aws.client("ses").send_email(
            Source=source,
            Destination={"ToAddresses": payload.to},
            Message={"Subject": {"Data": payload.subject, "Charset": "UTF-8"}, "Body": body},
        )
    except (ClientError, BotoCoreError) as error:
        raise _provider_error(error, _SES_PERMANENT, "SES SendEmail") from error
    return {"message_id": response["MessageId"], "recipients": len(payload.to)}


# -- sms -----------------------------------------------------------------------------------------
class SmsPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number: str = Field(pattern=_E164_PATTERN, description="E.164, e.g. +14155550100")
    message: str = Field(min_length=1, max_length=1600)
    sms_type: str = Field(default="Transactional", pattern="^(Transactional|Promotional)$")


@registry.register(
    "sms", Category.NOTIFICATION, SmsPayload, default_timeout_seconds=30, description="Sends an SMS (SNS)."
)
def sms(payload: SmsPayload, ctx: JobContext) -> dict[str, Any]:
    """Sends a text message through Amazon SNS."""
    try:
        response = aws.client("sns").publish(
            PhoneNumber=payload.phone_number,
            Message=payload.message,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": payload.sms_type},
            },
        )
    except (ClientError, BotoCoreError) as error:
        raise _provider_error(error, _SNS_PERMANENT, "SNS Publish") from error
    return {"message_id": response["MessageId"]}


# -- webhook -------------------------------------------------------------------------------------
SIGNATURE_HEADER = "X-Jobqueue-Signature"
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "content-type", "transfer-encoding", "connection", SIGNATURE_HEADER.lower()}
)
MAX_RESPONSE_BYTES = 64 * 1024


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
        parts = urlsplit(value)
        allowed = ("https", "http") if get_settings().webhook_allow_insecure_http else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise ValueError("must be an https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials")
        return value

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


def is_public_address(address: str) -> bool:
    """Whether an IP address is publicly routable (not private, loopback, link-local, ...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vetted_address(host: str, port: int, allow_private: bool, resolver: Resolver = resolve) -> str:
    """The address to connect to: the first one the host resolves to, all of them public.

    Raises:
        NonRetryableError: the host resolves to a private/loopback/link-local address (SSRF).
        HandlerError: the name does not resolve (may be transient).
    """
    try:
        addresses = resolver(host, port)
    except OSError as error:
        raise HandlerError(f"cannot resolve {host}: {error}") from error
    if not addresses:
        raise HandlerError(f"cannot resolve {host}")
    if not allow_private:
        private = [a for a in addresses if not is_public_address(a)]
        if private:
            raise NonRetryableError(f"{host} resolves to a non-public address ({private[0]})")
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the vetted address while verifying the certificate for the URL's host, so
    a second DNS answer cannot redirect the request (DNS rebinding)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    allow_private: bool,
    resolver: Resolver = resolve,
) -> tuple[int, bytes]:
    """POST `body` to `url` (no redirects followed); returns (status, first bytes of the answer).

    Uses http.client (what urllib.request is built on) rather than urlopen: it lets the request
    go to the address that was checked, and urlopen would follow redirects to anywhere.
    """
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    address = vetted_address(host, port, allow_private, resolver)
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(MAX_RESPONSE_BYTES)
    finally:
        connection.close()


def classify(status: int) -> HandlerError | None:
    """None for 2xx; a retryable error for 408, 429 and 5xx; a permanent one otherwise."""
    if 200 <= status < 300:
        return None
    if status in (408, 429) or status >= 500:
        return HandlerError(f"webhook answered {status}")
    return NonRetryableError(f"webhook answered {status}")


@registry.register(
    "webhook",
    Category.NOTIFICATION,
    WebhookPayload,
    default_timeout_seconds=30,
    description="POSTs JSON to an https URL, signed with HMAC-SHA256.",
)
def webhook(payload: WebhookPayload, ctx: JobContext) -> dict[str, Any]:
    """POSTs `body` as JSON to `url` with an `X-Jobqueue-Signature: sha256=<hmac>` header."""
    settings = get_settings()
    secret = payload.secret or settings.webhook_signing_secret
    if not secret:
        raise NonRetryableError("no signing secret: give `secret` or configure WEBHOOK_SIGNING_SECRET")
    body = json.dumps(payload.body, separators=(",", ":")).encode()
    headers = {
        **payload.headers,
        "Content-Type": "application/json",
        "User-Agent": "jobqueue-webhook/1",
        SIGNATURE_HEADER: sign(body, secret),
        "X-Jobqueue-Job-Id": ctx.job.id,
        "X-Jobqueue-Attempt": str(ctx.attempt),
    }
    timeout = max(0.5, min(payload.timeout_seconds, ctx.timeout_seconds))
    try:
        status, answer = post_json(payload.url, body, headers, timeout, settings.webhook_allow_private)
    except ssl.SSLCertVerificationError as error:
        raise NonRetryableError(f"webhook certificate not valid: {error.verify_message}") from error
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise HandlerError(f"webhook request failed: {type(error).__name__}: {error}") from error
    problem = classify(status)
    if problem is not None:
        raise problem
    return {"status_code": status, "response": answer[:1024].decode("utf-8", "replace")}
