"""The DynamoDB stream event sources of the template: every `Type: DynamoDB` event of a function
as a `StreamSource` (stream, BatchSize, MaximumBatchingWindowInSeconds, StartingPosition,
FunctionResponseTypes, BisectBatchOnFunctionError, MaximumRetryAttempts, the OnFailure queue,
FilterCriteria). A stream or queue outside the template, or a Kinesis source, is a TemplateError."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local.filters import parse_filters
from local.function_specs import FunctionSpec, events_of
from local.template import TemplateError


@dataclass
class StreamSource:
    function: str
    label: str
    function_arn: str
    event_id: str
    stream_arn: str
    batch_size: int = 100
    window_seconds: float = 0.0
    starting_position: str = "LATEST"
    report_failures: bool = False
    bisect: bool = False
    max_retries: int = -1
    on_failure_queue_url: str | None = None
    on_failure_arn: str | None = None
    enabled: bool = True
    filters: list[dict[str, Any]] = field(default_factory=list)


def stream_sources(
    specs: dict[str, FunctionSpec], streams: set[str], queues_by_arn: dict[str, str]
) -> list[StreamSource]:
    sources = []
    for event in events_of(specs, "DynamoDB", "Kinesis"):
        spec, event_id, props, where = event.spec, event.event_id, event.props, event.where
        if event.kind == "Kinesis":
            raise TemplateError(f"{where}: Kinesis event sources are not emulated")
        arn = props.get("Stream")
        if arn not in streams:
            raise TemplateError(f"{where}: Stream {arn!r} is not the stream of a table of this template")
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if destination and destination not in queues_by_arn:
            raise TemplateError(
                f"{where}: OnFailure destination {destination} is not a queue of this template"
            )
        try:
            filters = parse_filters(props.get("FilterCriteria"))
        except ValueError as exc:
            raise TemplateError(f"{where}: FilterCriteria: {exc}") from exc
        sources.append(
            StreamSource(
                function=spec.logical_id,
                label=spec.label,
                function_arn=spec.arn,
                event_id=event_id,
                stream_arn=arn,
                batch_size=int(props.get("BatchSize", 100)),
                window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                starting_position=str(props.get("StartingPosition", "LATEST")),
                report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                bisect=bool(props.get("BisectBatchOnFunctionError", False)),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),
                on_failure_queue_url=queues_by_arn.get(destination) if destination else None,
                on_failure_arn=destination,
                enabled=bool(props.get("Enabled", True)),
                filters=filters,
            )
        )
    return sources
