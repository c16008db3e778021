"""The worker surviving a record that kills its process, and EMF metrics reaching CloudWatch.

The crash is real at the process level: the stack's fault injection (like AWS FIS's Lambda
actions) SIGKILLs the worker's execution environment whenever an invocation's event contains the
job's id, before the handler runs - what an out-of-memory kill does to a Lambda sandbox. Lambda
then reports a function error, nothing of the batch is deleted, SQS redelivers the record after
its visibility timeout, and after MaxReceiveCount receives moto's redrive moves it to the
dead-letter queue, whose function settles the job as failed. Meanwhile the worker keeps running
other jobs on fresh environments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.stack import LocalStack
from tests.e2e.conftest import Api, wait_for

pytestmark = pytest.mark.e2e


def test_record_killing_the_worker_goes_to_the_dlq_and_its_job_fails(stack: LocalStack, tenant: Api) -> None:
    # critical band: the queue with the short visibility timeout (see conftest); the delay lets the
    # fault be in place before the message is visible.
    poison = tenant.submit({"handler": "echo", "payload": {}, "priority": "critical", "delay_seconds": 2})
    remove_fault = stack.inject_fault("WorkerFunction", contains=poison["id"])
    try:
        healthy = tenant.submit({"handler": "echo", "payload": {"still": "alive"}})

        assert tenant.wait_status(healthy["id"], "completed")["last_result"]["result"] == {"still": "alive"}
        failed = tenant.wait_status(poison["id"], {"failed", "completed"}, timeout=60)
    finally:
        remove_fault()

    assert failed["status"] == "failed"
    assert failed["last_result"]["error_type"] == "DeadLetter"
    after = tenant.submit({"handler": "echo", "payload": {}, "priority": "critical"})
    assert tenant.wait_status(after["id"], "completed")


def test_job_metrics_printed_as_emf_are_queryable_in_cloudwatch(stack: LocalStack, tenant: Api) -> None:
    cloudwatch = stack.client("cloudwatch")
    since = datetime.now(UTC) - timedelta(minutes=10)  # fixed: the sum over it only grows

    def completed_sum() -> float:
        metrics = cloudwatch.list_metrics(Namespace="JobQueue", MetricName="JobsCompleted")["Metrics"]
        total = 0.0
        for metric in metrics:
            points = cloudwatch.get_metric_statistics(
                Namespace="JobQueue",
                MetricName="JobsCompleted",
                Dimensions=metric["Dimensions"],
                StartTime=since,
                EndTime=datetime.now(UTC) + timedelta(minutes=1),
                Period=60,
                Statistics=["Sum"],
            )["Datapoints"]
            total += sum(point["Sum"] for point in points)
        return total

    before = completed_sum()  # the shared stack has run other jobs already
    job = tenant.submit({"handler": "echo", "payload": {}})
    tenant.wait_status(job["id"], "completed")

    after = wait_for(
        completed_sum, lambda total: total >= before + 1, timeout=15, what="this job's JobsCompleted"
    )
    assert after >= before + 1
