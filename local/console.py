"""Readable, prefixed log lines for everything the stack and its functions print.

Powertools' JSON log lines are shortened to `LEVEL message key=value ...` with the bookkeeping
keys (location, timestamp, service, cold_start, function_*, xray_trace_id...) left out; EMF lines
go to the metrics sink instead of the console; anything else is printed as it came.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from local.emf import is_emf

# Keys every Powertools log line carries; they say nothing about what happened.
_BOOKKEEPING = {
    "level",
    "message",
    "location",
    "timestamp",
    "service",
    "sampling_rate",
    "cold_start",
    "function_name",
    "function_memory_size",
    "function_arn",
    "function_request_id",
    "xray_trace_id",
    "correlation_id",
    "exception_name",
    "stack_trace",
}
# Shown first, in this order, when present.
_PREFERRED = ("job_id", "tenant_id", "status", "handler", "attempt", "error", "exception")
MAX_VALUE_CHARS = 120
MAX_LINE_CHARS = 400
LABEL_WIDTH = 10


def compact(record: dict[str, Any]) -> str:
    """`INFO message k=v ...` from a structured (Powertools) log record."""
    level = str(record.get("level", "INFO")).upper()
    message = record.get("message", "")
    if not isinstance(message, str):
        message = json.dumps(message, default=str, separators=(",", ":"))
    keys = [k for k in _PREFERRED if k in record] + sorted(
        k for k in record if k not in _BOOKKEEPING and k not in _PREFERRED
    )
    parts = [f"{level:<5}", message]
    for key in keys:
        value = record[key]
        text = value if isinstance(value, str) else json.dumps(value, default=str, separators=(",", ":"))
        if len(text) > MAX_VALUE_CHARS:
            text = text[: MAX_VALUE_CHARS - 1] + "…"
        parts.append(f"{key}={text}")
    line = " ".join(parts)
    if record.get("exception") is None and record.get("exception_name"):
        line += f" exception={record['exception_name']}"
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"


class Console:
    """Thread-safe printer: `HH:MM:SS.mmm label    text`."""

    def __init__(self, stream: TextIO | None = None, show_metrics: bool = False):
        self.stream = stream or sys.stdout
        self.show_metrics = show_metrics
        self._lock = threading.Lock()
        self.metrics_sink: Callable[[dict[str, Any]], None] | None = None

    def print(self, label: str, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
        with self._lock:
            try:
                self.stream.write(f"{stamp} {label:<{LABEL_WIDTH}} {text}\n")
                self.stream.flush()
            except (ValueError, OSError):
                pass  # console closed at shutdown

    def function_output(self, label: str, stream: str, line: str) -> None:
        """Sink for the functions' stdout/stderr lines."""
        if not line.strip():
            return
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                if is_emf(record):
                    if self.metrics_sink:
                        self.metrics_sink(record)
                    if self.show_metrics:
                        self.print(label, "METRIC " + _metric_summary(record))
                    return
                if "level" in record and "message" in record:
                    self.print(label, compact(record))
                    if record.get("exception"):
                        for text in str(record["exception"]).splitlines()[-6:]:
                            self.print(label, "  " + text)
                    return
        self.print(label, line[: MAX_LINE_CHARS * 4])


def _metric_summary(record: dict[str, Any]) -> str:
    names = [
        metric.get("Name")
        for directive in record["_aws"]["CloudWatchMetrics"]
        for metric in directive.get("Metrics") or []
    ]
    return " ".join(f"{n}={record.get(n)}" for n in names if n)
