"""Dead-letter: settles the jobs of messages the job queues gave up on (as `failed`)."""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.deadletter.process import process_dead_letters
from jobqueue.wiring import default_ports

# No Tracer: it imports the X-Ray SDK (~320 ms of cold start) for a function of a few calls.
logger = Logger()
# Job outcomes are flushed per job with their own dimensions (jobqueue.job_metrics).
metrics = Metrics()
warnings.filterwarnings("ignore", message="No application metrics to publish")


# No correlation id path: a batch holds many jobs; every record's log lines carry its job_id.
@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_dead_letters(event, context, default_ports())
