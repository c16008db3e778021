"""The fault soak's handler, copied into a copy of the handlers layer as `app_handlers/soak.py`
(bench/soak/stack.py): `soak_task` does a little work, fails or overruns as its payload says,
and appends what ran to the ledger, so the soak can prove that no attempt ran twice and that no
tenant ran more jobs at once than its limit.

The ledger (path in SOAK_LEDGER, set in the worker's environment by the soak) gets one JSON
line when an attempt starts, `{"e": "start", "job_id", "attempt", "tenant", "t"}`, and one when
it ends, `{"e": "end", "job_id", "attempt", "tenant", "started", "ended", "outcome"}`: single
small `O_APPEND` writes, whole lines whatever the number of worker processes.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jobqueue import JobContext, NonRetryableError, handler


class SoakTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=100, description="the soak's name for the submission")
    work_ms: int = Field(default=50, ge=0, le=60_000, description="how long the attempt works")
    fail_attempts: int = Field(default=0, ge=0, le=25, description="attempts 1..n fail (retryable)")
    fail: Literal["none", "retryable", "final"] = "none"
    overrun: bool = Field(default=False, description="work past the time limit (until cancelled)")


def _ledger(record: dict[str, Any]) -> None:
    path = os.environ.get("SOAK_LEDGER")
    if not path:
        return
    line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@handler("soak_task", category="custom_processing", payload=SoakTask, timeout_seconds=5)
def soak_task(payload: SoakTask, ctx: JobContext) -> dict[str, Any]:
    """The fault soak's job: works `work_ms`, fails or overruns on purpose, writes the ledger."""
    ids = {"job_id": ctx.job.id, "attempt": ctx.attempt, "tenant": ctx.tenant_id}
    started = time.time()
    _ledger({"e": "start", **ids, "t": started})
    outcome = "ok"
    try:
        if payload.overrun:
            ctx.cancelled.wait(max(payload.work_ms / 1000, ctx.timeout_seconds + 5))
            outcome = "cancelled" if ctx.cancelled.is_set() else "overran"
            return {"ref": payload.ref, "overran": True}
        if ctx.cancelled.wait(payload.work_ms / 1000):
            outcome = "cancelled"
        if payload.fail == "final":
            outcome = "final"
            raise NonRetryableError(f"{payload.ref}: fails on purpose, not retried")
        if payload.fail == "retryable" or ctx.attempt <= payload.fail_attempts:
            outcome = "error"
            raise RuntimeError(f"{payload.ref}: attempt {ctx.attempt} fails on purpose")
        return {"ref": payload.ref, "attempt": ctx.attempt}
    finally:
        _ledger({"e": "end", **ids, "started": started, "ended": time.time(), "outcome": outcome})
