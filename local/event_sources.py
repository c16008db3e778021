"""The template's event sources, wired to the functions: an `SqsPoller` per `Type: SQS` event, a
`StreamPoller` per `Type: DynamoDB` event (its shard iterators taken now, so LATEST means from
start-up on), and the clock with the `Schedule`/`ScheduleV2` events and the targets it reaches
(the stack's functions, invoked asynchronously, and its queues). Nothing is started here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.clock import Clock
from local.function_specs import FunctionSpec
from local.provision import Provisioned
from local.schedule_targets import Targets
from local.schedules import Schedule, template_schedules
from local.sqs_poller import SqsPoller, SqsSource, sqs_sources
from local.stream_sources import StreamSource, stream_sources
from local.streams import StreamPoller

Clients = Callable[[str], Any]  # service -> boto3 client on the stack's moto
Say = Callable[[str, str], None]  # (label, text)


@dataclass
class EventSources:
    sqs: list[SqsSource]
    streams: list[StreamSource]
    schedules: list[Schedule]


def queues_by_arn(provisioned: Provisioned) -> dict[str, str]:
    """The template's queues: ARN -> URL."""
    return {r["Arn"]: r["Ref"] for r in provisioned.resources().values() if r["Type"] == "AWS::SQS::Queue"}


def read_event_sources(
    specs: dict[str, FunctionSpec], provisioned: Provisioned, queues: dict[str, str], now: datetime
) -> EventSources:
    """Raises TemplateError or ValueError for a source the template gets wrong."""
    streams = {r["StreamArn"] for r in provisioned.resources().values() if "StreamArn" in r}
    return EventSources(
        sqs=sqs_sources(specs, queues),
        streams=stream_sources(specs, streams, queues),
        schedules=template_schedules(specs, provisioned.resolver, now),
    )


def make_pollers(
    sources: EventSources,
    client: Clients,
    invoke: Callable[..., Any],
    say: Say,
    region: str,
    verbose: bool,
) -> list[SqsPoller | StreamPoller]:
    pollers: list[SqsPoller | StreamPoller] = []
    for source in sources.sqs:
        pollers.append(SqsPoller(source, lambda: client("sqs"), invoke, say, region, verbose))
    for source in sources.streams:
        poller = StreamPoller(
            source,
            lambda: client("dynamodbstreams"),
            lambda: client("sqs"),
            invoke,
            say,
            region,
            verbose,
        )
        poller.open()
        pollers.append(poller)
    return pollers


def make_clock(
    schedules: list[Schedule],
    specs: dict[str, FunctionSpec],
    queues: dict[str, str],
    invoke_async: Callable[[str, Any], None],
    client: Clients,
    *,
    region: str,
    account_id: str,
    say: Callable[[str], None],
) -> Clock:
    targets = Targets(
        {spec.arn: logical_id for logical_id, spec in specs.items()},
        queues,
        invoke_async,
        lambda: client("sqs"),
    )
    clock = Clock(
        targets,
        scheduler=lambda: client("scheduler"),
        region=region,
        account_id=account_id,
        say=say,
    )
    for schedule in schedules:
        clock.add(schedule)
    return clock
