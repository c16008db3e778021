"""The template's resources that only get names and ARNs locally (the local stack runs the
functions and serves the HTTP API itself; IAM is not evaluated): IAM roles, functions (whose
`Schedule` events become real rules in moto, as SAM makes them), HTTP APIs and layers."""

from __future__ import annotations

import hashlib
from typing import Any

from local.moto_resources import put_rule
from local.resource_context import ResourceContext
from local.template import merge_globals

# Resource types that exist only as names here: nothing to create in moto.
NAME_ONLY = {
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


def register_role(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = resource.get("Properties") or {}
    name = context.resolver.resolve(props.get("RoleName"), logical_id) or context.name(logical_id, 64)
    context.resolver.set_resource(
        logical_id, name, {"Arn": context.arn("iam", f"role/{name}", region=False), "RoleId": name}
    )


def register_function(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = merge_globals(
        (context.template.get("Globals") or {}).get("Function"), resource.get("Properties") or {}
    )
    where = f"{logical_id}.Properties"
    name = context.resolver.resolve(props.get("FunctionName"), f"{where}.FunctionName") or context.name(
        logical_id, 64
    )
    arn = context.arn("lambda", f"function:{name}")
    if not props.get("Role"):
        role = f"{logical_id}Role"
        context.resolver.set_resource(
            role, f"{name}-role", {"Arn": context.arn("iam", f"role/{name}-role", region=False)}
        )
    context.resolver.set_resource(logical_id, name, {"Arn": arn})
    for event_id, event in (props.get("Events") or {}).items():
        if event.get("Type") == "Schedule":
            event_props = context.resolver.resolve(
                event.get("Properties") or {}, f"{where}.Events.{event_id}"
            )
            rule_props = {
                "Name": event_props.get("Name") or context.name(f"{logical_id}{event_id}", 64),
                "ScheduleExpression": event_props.get("Schedule"),
                "Description": event_props.get("Description"),
                "State": "DISABLED" if event_props.get("Enabled") is False else event_props.get("State"),
                "Targets": [{"Id": f"{logical_id}{event_id}LambdaTarget", "Arn": arn}],
            }
            if event_props.get("Input"):
                rule_props["Targets"][0]["Input"] = event_props["Input"]
            put_rule(context, f"{logical_id}{event_id}", {k: v for k, v in rule_props.items() if v})


def register_http_api(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    api_id = hashlib.sha1(f"{context.stack}/{logical_id}".encode()).hexdigest()[:10]
    endpoint = context.api_url or f"https://{api_id}.execute-api.{context.resolver.region}.amazonaws.com"
    context.resolver.set_resource(logical_id, api_id, {"ApiEndpoint": endpoint, "ApiId": api_id})


def register_layer(context: ResourceContext, logical_id: str, resource: dict[str, Any]) -> None:
    props = resource.get("Properties") or {}
    name = context.resolver.resolve(props.get("LayerName"), logical_id) or context.name(logical_id, 64)
    context.resolver.set_resource(logical_id, context.arn("lambda", f"layer:{name}:1"))


CREATORS = {
    "AWS::IAM::Role": register_role,
    "AWS::Serverless::Function": register_function,
    "AWS::Serverless::HttpApi": register_http_api,
    "AWS::Serverless::LayerVersion": register_layer,
}
