"""The SQS message of a job: `{"job_id": ..., "tenant_id": ..., "attempt": n}`, plus
`"deferrals": k` on a message re-sent because the tenant had no free running slot.

The body names a job and the attempt it was sent for; nothing else in it is trusted.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class PoisonMessage(ValueError):
    """The body is not a job message: a bug or a stranger on the queue."""


class JobMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    job_id: str = Field(min_length=1, max_length=128)
    tenant_id: str = Field(min_length=1, max_length=128)
    attempt: int = Field(ge=0)
    deferrals: int = Field(default=0, ge=0)


def parse_message(body: str | None) -> JobMessage:
    """Parse and validate a message body.

    Raises:
        PoisonMessage: when the body is not JSON or lacks the job id, tenant id or attempt.
    """
    try:
        data = json.loads(body or "")
        return JobMessage.model_validate(data)
    except (ValueError, TypeError, ValidationError) as error:
        raise PoisonMessage(f"not a job message: {str(error)[:200]}") from error
