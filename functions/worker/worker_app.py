"""Worker: runs jobs from the four priority queues (SQS batches, partial batch responses).

All the logic is in `jobqueue.worker`; this file only wires observability.
"""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobqueue.wiring import check_app_handlers, default_ports, default_registry
from jobqueue.worker.process import process_batch

# No Tracer: creating one imports the X-Ray SDK, ~320 ms of cold start on every new worker, and
# the worker's calls are few and already timed in its logs and metrics (ExecutionMs, QueueWaitMs).
logger = Logger()
# The app's own handlers (layers/handlers/app_handlers) are imported as the function starts: a
# module that fails to import or a handler name defined twice stops it, naming the module.
check_app_handlers()
# Job metrics are flushed per job with their own dimensions (jobqueue.job_metrics); this object
# only carries the cold-start metric, so an invocation without others is normal, not a warning.
metrics = Metrics()
warnings.filterwarnings("ignore", message="No application metrics to publish")


# No correlation id path: a batch holds many jobs, so every record's log lines carry its job_id.
@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_batch(event, context, default_ports(), default_registry())
