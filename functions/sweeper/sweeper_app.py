"""Sweeper: every minute, expired leases, lost dispatches, pending jobs never armed and counter
reconciliation."""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.sweeper.tick import sweep
from jobqueue.wiring import default_ports

# No Tracer: it imports the X-Ray SDK (~320 ms of cold start) for a function of a few calls.
logger = Logger()
# Job outcomes are flushed per job with their own dimensions (jobqueue.job_metrics).
metrics = Metrics()
warnings.filterwarnings("ignore", message="No application metrics to publish")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = sweep(default_ports(), remaining_ms=context.get_remaining_time_in_millis)
    logger.info("sweep done", extra=report.summary())
    return report.summary()
