"""DispatcherFunction: the EventBridge Scheduler target.

Events are the schedules' inputs: `{"action": "dispatch", "tenant_id", "job_id"}` from one-shot
schedules and `{"action": "cron", "tenant_id", "job_id", "scheduled_time"}` from cron schedules
(see jobqueue.dispatcher). An error propagates only for infrastructure failures, which
the Scheduler retries (its retry policy, then its dead-letter queue).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.dispatcher import handle_event
from jobqueue.wiring import default_ports

logger = Logger()


@logger.inject_lambda_context(correlation_id_path="job_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(tenant_id=event.get("tenant_id"), action=event.get("action"))
    outcome = handle_event(event, default_ports()).as_dict()
    logger.info("schedule fire handled", extra={"outcome": outcome})
    return outcome
