"""The errors the local stack's parts raise to each other: `FunctionError` (an invocation failed
the way a Lambda invocation fails) and `StackError` (the local stack cannot start)."""

from __future__ import annotations

from typing import Any


class FunctionError(Exception):
    """The invocation failed the way a Lambda invocation fails (X-Amz-Function-Error: Unhandled)."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.stack = stack or []

    def payload(self) -> dict[str, Any]:
        return {"errorType": self.error_type, "errorMessage": self.message, "stackTrace": self.stack}


class StackError(Exception):
    """The local stack cannot start (port in use, template mismatch, function init error...)."""
