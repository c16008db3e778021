"""CloudWatch Embedded Metric Format: the JSON lines Powertools Metrics prints become
`put_metric_data` calls on moto, so `get_metric_statistics` answers locally.

    {"_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{"Namespace": "JobQueue",
      "Dimensions": [["priority", "type"]], "Metrics": [{"Name": "JobsCompleted", "Unit": "Count"}]}]},
     "priority": "normal", "type": "immediate", "JobsCompleted": [1.0], "tenant_id": "t1"}

One datum per (directive, dimension set, metric); a metric value may be a number or a list of
numbers (Values/Counts). Lines that are not valid EMF are not metrics (they stay log lines).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("local.emf")

MAX_DATUMS_PER_CALL = 1000
MAX_VALUES_PER_DATUM = 150


def is_emf(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and isinstance(record.get("_aws"), dict)
        and isinstance(record["_aws"].get("CloudWatchMetrics"), list)
    )


def metric_data(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """EMF record -> {namespace: [MetricDatum, ...]} in put_metric_data's shape."""
    if not is_emf(record):
        return {}
    meta = record["_aws"]
    timestamp_ms = meta.get("Timestamp")
    timestamp = (
        datetime.fromtimestamp(timestamp_ms / 1000, UTC)
        if isinstance(timestamp_ms, (int, float))
        else datetime.now(UTC)
    )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for directive in meta["CloudWatchMetrics"]:
        namespace = directive.get("Namespace")
        metrics = directive.get("Metrics") or []
        if not namespace or not isinstance(metrics, list):
            continue
        dimension_sets = directive.get("Dimensions") or [[]]
        for names in dimension_sets:
            if any(not isinstance(record.get(name), (str, int, float)) for name in names):
                continue  # a dimension without a value: CloudWatch rejects the set
            dimensions = [{"Name": name, "Value": str(record[name])} for name in names]
            for metric in metrics:
                name = metric.get("Name")
                datum = _datum(name, record.get(name), metric, dimensions, timestamp)
                if datum:
                    out[namespace].append(datum)
    return dict(out)


def _datum(
    name: Any, raw: Any, metric: dict[str, Any], dimensions: list[dict[str, str]], timestamp: datetime
) -> dict[str, Any] | None:
    if not isinstance(name, str):
        return None
    values = raw if isinstance(raw, list) else [raw]
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return None
    counts = Counter(numbers)
    datum: dict[str, Any] = {
        "MetricName": name,
        "Timestamp": timestamp,
        "Unit": metric.get("Unit") or "None",
        "Values": list(counts)[:MAX_VALUES_PER_DATUM],
        "Counts": [float(c) for c in counts.values()][:MAX_VALUES_PER_DATUM],
    }
    if dimensions:
        datum["Dimensions"] = dimensions
    if metric.get("StorageResolution") in (1, 60):
        datum["StorageResolution"] = metric["StorageResolution"]
    return datum


class MetricsSink:
    """Collects EMF records from the function log readers and puts them into moto off-thread."""

    def __init__(self, cloudwatch: Any):
        self.cloudwatch = cloudwatch
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="emf", daemon=True)
        self.records = 0
        self.datums = 0
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def add(self, record: dict[str, Any]) -> None:
        self._queue.put(record)

    def stop(self, timeout: float = 2.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            record = self._queue.get()
            batch = [record]
            while record is not None and not self._queue.empty() and len(batch) < 100:
                record = self._queue.get()
                batch.append(record)
            by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for item in batch:
                if item is None:
                    continue
                self.records += 1
                for namespace, datums in metric_data(item).items():
                    by_namespace[namespace] += datums
            for namespace, datums in by_namespace.items():
                for start in range(0, len(datums), MAX_DATUMS_PER_CALL):
                    chunk = datums[start : start + MAX_DATUMS_PER_CALL]
                    try:
                        self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=chunk)
                        self.datums += len(chunk)
                    except Exception as exc:  # moto down at shutdown, or a datum it rejects
                        self.failures += 1
                        log.warning("put_metric_data(%s) failed: %s", namespace, exc)
            if batch[-1] is None:
                return
