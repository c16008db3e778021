"""E-mail on SES and text messages on SNS (the `EmailSender` and `SmsSender` ports).

A request the provider refuses as such (bad address, rejected message) is a NonRetryableError;
a transient failure (throttling, 5xx, timeout) a HandlerError, which the worker retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jobqueue.adapters import aws
from jobqueue.errors import HandlerError, NonRetryableError

# Provider error codes that mean "this request will never succeed".
SES_PERMANENT = frozenset(
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
SNS_PERMANENT = frozenset(
    {"InvalidParameter", "InvalidParameterValue", "ValidationError", "AuthorizationError", "OptedOut"}
)


def provider_error(error: Exception, permanent: frozenset[str], what: str) -> HandlerError:
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    message = f"{what} failed: {code or type(error).__name__}: {str(error)[:300]}"
    return NonRetryableError(message) if code in permanent else HandlerError(message)


class SesEmail:
    def __init__(self, client: Any = None):
        self._client = client

    def send(self, source: str, to: Sequence[str], subject: str, text: str | None, html: str | None) -> str:
        body: dict[str, Any] = {}
        if text:
            body["Text"] = {"Data": text, "Charset": "UTF-8"}
        if html:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        try:
            response = (self._client or aws.client("ses")).send_email(
                Source=source,
                Destination={"ToAddresses": list(to)},
                Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body},
            )
        except (ClientError, BotoCoreError) as error:
            raise provider_error(error, SES_PERMANENT, "SES SendEmail") from error
        return str(response["MessageId"])


class SnsSms:
    def __init__(self, client: Any = None):
        self._client = client

    def send(self, phone_number: str, message: str, sms_type: str) -> str:
        try:
            response = (self._client or aws.client("sns")).publish(
                PhoneNumber=phone_number,
                Message=message,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": sms_type}},
            )
        except (ClientError, BotoCoreError) as error:
            raise provider_error(error, SNS_PERMANENT, "SNS Publish") from error
        return str(response["MessageId"])
