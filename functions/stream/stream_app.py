"""Stream: job lifecycle events from the table's stream to the JobEventsBus."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.lifecycle_events import process_stream

# No Tracer: it imports the X-Ray SDK (~320 ms of cold start) for a function of one call.
# No Metrics: EventBridge's own metrics (PutEvents, FailedInvocations) cover this function.
logger = Logger()


# No correlation id path: a batch holds many jobs; the events carry their job ids.
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_stream(event, context)
