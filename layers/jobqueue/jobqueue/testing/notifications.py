"""Stand-ins for e-mail, SMS and webhook delivery: they record what was sent and answer as told."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jobqueue.testing.locking import synchronized


@dataclass
@synchronized
class FakeEmail:
    sent: list[dict[str, Any]] = field(default_factory=list)
    error: Exception | None = None

    def send(self, source: str, to: Sequence[str], subject: str, text: str | None, html: str | None) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append({"source": source, "to": list(to), "subject": subject, "text": text, "html": html})
        return f"email-{len(self.sent)}"


@dataclass
@synchronized
class FakeSms:
    sent: list[dict[str, Any]] = field(default_factory=list)
    error: Exception | None = None

    def send(self, phone_number: str, message: str, sms_type: str) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append({"phone_number": phone_number, "message": message, "sms_type": sms_type})
        return f"sms-{len(self.sent)}"


@dataclass
@synchronized
class FakeWeb:
    """`answer(url, body, headers)` gives (status, body); default 200 `ok`."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    answer: Callable[[str, bytes, Mapping[str, str]], tuple[int, bytes]] | None = None

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        self.requests.append({"url": url, "body": body, "headers": dict(headers), "timeout": timeout})
        return self.answer(url, body, headers) if self.answer else (200, b"ok")
