"""Stream: job lifecycle events from the table's stream to the JobEventsBus, and the release of
jobs that waited for a job that finished."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.stream.process import process_stream
from jobqueue.wiring import default_ports

# No Tracer: it imports the X-Ray SDK (~320 ms of cold start) for a function of one call.
# No Metrics: EventBridge's own metrics (PutEvents, FailedInvocations) cover this function.
logger = Logger()


# No correlation id path: a batch holds many jobs; the events carry their job ids.
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_stream(event, context, default_ports())
