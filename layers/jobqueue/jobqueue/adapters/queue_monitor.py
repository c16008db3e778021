"""Depths of the band queues and the dead-letter queue (`QueueMonitor`): SQS queue attributes,
and the age of each queue's oldest message from CloudWatch (SQS publishes it every minute;
GetQueueAttributes has no such attribute). One GetMetricData call covers every queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jobqueue.adapters import aws
from jobqueue.adapters.clock import SystemClock
from jobqueue.models.job import QueueBand
from jobqueue.ports import Clock
from jobqueue.ports.outside import QueueDepth
from jobqueue.settings import get_settings

DEAD_LETTER = "dead_letter"
_ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


class SqsQueueMonitor:
    def __init__(self, sqs: Any = None, cloudwatch: Any = None, clock: Clock | None = None):
        self._sqs = sqs
        self._cloudwatch = cloudwatch
        self.clock = clock or SystemClock()

    def depths(self) -> list[QueueDepth]:
        settings = get_settings()
        queues = [(band.value, settings.queue_urls.get(band)) for band in QueueBand]
        queues.append((DEAD_LETTER, settings.dead_letter_queue_url))
        named = [(name, url) for name, url in queues if url]
        ages = self._oldest_ages([url.rsplit("/", 1)[-1] for _, url in named])
        out = []
        for name, url in named:
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=_ATTRIBUTES)["Attributes"]
            out.append(
                QueueDepth(
                    name=name,
                    visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
                    in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                    delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
                    oldest_age_seconds=ages.get(url.rsplit("/", 1)[-1]),
                )
            )
        return out

    def _oldest_ages(self, queue_names: list[str]) -> dict[str, int]:
        now = self.clock.now()
        queries = [
            {
                "Id": f"q{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SQS",
                        "MetricName": "ApproximateAgeOfOldestMessage",
                        "Dimensions": [{"Name": "QueueName", "Value": name}],
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
            for i, name in enumerate(queue_names)
        ]
        if not queries:
            return {}
        response = self.cloudwatch.get_metric_data(
            MetricDataQueries=queries,
            StartTime=now - timedelta(minutes=5),
            EndTime=now,
            ScanBy="TimestampDescending",
        )
        ages = {}
        for result in response.get("MetricDataResults", []):
            values = result.get("Values") or []
            if values:
                ages[queue_names[int(result["Id"][1:])]] = int(values[0])
        return ages

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = aws.client("sqs")
        return self._sqs

    @property
    def cloudwatch(self) -> Any:
        if self._cloudwatch is None:
            self._cloudwatch = aws.client("cloudwatch")
        return self._cloudwatch
