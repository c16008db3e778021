"""The template's resources that exist in moto, created as CloudFormation would create them:
DynamoDB tables (keys, GSIs, stream, TTL, SSE flag), SQS queues (every attribute, RedrivePolicy
included), event buses, rules and their targets, schedule groups and schedules, SNS topics and
subscriptions, log groups, alarms and dashboards (both best effort: moto does not model every
shape, and neither is ever evaluated or drawn)."""

from __future__ import annotations

import json
import logging
from typing import Any

from local.resource_context import ResourceContext

log = logging.getLogger("local.provision")


def create_table(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("TableName") or context.name(logical_id, 255)
    args: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if "ProvisionedThroughput" in props:
        args["ProvisionedThroughput"] = _ints(props["ProvisionedThroughput"])
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            args[key] = [
                {k: v for k, v in index.items() if k != "ContributorInsightsSpecification"}
                for index in props[key]
            ]
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    if "SSESpecification" in props:
        sse = props["SSESpecification"]
        args["SSESpecification"] = {"Enabled": _bool(sse.get("SSEEnabled", False))}
    if "DeletionProtectionEnabled" in props:
        args["DeletionProtectionEnabled"] = _bool(props["DeletionProtectionEnabled"])
    if props.get("Tags"):
        args["Tags"] = props["Tags"]
    ddb = context.clients("dynamodb")
    described = ddb.create_table(**args)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and _bool(ttl.get("Enabled", False)):
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    attrs = {"Arn": described["TableArn"]}
    if described.get("LatestStreamArn"):
        attrs["StreamArn"] = described["LatestStreamArn"]
    context.resolver.set_resource(logical_id, name, attrs)


def create_queue(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    fifo = _bool(props.get("FifoQueue", False))
    name = props.get("QueueName") or (context.name(logical_id, 75) + (".fifo" if fifo else ""))
    attributes: dict[str, str] = {}
    for key in (
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "DeduplicationScope",
        "FifoThroughputLimit",
    ):
        if key in props:
            attributes[key] = str(props[key])
    for key in ("FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"):
        if key in props:
            attributes[key] = "true" if _bool(props[key]) else "false"
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            value = props[key]
            if isinstance(value, dict) and "maxReceiveCount" in value:
                value = {**value, "maxReceiveCount": int(value["maxReceiveCount"])}
            attributes[key] = value if isinstance(value, str) else json.dumps(value)
    sqs = context.clients("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    context.resolver.set_resource(logical_id, url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


def create_event_bus(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props["Name"]
    arn = context.clients("events").create_event_bus(Name=name)["EventBusArn"]
    context.resolver.set_resource(logical_id, name, {"Arn": arn, "Name": name})


def create_rule(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    put_rule(context, logical_id, props)


def put_rule(context: ResourceContext, logical_id: str, props: dict[str, Any]) -> None:
    name = props.get("Name") or context.name(logical_id, 64)
    args: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
    for key in ("ScheduleExpression", "Description", "EventBusName", "RoleArn"):
        if props.get(key):
            args[key] = props[key]
    if props.get("EventPattern"):
        pattern = props["EventPattern"]
        args["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    events = context.clients("events")
    arn = events.put_rule(**args)["RuleArn"]
    targets = [
        {k: v for k, v in target.items() if k in ("Id", "Arn", "Input", "InputPath", "RoleArn")}
        for target in props.get("Targets") or []
    ]
    if targets:
        events.put_targets(Rule=name, EventBusName=args.get("EventBusName", "default"), Targets=targets)
    context.resolver.set_resource(logical_id, name, {"Arn": arn})


def create_schedule_group(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("Name") or context.name(logical_id, 64)
    arn = context.clients("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
    context.resolver.set_resource(logical_id, name, {"Arn": arn})


def create_schedule(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("Name") or context.name(logical_id, 64)
    args = {k: v for k, v in props.items() if k != "Name"}
    args.setdefault("FlexibleTimeWindow", {"Mode": "OFF"})
    arn = context.clients("scheduler").create_schedule(Name=name, **args)["ScheduleArn"]
    context.resolver.set_resource(logical_id, name, {"Arn": arn})


def create_topic(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("TopicName") or context.name(logical_id, 256)
    arn = context.clients("sns").create_topic(Name=name)["TopicArn"]
    context.resolver.set_resource(logical_id, arn, {"TopicArn": arn, "TopicName": name})


def create_subscription(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    arn = context.clients("sns").subscribe(
        TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props.get("Endpoint", "")
    )["SubscriptionArn"]
    context.resolver.set_resource(logical_id, arn, {"Arn": arn})


def create_log_group(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("LogGroupName") or context.name(logical_id, 512)
    logs = context.clients("logs")
    logs.create_log_group(logGroupName=name)
    if props.get("RetentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
    context.resolver.set_resource(logical_id, name, {"Arn": context.arn("logs", f"log-group:{name}:*")})


def create_alarm(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("AlarmName") or context.name(logical_id, 255)
    args = {k: v for k, v in props.items() if k != "AlarmName"}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in args:
            args[key] = int(args[key])
    if "Threshold" in args:
        args["Threshold"] = float(args["Threshold"])
    if "OKActions" in args:
        args["OKActions"] = args.pop("OKActions")
    try:
        context.clients("cloudwatch").put_metric_alarm(AlarmName=name, **args)
    except Exception as exc:  # moto does not model every alarm shape; the alarm is never evaluated anyway
        log.debug("%s: alarm not stored in moto: %s", logical_id, exc)
    context.resolver.set_resource(logical_id, name, {"Arn": context.arn("cloudwatch", f"alarm:{name}")})


def create_dashboard(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = context.props(logical_id, resource)
    name = props.get("DashboardName") or context.name(logical_id, 255)
    try:
        context.clients("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=props["DashboardBody"])
    except Exception as exc:
        log.debug("%s: dashboard not stored in moto: %s", logical_id, exc)
    context.resolver.set_resource(logical_id, name)


CREATORS = {
    "AWS::DynamoDB::Table": create_table,
    "AWS::SQS::Queue": create_queue,
    "AWS::Events::EventBus": create_event_bus,
    "AWS::Events::Rule": create_rule,
    "AWS::Scheduler::ScheduleGroup": create_schedule_group,
    "AWS::Scheduler::Schedule": create_schedule,
    "AWS::SNS::Topic": create_topic,
    "AWS::SNS::Subscription": create_subscription,
    "AWS::Logs::LogGroup": create_log_group,
    "AWS::CloudWatch::Alarm": create_alarm,
    "AWS::CloudWatch::Dashboard": create_dashboard,
}


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _ints(mapping: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in mapping.items()}
