"""Create the template's resources in moto (server mode, or in-process under `mock_aws`).

Tables, queues (with their redrive policies), event buses, rules, schedule groups, schedules,
topics, log groups, alarms and dashboards are created for real; IAM, Lambda functions, layers and
the HTTP API only get names and ARNs (the local stack runs the functions and serves the API itself).

    resources = provision("template.yaml", {"Stage": "dev"})
    resources["CriticalQueue"]["Ref"]   # the queue URL
    resources["CriticalQueue"]["Arn"]

The same template intrinsics CloudFormation would resolve are resolved here (local/template.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    Resolver,
    TemplateError,
    iter_resources,
    load_template,
    merge_globals,
    references,
    topological_order,
)

log = logging.getLogger("local.provision")

ClientFactory = Callable[[str], Any]

# Resource types that exist only as names here: nothing to create in moto.
_NAME_ONLY = {
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Lambda::Permission",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::Function",
}


@dataclass
class Provisioned:
    """What was provisioned: the resolver (with every resource's Ref and attributes) and outputs."""

    template: dict[str, Any]
    resolver: Resolver
    types: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def resources(self) -> dict[str, dict[str, Any]]:
        """logical id -> {"Type", "Ref", attribute: value, ...}."""
        return {
            logical_id: {
                "Type": self.types[logical_id],
                "Ref": self.resolver.refs[logical_id],
                **self.resolver.attrs.get(logical_id, {}),
            }
            for logical_id in self.types
        }


def provision(
    template: str | Path | dict[str, Any],
    params: dict[str, Any] | None = None,
    *,
    clients: ClientFactory | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_name: str = DEFAULT_STACK_NAME,
) -> dict[str, dict[str, Any]]:
    """Create the template's resources and return their resolved names, URLs and ARNs.

    Without `clients`, plain boto3 clients are used: under `mock_aws()` they hit in-process moto.
    """
    return provision_stack(
        template, params, clients=clients, region=region, account_id=account_id, stack_name=stack_name
    ).resources()


def provision_stack(
    template: str | Path | dict[str, Any],
    params: dict[str, Any] | None = None,
    *,
    clients: ClientFactory | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    stack_name: str = DEFAULT_STACK_NAME,
    api_base_url: str | None = None,
    property_overrides: dict[str, dict[str, Any]] | None = None,
) -> Provisioned:
    """`property_overrides` ({logical id: {property: value}}) replaces properties of the template's
    resources: a test knob (e.g. a short VisibilityTimeout), never used by `make run`."""
    if not isinstance(template, dict):
        template = load_template(template)
    if property_overrides:
        template = copy.deepcopy(template)
        for logical_id, props in property_overrides.items():
            if logical_id not in template["Resources"]:
                raise TemplateError(f"property override for unknown resource {logical_id}")
            template["Resources"][logical_id].setdefault("Properties", {}).update(props)
    resolver = Resolver(template, params, region=region, account_id=account_id, stack_name=stack_name)
    factory = clients or (lambda service: boto3.client(service, region_name=region))
    return _Provisioner(template, resolver, factory, api_base_url).run()


class _Provisioner:
    def __init__(
        self, template: dict[str, Any], resolver: Resolver, clients: ClientFactory, api_url: str | None
    ):
        self.template = template
        self.resolver = resolver
        self.clients = _CachedClients(clients)
        self.api_url = api_url
        self.result = Provisioned(template, resolver)

    @property
    def stack(self) -> str:
        return self.resolver.stack_name

    def run(self) -> Provisioned:
        enabled = {
            logical_id: resource
            for logical_id, resource in iter_resources(self.template)
            if self.resolver.resource_enabled(logical_id)
        }
        deps = {logical_id: self._dependencies(resource) for logical_id, resource in enabled.items()}
        for logical_id in topological_order(deps):
            resource = enabled[logical_id]
            kind = resource.get("Type", "")
            try:
                self._create(logical_id, kind, resource)
            except TemplateError as exc:
                raise TemplateError(f"{logical_id} ({kind}): {exc}") from exc
            self.result.types[logical_id] = kind
        for name, output in (self.template.get("Outputs") or {}).items():
            if "Condition" in output and not self.resolver.condition(output["Condition"]):
                continue
            self.result.outputs[name] = self.resolver.resolve(output.get("Value"), f"Outputs.{name}")
        return self.result

    def _dependencies(self, resource: dict[str, Any]) -> set[str]:
        """Only what is resolved at creation time: a function's env is resolved later, when it runs."""
        kind = resource.get("Type", "")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            resolved_now = {k: props.get(k) for k in ("FunctionName", "Role", "Events")}
        elif kind in _NAME_ONLY:
            resolved_now = {k: props.get(k) for k in ("RoleName", "LayerName", "FunctionName", "PolicyName")}
        else:
            resolved_now = props
        depends_on = resource.get("DependsOn") or []
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        found = references(resolved_now) | set(depends_on)
        return {d for d in found if d in (self.template.get("Resources") or {})}

    def _props(self, logical_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        return self.resolver.resolve(resource.get("Properties") or {}, f"{logical_id}.Properties")

    def _name(self, logical_id: str, max_length: int = 80) -> str:
        return f"{self.stack}-{logical_id}"[:max_length]

    def _arn(self, service: str, resource: str, region: bool = True) -> str:
        r = self.resolver
        return f"arn:aws:{service}:{r.region if region else ''}:{r.account_id}:{resource}"

    # ---------------------------------------------------------------- per type

    def _create(self, logical_id: str, kind: str, resource: dict[str, Any]) -> None:
        creator = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::Events::Rule": self._rule,
            "AWS::Scheduler::ScheduleGroup": self._schedule_group,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::IAM::Role": self._role,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::HttpApi": self._http_api,
            "AWS::Serverless::LayerVersion": self._layer,
        }.get(kind)
        if creator is None:
            if kind not in _NAME_ONLY:
                log.debug("%s (%s): not emulated locally; given a name only", logical_id, kind)
            self.resolver.set_resource(logical_id, self._name(logical_id))
            return
        creator(logical_id, resource)

    def _table(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("TableName") or self._name(logical_id, 255)
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
        ddb = self.clients("dynamodb")
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
        self.resolver.set_resource(logical_id, name, attrs)

    def _queue(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        fifo = _bool(props.get("FifoQueue", False))
        name = props.get("QueueName") or (self._name(logical_id, 75) + (".fifo" if fifo else ""))
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
        sqs = self.clients("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.resolver.set_resource(logical_id, url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _event_bus(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props["Name"]
        arn = self.clients("events").create_event_bus(Name=name)["EventBusArn"]
        self.resolver.set_resource(logical_id, name, {"Arn": arn, "Name": name})

    def _rule(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        self._put_rule(logical_id, props)

    def _put_rule(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self._name(logical_id, 64)
        args: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
        for key in ("ScheduleExpression", "Description", "EventBusName", "RoleArn"):
            if props.get(key):
                args[key] = props[key]
        if props.get("EventPattern"):
            pattern = props["EventPattern"]
            args["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        events = self.clients("events")
        arn = events.put_rule(**args)["RuleArn"]
        targets = [
            {k: v for k, v in target.items() if k in ("Id", "Arn", "Input", "InputPath", "RoleArn")}
            for target in props.get("Targets") or []
        ]
        if targets:
            events.put_targets(Rule=name, EventBusName=args.get("EventBusName", "default"), Targets=targets)
        self.resolver.set_resource(logical_id, name, {"Arn": arn})

    def _schedule_group(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("Name") or self._name(logical_id, 64)
        arn = self.clients("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
        self.resolver.set_resource(logical_id, name, {"Arn": arn})

    def _schedule(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("Name") or self._name(logical_id, 64)
        args = {k: v for k, v in props.items() if k != "Name"}
        args.setdefault("FlexibleTimeWindow", {"Mode": "OFF"})
        arn = self.clients("scheduler").create_schedule(Name=name, **args)["ScheduleArn"]
        self.resolver.set_resource(logical_id, name, {"Arn": arn})

    def _topic(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("TopicName") or self._name(logical_id, 256)
        arn = self.clients("sns").create_topic(Name=name)["TopicArn"]
        self.resolver.set_resource(logical_id, arn, {"TopicArn": arn, "TopicName": name})

    def _subscription(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        arn = self.clients("sns").subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props.get("Endpoint", "")
        )["SubscriptionArn"]
        self.resolver.set_resource(logical_id, arn, {"Arn": arn})

    def _log_group(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("LogGroupName") or self._name(logical_id, 512)
        logs = self.clients("logs")
        logs.create_log_group(logGroupName=name)
        if props.get("RetentionInDays"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
        self.resolver.set_resource(logical_id, name, {"Arn": self._arn("logs", f"log-group:{name}:*")})

    def _alarm(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("AlarmName") or self._name(logical_id, 255)
        args = {k: v for k, v in props.items() if k != "AlarmName"}
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in args:
                args[key] = int(args[key])
        if "Threshold" in args:
            args["Threshold"] = float(args["Threshold"])
        if "OKActions" in args:
            args["OKActions"] = args.pop("OKActions")
        try:
            self.clients("cloudwatch").put_metric_alarm(AlarmName=name, **args)
        except Exception as exc:  # moto does not model every alarm shape; the alarm is never evaluated anyway
            log.debug("%s: alarm not stored in moto: %s", logical_id, exc)
        self.resolver.set_resource(logical_id, name, {"Arn": self._arn("cloudwatch", f"alarm:{name}")})

    def _dashboard(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = self._props(logical_id, resource)
        name = props.get("DashboardName") or self._name(logical_id, 255)
        try:
            self.clients("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=props["DashboardBody"])
        except Exception as exc:
            log.debug("%s: dashboard not stored in moto: %s", logical_id, exc)
        self.resolver.set_resource(logical_id, name)

    def _role(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = resource.get("Properties") or {}
        name = self.resolver.resolve(props.get("RoleName"), logical_id) or self._name(logical_id, 64)
        self.resolver.set_resource(
            logical_id, name, {"Arn": self._arn("iam", f"role/{name}", region=False), "RoleId": name}
        )

    def _function(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = merge_globals(
            (self.template.get("Globals") or {}).get("Function"), resource.get("Properties") or {}
        )
        where = f"{logical_id}.Properties"
        name = self.resolver.resolve(props.get("FunctionName"), f"{where}.FunctionName") or self._name(
            logical_id, 64
        )
        arn = self._arn("lambda", f"function:{name}")
        if not props.get("Role"):
            role = f"{logical_id}Role"
            self.resolver.set_resource(
                role, f"{name}-role", {"Arn": self._arn("iam", f"role/{name}-role", region=False)}
            )
        self.resolver.set_resource(logical_id, name, {"Arn": arn})
        for event_id, event in (props.get("Events") or {}).items():
            if event.get("Type") == "Schedule":
                event_props = self.resolver.resolve(
                    event.get("Properties") or {}, f"{where}.Events.{event_id}"
                )
                rule_props = {
                    "Name": event_props.get("Name") or self._name(f"{logical_id}{event_id}", 64),
                    "ScheduleExpression": event_props.get("Schedule"),
                    "Description": event_props.get("Description"),
                    "State": "DISABLED" if event_props.get("Enabled") is False else event_props.get("State"),
                    "Targets": [{"Id": f"{logical_id}{event_id}LambdaTarget", "Arn": arn}],
                }
                if event_props.get("Input"):
                    rule_props["Targets"][0]["Input"] = event_props["Input"]
                self._put_rule(f"{logical_id}{event_id}", {k: v for k, v in rule_props.items() if v})

    def _http_api(self, logical_id: str, resource: dict[str, Any]) -> None:
        api_id = hashlib.sha1(f"{self.stack}/{logical_id}".encode()).hexdigest()[:10]
        endpoint = self.api_url or f"https://{api_id}.execute-api.{self.resolver.region}.amazonaws.com"
        self.resolver.set_resource(logical_id, api_id, {"ApiEndpoint": endpoint, "ApiId": api_id})

    def _layer(self, logical_id: str, resource: dict[str, Any]) -> None:
        props = resource.get("Properties") or {}
        name = self.resolver.resolve(props.get("LayerName"), logical_id) or self._name(logical_id, 64)
        self.resolver.set_resource(logical_id, self._arn("lambda", f"layer:{name}:1"))


class _CachedClients:
    def __init__(self, factory: ClientFactory):
        self.factory = factory
        self.cache: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self.cache:
            self.cache[service] = self.factory(service)
        return self.cache[service]


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _ints(mapping: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in mapping.items()}
