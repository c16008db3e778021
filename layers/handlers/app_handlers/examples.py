"""Two example handlers: a report generator and a data processor.

Copy this module to start your own. A handler is a function `(payload, ctx) -> result` marked
with `@handler`: its payload is validated with the pydantic model at submission (a bad one is a
422 naming the field) and again before it runs; what it returns (JSON-serialisable) becomes the
job's `last_result.result`; raising `NonRetryableError` fails the job at once, any other
exception is retried with the job's backoff.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

from jobqueue import JobContext, NonRetryableError, handler

# ------------------------------------------------------------------------------ report_generator

logger = logging.getLogger(__name__)


class Report(BaseModel):
    report_type: Literal["usage", "errors", "summary"] = Field(description="which report to build")
    rows: list[dict[str, Any]] = Field(default_factory=list, max_length=10_000, description="the data")
    group_by: str = Field(default="status", max_length=64, description="the column to count by")


def _report_started(payload: Report, ctx: JobContext) -> None:
    logger.info("report %s for tenant %s: attempt %d", payload.report_type, ctx.tenant_id, ctx.attempt)


@handler(
    "report_generator",
    category="scheduled",
    payload=Report,
    timeout_seconds=60,
    on_start=_report_started,
)
def generate_report(payload: Report, ctx: JobContext) -> dict[str, Any]:
    """Counts the rows of a report by one column (a stand-in for your reporting query)."""
    counts = Counter(str(row.get(payload.group_by, "unknown")) for row in payload.rows)
    return {
        "report_type": payload.report_type,
        "group_by": payload.group_by,
        "rows": len(payload.rows),
        "counts": dict(counts.most_common()),
    }


# -------------------------------------------------------------------------------- data_processor


class Batch(BaseModel):
    data_id: str = Field(min_length=1, max_length=200, description="what to process")
    processing_type: Literal["quick", "standard", "deep"] = "standard"
    items: list[float] = Field(default_factory=list, max_length=100_000)
    seconds_per_item: float = Field(default=0.0, ge=0, le=1, description="simulated work per item")


ESTIMATES = {"quick": 5, "standard": 30, "deep": 120}  # seconds: the default time limit per type


@handler(
    "data_processor",
    category="custom_processing",
    payload=Batch,
    job_types=["immediate", "delayed", "scheduled"],
    estimate_seconds=lambda batch: ESTIMATES[batch.processing_type],
)
def process_data(payload: Batch, ctx: JobContext) -> dict[str, Any]:
    """Sums a batch of numbers, stopping early when its time is up."""
    if any(value != value for value in payload.items):  # NaN: retrying would not help
        raise NonRetryableError(f"batch {payload.data_id} holds NaN values")
    total, done = 0.0, 0
    for value in payload.items:
        if ctx.cancelled.is_set() or ctx.remaining_seconds() < 1:
            break  # the worker records a timeout; stop spending time
        total += value
        done += 1
        if payload.seconds_per_item:
            time.sleep(payload.seconds_per_item)
    return {"data_id": payload.data_id, "processed": done, "total": total}
