"""What a deployer relies on in template.yaml (see docs/architecture.md and docs/api.md).

Checks run on the CloudFormation produced by the SAM transform where SAM fills in details
(event source mappings, roles, API routes), and on the SAM template where it is the source.
"""

from __future__ import annotations

import ast
import json
import re
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from jobqueue.adapters.dynamodb.indexes import STATUS_INDEX_ATTRIBUTES
from tests.template.conftest import REPO_ROOT

# ------------------------------------------------------------------ the contract

# docs/architecture.md, "Template logical ids".
LOGICAL_IDS = {
    "HttpApi": "AWS::Serverless::HttpApi",
    "JobqueueLayer": "AWS::Serverless::LayerVersion",
    "HandlersLayer": "AWS::Serverless::LayerVersion",
    "ApiFunction": "AWS::Serverless::Function",
    "AuthorizerFunction": "AWS::Serverless::Function",
    "WorkerFunction": "AWS::Serverless::Function",
    "DeadLetterFunction": "AWS::Serverless::Function",
    "SweeperFunction": "AWS::Serverless::Function",
    "StreamFunction": "AWS::Serverless::Function",
    "DispatcherFunction": "AWS::Serverless::Function",
    "JobsTable": "AWS::DynamoDB::Table",
    "CriticalQueue": "AWS::SQS::Queue",
    "HighQueue": "AWS::SQS::Queue",
    "NormalQueue": "AWS::SQS::Queue",
    "LowQueue": "AWS::SQS::Queue",
    "JobsDeadLetterQueue": "AWS::SQS::Queue",
    "JobEventsBus": "AWS::Events::EventBus",
    "JobSchedulesGroup": "AWS::Scheduler::ScheduleGroup",
    "SchedulerRole": "AWS::IAM::Role",
    "OperationsDashboard": "AWS::CloudWatch::Dashboard",
}

FUNCTIONS = {
    # logical id: (folder, handler)
    "ApiFunction": ("functions/api", "api_app.lambda_handler"),
    "AuthorizerFunction": ("functions/authorizer", "authorizer_app.lambda_handler"),
    "WorkerFunction": ("functions/worker", "worker_app.lambda_handler"),
    "DeadLetterFunction": ("functions/deadletter", "deadletter_app.lambda_handler"),
    "SweeperFunction": ("functions/sweeper", "sweeper_app.lambda_handler"),
    "StreamFunction": ("functions/stream", "stream_app.lambda_handler"),
    "DispatcherFunction": ("functions/dispatcher", "dispatcher_app.lambda_handler"),
}

JOB_QUEUES = ["CriticalQueue", "HighQueue", "NormalQueue", "LowQueue"]
WORKER_EVENTS = {
    "CriticalQueueEvent": ("CriticalQueue", "CriticalConcurrency"),
    "HighQueueEvent": ("HighQueue", "HighConcurrency"),
    "NormalQueueEvent": ("NormalQueue", "NormalConcurrency"),
    "LowQueueEvent": ("LowQueue", "LowConcurrency"),
}

