"""Notification handlers (category notification): `email` (through the `EmailSender` port, SES on
AWS) and `sms` (through `SmsSender`, SNS). A request the provider refuses as such is not
retried; a transient failure is (the adapters raise accordingly)."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobqueue.errors import NonRetryableError
from jobqueue.models.job import Category
from jobqueue.ports import EmailSender, SmsSender
from jobqueue.registry import HandlerSpec, JobContext, handler, spec_of
from jobqueue.settings import get_settings

_EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"
_E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"


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


class SmsPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number: str = Field(pattern=_E164_PATTERN, description="E.164, e.g. +14155550100")
    message: str = Field(min_length=1, max_length=1600)
    sms_type: str = Field(default="Transactional", pattern="^(Transactional|Promotional)$")


def notification_handlers(email_sender: EmailSender, sms_sender: SmsSender) -> list[HandlerSpec]:
    """The `email` and `sms` handlers, sending through the given ports."""

    @handler(
        "email", Category.NOTIFICATION, EmailPayload, timeout_seconds=30, description="Sends an e-mail (SES)."
    )
    def email(payload: EmailPayload, ctx: JobContext) -> dict[str, Any]:
        """Sends an e-mail through Amazon SES."""
        source = sender_for(payload.from_, get_settings().email_from)
        message_id = email_sender.send(source, payload.to, payload.subject, payload.body, payload.html)
        return {"message_id": message_id, "recipients": len(payload.to)}

    @handler("sms", Category.NOTIFICATION, SmsPayload, timeout_seconds=30, description="Sends an SMS (SNS).")
    def sms(payload: SmsPayload, ctx: JobContext) -> dict[str, Any]:
        """Sends a text message through Amazon SNS."""
        return {"message_id": sms_sender.send(payload.phone_number, payload.message, payload.sms_type)}

    return [spec_of(email), spec_of(sms)]