# The HTTP contract v1 (docs/api.md).
ROUTES = {
    ("POST", "/v1/jobs"),
    ("POST", "/v1/jobs/batch"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/jobs/{id}"),
    ("POST", "/v1/jobs/{id}/cancel"),
    ("POST", "/v1/jobs/{id}/retry"),
    ("PATCH", "/v1/jobs/{id}"),
    ("GET", "/v1/handlers"),
    ("GET", "/v1/usage"),
    ("GET", "/v1/health"),
    ("GET", "/v1/trends"),
    ("GET", "/v1/metrics/performance"),
    ("GET", "/v1/queue"),
    ("GET", "/v1/alerts"),
    ("POST", "/v1/alerts/{id}/ack"),
    ("GET", "/v1/alerts/rules"),
    ("PUT", "/v1/alerts/rules"),
    ("GET", "/v1/events"),
    ("POST", "/v1/maintenance-jobs"),
    ("GET", "/v1/admin/stats"),
    ("PUT", "/v1/admin/tenants/{tenant_id}"),
    ("GET", "/v1/admin/tenants/{tenant_id}"),
    ("GET", "/v1/admin/tenants"),
    ("POST", "/v1/admin/tenants/{tenant_id}/keys"),
    ("GET", "/v1/admin/tenants/{tenant_id}/keys"),
    ("DELETE", "/v1/admin/tenants/{tenant_id}/keys/{key_id}"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/docs"),
    ("GET", "/healthz"),
    ("GET", "/dashboard"),
    ("GET", "/dashboard/{asset}"),
}
OPEN_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/docs"),
    ("GET", "/dashboard"),
    ("GET", "/dashboard/{asset}"),
}

COMMON_ENV = {
    "JOBS_TABLE_NAME",
    "STAGE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
QUEUE_ENV = {"QUEUE_URL_CRITICAL", "QUEUE_URL_HIGH", "QUEUE_URL_NORMAL", "QUEUE_URL_LOW"}
SCHEDULER_ENV = {"SCHEDULE_GROUP_NAME", "SCHEDULER_ROLE_ARN", "DISPATCHER_FUNCTION_ARN"}
FUNCTION_ENV = {
    "ApiFunction": QUEUE_ENV | SCHEDULER_ENV | {"DEAD_LETTER_QUEUE_URL"},
    "AuthorizerFunction": {"ADMIN_KEY_HASH"},
    "WorkerFunction": QUEUE_ENV,
    "DeadLetterFunction": {"DEAD_LETTER_QUEUE_URL"},
    "SweeperFunction": QUEUE_ENV | {"EVENT_BUS_NAME"},  # alert notifications
    "StreamFunction": {"EVENT_BUS_NAME", "LIFECYCLE_EVENTS"} | QUEUE_ENV,  # it queues released dependents
    "DispatcherFunction": QUEUE_ENV | SCHEDULER_ENV,
}

JOB_METRICS = {"JobsCompleted", "JobsFailed", "JobsRetried", "ExecutionMs", "QueueWaitMs"}


# ------------------------------------------------------------------ helpers


def parameter_sets(sam: dict[str, Any]) -> list[dict[str, Any]]:
    """Defaults, plus every allowed worker timeout and the extremes of the concurrency ranges."""
    params = sam["Parameters"]
    defaults = {name: p.get("Default") for name, p in params.items()}
    timeouts = params["WorkerTimeoutSeconds"]["AllowedValues"]
    sets = []
    for timeout, bound in product(timeouts, ["MinValue", "MaxValue"]):
        values = dict(defaults, WorkerTimeoutSeconds=timeout)
        for name in ("CriticalConcurrency", "HighConcurrency", "NormalConcurrency", "LowConcurrency"):
            values[name] = params[name][bound]
        sets.append(values)
    return [defaults, *sets]


def resolve(value: Any, params: dict[str, Any], sam: dict[str, Any]) -> Any:
    """Resolve the few intrinsics numeric settings may use: Ref to a parameter, FindInMap."""
    if isinstance(value, dict) and "Ref" in value:
        return params[value["Ref"]]
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        name, top, second = (resolve(v, params, sam) for v in value["Fn::FindInMap"])
        return sam["Mappings"][name][str(top)][second]
    return value


def getatt_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return target[0] if isinstance(target, list) else target.split(".")[0]
    return None


def sqs_event_sources(cfn_resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every event source mapping whose source is an SQS queue of this template."""
    out = {}
    for logical_id, res in cfn_resources.items():
        if res["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        source = getatt_target(res["Properties"]["EventSourceArn"])
        if source and cfn_resources.get(source, {}).get("Type") == "AWS::SQS::Queue":
            out[logical_id] = res["Properties"]
    return out


def iam_statements(cfn_resources: dict[str, Any]):
    """(owner logical id, statement) for every inline IAM statement in the stack."""
    for logical_id, res in cfn_resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for st in policy["PolicyDocument"]["Statement"]:
                    yield logical_id, st
        elif res["Type"] in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for st in props["PolicyDocument"]["Statement"]:
                yield logical_id, st


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def defines_lambda_handler(source: str) -> bool:
    """True when the module binds `lambda_handler` at top level (def, assignment or import)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "lambda_handler":
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "lambda_handler" for t in node.targets
        ):
            return True
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "lambda_handler"
        ):
            return True
        if isinstance(node, ast.ImportFrom) and any(
            (alias.asname or alias.name) == "lambda_handler" for alias in node.names
        ):
            return True
    return False


# ------------------------------------------------------------------ logical ids and code


def test_contract_logical_ids_exist(sam_resources):
    for logical_id, rtype in LOGICAL_IDS.items():
        assert logical_id in sam_resources, f"{logical_id} missing from template.yaml"
        assert sam_resources[logical_id]["Type"] == rtype, logical_id


def test_functions_match_contract(sam_template, sam_resources):
    functions = {k for k, r in sam_resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions == set(FUNCTIONS)
    globals_fn = sam_template["Globals"]["Function"]
    assert globals_fn["Runtime"] == "python3.12"
    assert globals_fn["Architectures"] == ["arm64"]
    assert globals_fn["Layers"] == [{"Ref": "JobqueueLayer"}]
    for logical_id, (code_uri, handler) in FUNCTIONS.items():
        props = sam_resources[logical_id]["Properties"]
        assert props["CodeUri"] == code_uri, logical_id
        assert props["Handler"] == handler, logical_id
        assert sam_resources[logical_id]["Metadata"]["BuildMethod"] == "makefile", logical_id


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_file_exists_and_defines_lambda_handler(logical_id):
    code_uri, handler = FUNCTIONS[logical_id]
    module, _, attr = handler.rpartition(".")
    path = REPO_ROOT / code_uri / f"{module}.py"
    assert path.is_file(), f"{logical_id}: handler file {path.relative_to(REPO_ROOT)} does not exist"
    assert attr == "lambda_handler"
    assert defines_lambda_handler(path.read_text()), (
        f"{path.relative_to(REPO_ROOT)} defines no lambda_handler"
    )


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_makefile_has_build_target(logical_id):
    """`sam build` (BuildMethod makefile) runs `make build-<LogicalId>` in the CodeUri folder."""
    makefile = REPO_ROOT / FUNCTIONS[logical_id][0] / "Makefile"
    assert makefile.is_file(), makefile
    assert re.search(rf"^build-{logical_id}:", makefile.read_text(), re.M), makefile


def test_layer_is_built_for_arm64_without_docker(sam_resources):
    layer = sam_resources["JobqueueLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    props = layer["Properties"]
    assert props["ContentUri"] == "layers/jobqueue"
    assert "python3.12" in props["CompatibleRuntimes"]
    assert props["CompatibleArchitectures"] == ["arm64"]
    makefile = (REPO_ROOT / "layers/jobqueue/Makefile").read_text()
    assert re.search(r"^build-JobqueueLayer:", makefile, re.M)
    for flag in ("--platform manylinux2014_aarch64", "--python-version 3.12", "--only-binary=:all:"):
        assert flag in makefile, flag


def test_the_apps_handlers_layer_reaches_the_api_and_the_worker_only(sam_resources):
    layer = sam_resources["HandlersLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"] == "layers/handlers"
    assert re.search(r"^build-HandlersLayer:", (REPO_ROOT / "layers/handlers/Makefile").read_text(), re.M)
    assert (REPO_ROOT / "layers/handlers/app_handlers/__init__.py").is_file()
    with_layer = {
        logical_id
        for logical_id in FUNCTIONS
        if {"Ref": "HandlersLayer"} in (sam_resources[logical_id]["Properties"].get("Layers") or [])
    }
    assert with_layer == {"ApiFunction", "WorkerFunction"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_environment(logical_id, cfn_resources):
    env = cfn_resources[logical_id]["Properties"]["Environment"]["Variables"]
    missing = (COMMON_ENV | FUNCTION_ENV[logical_id]) - set(env)
    assert not missing, f"{logical_id} lacks {sorted(missing)}"
    assert env["POWERTOOLS_SERVICE_NAME"] == "jobqueue"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "JobQueue"
    assert env["JOBS_TABLE_NAME"] == {"Ref": "JobsTable"}


def test_queue_urls_point_at_their_band(cfn_resources):
    for logical_id in ("ApiFunction", "WorkerFunction", "SweeperFunction", "DispatcherFunction"):
        env = cfn_resources[logical_id]["Properties"]["Environment"]["Variables"]
        for band in ("critical", "high", "normal", "low"):
            assert env[f"QUEUE_URL_{band.upper()}"] == {"Ref": f"{band.capitalize()}Queue"}, logical_id


# ------------------------------------------------------------------ queues and workers


def test_job_queue_visibility_is_at_least_six_worker_timeouts(sam_template, cfn_resources):
    worker = cfn_resources["WorkerFunction"]["Properties"]
    for params in parameter_sets(sam_template):
        timeout = resolve(worker["Timeout"], params, sam_template)
        for queue in JOB_QUEUES:
            visibility = resolve(
                cfn_resources[queue]["Properties"]["VisibilityTimeout"], params, sam_template
            )
            assert visibility >= 6 * timeout, (queue, params["WorkerTimeoutSeconds"], visibility)
            assert visibility <= 43200, "SQS caps the visibility timeout at 12 hours"


def test_every_sqs_consumer_has_visibility_of_six_timeouts(sam_template, cfn_resources):
    """Not only the worker: any function fed by one of our queues (e.g. the dead-letter one)."""
    sources = sqs_event_sources(cfn_resources)
    assert sources
    for params in parameter_sets(sam_template):
        for esm_id, esm in sources.items():
            fn = cfn_resources[esm["FunctionName"]["Ref"]]["Properties"]
            queue = cfn_resources[getatt_target(esm["EventSourceArn"])]["Properties"]
            timeout = resolve(fn["Timeout"], params, sam_template)
            visibility = resolve(queue.get("VisibilityTimeout", 30), params, sam_template)
            assert visibility >= 6 * timeout, (esm_id, timeout, visibility)


def test_job_queues_redrive_to_the_dead_letter_queue(sam_template, cfn_resources):
    for queue in JOB_QUEUES:
        props = cfn_resources[queue]["Properties"]
        redrive = props["RedrivePolicy"]
        assert getatt_target(redrive["deadLetterTargetArn"]) == "JobsDeadLetterQueue", queue
        assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}, queue
        assert props["SqsManagedSseEnabled"] is True, queue
        assert props["MessageRetentionPeriod"] == 14 * 24 * 3600, queue
    dlq = cfn_resources["JobsDeadLetterQueue"]["Properties"]
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert "RedrivePolicy" not in dlq
    # A retry budget of one would dead-letter a job on its first crash.
    assert sam_template["Parameters"]["MaxReceiveCount"]["Default"] >= 3


def test_worker_consumes_every_job_queue(sam_resources):
    events = sam_resources["WorkerFunction"]["Properties"]["Events"]
    assert set(events) == set(WORKER_EVENTS)
    for name, (queue, concurrency_param) in WORKER_EVENTS.items():
        assert events[name]["Type"] == "SQS"
        props = events[name]["Properties"]
        assert getatt_target(props["Queue"]) == queue, name
        assert props["BatchSize"] == 10, name
        assert props["ScalingConfig"]["MaximumConcurrency"] == {"Ref": concurrency_param}, name


def test_every_sqs_event_source_reports_batch_item_failures_and_caps_concurrency(sam_template, cfn_resources):
    sources = sqs_event_sources(cfn_resources)
    # four job queues + the dead-letter queue
    assert len(sources) == 5, sorted(sources)
    for params in parameter_sets(sam_template):
        for esm_id, esm in sources.items():
            assert esm.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], esm_id
            maximum = resolve(esm["ScalingConfig"]["MaximumConcurrency"], params, sam_template)
            assert 2 <= maximum <= 1000, (esm_id, maximum)


def test_concurrency_is_weighted_by_priority_and_low_never_starves(sam_template):
    params = sam_template["Parameters"]
    defaults = [params[f"{band}Concurrency"]["Default"] for band in ("Critical", "High", "Normal", "Low")]
    assert defaults == sorted(defaults, reverse=True), defaults
    critical, low = defaults[0], defaults[-1]
    assert critical > low >= 2
    for band in ("Critical", "High", "Normal", "Low"):
        assert params[f"{band}Concurrency"]["MinValue"] >= 2, band


def test_stream_function_reads_the_table_stream(sam_resources, cfn_resources):
    event = sam_resources["StreamFunction"]["Properties"]["Events"]["JobsTableStream"]
    assert event["Type"] == "DynamoDB"
    props = event["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["JobsTable", "StreamArn"]}
    assert props["StartingPosition"] == "LATEST"
    assert props["BatchSize"] == 100
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    table = cfn_resources["JobsTable"]["Properties"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_lifecycle_events_are_a_parameter_terminal_by_default(sam_template, cfn_resources):
    param = sam_template["Parameters"]["LifecycleEvents"]
    assert (param["AllowedValues"], param["Default"]) == (["terminal", "all", "none"], "terminal")
    env = cfn_resources["StreamFunction"]["Properties"]["Environment"]["Variables"]
    assert env["LIFECYCLE_EVENTS"] == {"Ref": "LifecycleEvents"}


def test_tracing_is_a_parameter_active_by_default_on_every_function(sam_template, cfn_resources):
    param = sam_template["Parameters"]["Tracing"]
    assert param["Default"] == "Active" and param["AllowedValues"] == ["Active", "PassThrough"]
    functions = {n: r for n, r in cfn_resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert functions
    for name, resource in functions.items():
        assert resource["Properties"]["TracingConfig"] == {"Mode": {"Ref": "Tracing"}}, name


def test_sweeper_runs_every_minute(sam_resources):
    events = sam_resources["SweeperFunction"]["Properties"]["Events"]
    schedules = [e for e in events.values() if e["Type"] == "Schedule"]
    assert [e["Properties"]["Schedule"] for e in schedules] == ["rate(1 minute)"]


# ------------------------------------------------------------------ table


def test_jobs_table_layout(cfn_resources):
    table = cfn_resources["JobsTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
        "PK": "S",
        "SK": "S",
        "GSI1PK": "S",
        "GSI1SK": "S",
        "GSI2PK": "S",
        "GSI2SK": "S",
    }
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"GSI1", "GSI2"}
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}PK", "KeyType": "HASH"},
            {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
        ]
    # Slim projections (docs/decisions/013): GSI1 what its readers filter on, GSI2 keys only.
    assert indexes["GSI1"]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": list(STATUS_INDEX_ATTRIBUTES),
    }
    assert indexes["GSI2"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


# ------------------------------------------------------------------ HTTP API


def _api_operations(cfn_resources) -> dict[tuple[str, str], dict[str, Any]]:
    body = cfn_resources["HttpApi"]["Properties"]["Body"]
    return {
        (method.upper(), path): operation
        for path, methods in body["paths"].items()
        for method, operation in methods.items()
    }


def test_every_route_of_the_contract_is_deployed(sam_resources, cfn_resources):
    deployed = set(_api_operations(cfn_resources))
    assert deployed == ROUTES, {"missing": ROUTES - deployed, "unexpected": deployed - ROUTES}
    # ... and every one goes to the api function.
    events = sam_resources["ApiFunction"]["Properties"]["Events"].values()
    declared = {(e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events}
    assert declared == ROUTES
    assert all(e["Type"] == "HttpApi" and e["Properties"]["ApiId"] == {"Ref": "HttpApi"} for e in events)


def test_key_authorizer_is_the_default(sam_resources, cfn_resources):
    auth = sam_resources["HttpApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "KeyAuthorizer"
    authorizer = auth["Authorizers"]["KeyAuthorizer"]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    assert authorizer["EnableFunctionDefaultPermissions"] is True
    schemes = cfn_resources["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]
    assert set(schemes) == {"KeyAuthorizer"}
    config = schemes["KeyAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert config["type"] == "request"
    assert config["identitySource"] == ["$request.header.Authorization"]
    assert config["authorizerPayloadFormatVersion"] == "2.0"
    assert config["enableSimpleResponses"] is True
    assert config["authorizerResultTtlInSeconds"] == 30


def test_only_liveness_docs_and_the_dashboard_page_are_open(cfn_resources):
    for route, operation in _api_operations(cfn_resources).items():
        expected = [{"NONE": []}] if route in OPEN_ROUTES else [{"KeyAuthorizer": []}]
        assert operation.get("security") == expected, route


def test_api_gateway_may_invoke_the_authorizer(cfn_resources):
    permissions = [
        r["Properties"]
        for r in cfn_resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["FunctionName"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    ]
    assert [p["Principal"] for p in permissions] == ["apigateway.amazonaws.com"]


# ------------------------------------------------------------------ IAM


def test_no_full_access_managed_policies(sam_resources, cfn_resources):
    for logical_id, res in cfn_resources.items():
        if res["Type"] == "AWS::IAM::Role":
            for arn in res["Properties"].get("ManagedPolicyArns", []):
                assert "FullAccess" not in json.dumps(arn), (logical_id, arn)
    for logical_id, res in sam_resources.items():
        if res["Type"] == "AWS::Serverless::Function":
            for policy in as_list(res["Properties"].get("Policies", [])):
                assert "FullAccess" not in json.dumps(policy), (logical_id, policy)


# Actions without resource-level permissions: SMS to phone numbers, CloudWatch metric reads.
WILDCARD_RESOURCE_ACTIONS = {
    ("WorkerFunctionRole", "sns:Publish"),
    ("ApiFunctionRole", "cloudwatch:GetMetricData"),
}


def test_no_wildcard_resources_but_sms_and_metric_reads(cfn_resources):
    """Inline statements name their resources; the exceptions are SMS to phone numbers and the
    API's read of the queues' age metric (neither action has resource-level permissions)."""
    for owner, st in iam_statements(cfn_resources):
        if st.get("Effect") != "Allow":
            continue
        if "*" in as_list(st.get("Resource")):
            assert {(owner, a) for a in as_list(st["Action"])} <= WILDCARD_RESOURCE_ACTIONS, (owner, st)
        assert all(not str(a).endswith(":*") and a != "*" for a in as_list(st["Action"])), (owner, st)


def test_scheduler_role_only_invokes_the_dispatcher(cfn_resources):
    role = cfn_resources["SchedulerRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    statements = [st for owner, st in iam_statements(cfn_resources) if owner == "SchedulerRolePolicy"]
    grants = {(a, json.dumps(st["Resource"])) for st in statements for a in as_list(st["Action"])}
    assert grants == {
        ("lambda:InvokeFunction", json.dumps({"Fn::GetAtt": ["DispatcherFunction", "Arn"]})),
        ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]})),
    }


def test_schedule_permissions_stay_in_the_group(cfn_resources):
    for owner in ("ApiFunctionRole", "DispatcherFunctionRole"):
        for role_owner, st in iam_statements(cfn_resources):
            if role_owner != owner:
                continue
            actions = as_list(st["Action"])
            if any(a.startswith("scheduler:") for a in actions):
                assert "schedule/${JobSchedulesGroup}/*" in st["Resource"]["Fn::Sub"], owner
            if "iam:PassRole" in actions:
                assert st["Resource"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}, owner


# ------------------------------------------------------------------ monitoring


def _alarms(cfn_resources):
    return {k: r["Properties"] for k, r in cfn_resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _alarm_dimension_targets(alarm) -> set[str]:
    return {getatt_target(d["Value"]) or d["Value"].get("Ref", "") for d in alarm.get("Dimensions", [])}


def test_alarms_cover_dead_letters_backlog_worker_and_api(cfn_resources):
    alarms = _alarms(cfn_resources).values()

    def watched(metric):
        return {t for a in alarms if a.get("MetricName") == metric for t in _alarm_dimension_targets(a)}

    assert "JobsDeadLetterQueue" in watched("ApproximateNumberOfMessagesVisible")
    assert set(JOB_QUEUES) <= watched("ApproximateAgeOfOldestMessage")
    assert "WorkerFunction" in watched("Errors")
    assert "HttpApi" in watched("5xx")
    assert "StreamFunction" in watched("IteratorAge")  # the tallies and the event feed lag
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def _expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["expression"]] if isinstance(node.get("expression"), str) else []
        return found + [e for v in node.values() for e in _expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in _expressions(v)]
    return []


def test_dashboard_is_valid_json_with_the_job_metrics(cfn_resources):
    body = cfn_resources["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    # A broken body only fails at deploy time: render the !Sub and parse it.
    rendered = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    expressions = " ".join(_expressions(rendered["widgets"]))
    for metric in JOB_METRICS:
        # dimensions exactly {priority, type}: no tenant dimension (about $0.30 per metric per
        # tenant per month)
        assert f'{{JobQueue,priority,type}} MetricName="{metric}"' in expressions, metric
    for queue in [*JOB_QUEUES, "JobsDeadLetterQueue"]:
        assert f"${{{queue}.QueueName}}" in body, queue
    assert "${WorkerFunction}" in body
    # The activity path: how far the stream function is behind, its failures, the table's
    # throttles and transaction conflicts.
    for needle in ('"IteratorAge", "FunctionName", "${StreamFunction}"', '"TransactionConflict"'):
        assert needle in body, needle


def test_outputs(sam_template):
    outputs = set(sam_template["Outputs"])
    expected = {
        "ApiUrl",
        "JobsTableName",
        "DeadLetterQueueUrl",
        "EventBusName",
        "ScheduleGroupName",
        "DashboardUrl",
    }
    expected |= {f"{q}{kind}" for q in JOB_QUEUES for kind in ("Url", "Arn")}
    assert expected <= outputs, expected - outputs


def test_paths_in_template_are_relative_to_repo_root(sam_resources):
    for logical_id, res in sam_resources.items():
        uri = res.get("Properties", {}).get("CodeUri") or res.get("Properties", {}).get("ContentUri")
        if uri:
            assert (REPO_ROOT / uri).is_dir(), (logical_id, uri)
            assert not Path(uri).is_absolute(), (logical_id, uri)
