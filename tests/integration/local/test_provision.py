"""template.yaml provisioned into moto: every table, queue, DLQ, bus and schedule group, with the
properties the template gives them (local/provision.py)."""

from __future__ import annotations

import json

from local.function_specs import function_specs
from local.provision import Provisioned, provision, provision_stack
from tests.integration.local.conftest import ROOT, client
from tests.support.moto_env import jobs_table_indexes


def test_provision_returns_names_urls_and_arns_of_every_resource(moto: None) -> None:
    resources = provision(ROOT / "template.yaml", clients=client)

    queue = resources["CriticalQueue"]
    assert queue["Ref"].endswith("/jobqueue-local-CriticalQueue")
    assert queue["Arn"] == "arn:aws:sqs:us-east-1:123456789012:jobqueue-local-CriticalQueue"
    assert resources["JobsTable"]["Ref"] == "jobqueue-local-JobsTable"
    assert resources["JobsTable"]["StreamArn"].startswith(resources["JobsTable"]["Arn"] + "/stream/")
    assert resources["DispatcherFunction"]["Ref"] == "jobqueue-local-dispatcher"
    assert resources["JobEventsBus"]["Ref"] == "jobqueue-local-job-events"
    assert resources["JobSchedulesGroup"]["Ref"] == "jobqueue-local-jobs"


def test_table_has_the_templates_keys_indexes_stream_and_ttl(provisioned: Provisioned) -> None:
    ddb = client("dynamodb")
    name = provisioned.resolver.refs["JobsTable"]

    table = ddb.describe_table(TableName=name)["Table"]
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]

    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"PK": "HASH", "SK": "RANGE"}
    slim = {i["IndexName"]: i["Projection"] for i in jobs_table_indexes()}  # template.yaml's
    assert {i["IndexName"]: i["Projection"] for i in table["GlobalSecondaryIndexes"]} == slim
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_job_queues_have_six_times_the_worker_timeout_and_redrive_to_the_dlq(
    provisioned: Provisioned,
) -> None:
    sqs = client("sqs")
    resources = provisioned.resources()
    dlq_arn = resources["JobsDeadLetterQueue"]["Arn"]
    worker_timeout = int(provisioned.resolver.parameters["WorkerTimeoutSeconds"])
    max_receives = int(provisioned.resolver.parameters["MaxReceiveCount"])

    for band in ("Critical", "High", "Normal", "Low"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=resources[f"{band}Queue"]["Ref"], AttributeNames=["All"]
        )["Attributes"]
        assert attributes["VisibilityTimeout"] == str(6 * worker_timeout)
        assert json.loads(attributes["RedrivePolicy"]) == {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": max_receives,
        }


def test_parameters_flow_through_mappings_into_resources(moto: None) -> None:
    parameters = {"WorkerTimeoutSeconds": "120", "MaxReceiveCount": "2", "LifecycleEvents": "all"}
    provisioned = provision_stack(ROOT / "template.yaml", parameters, clients=client)
    url = provisioned.resolver.refs["LowQueue"]

    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    assert attributes["VisibilityTimeout"] == "720"
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 2
    assert function_specs(provisioned, ROOT)["StreamFunction"].environment["LIFECYCLE_EVENTS"] == "all"


def test_buses_schedule_groups_log_groups_and_the_schedule_rule_exist(provisioned: Provisioned) -> None:
    buses = {b["Name"] for b in client("events").list_event_buses()["EventBuses"]}
    groups = {g["Name"] for g in client("scheduler").list_schedule_groups()["ScheduleGroups"]}
    log_groups = {g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]}
    rules = client("events").list_rules()["Rules"]

    assert "jobqueue-local-job-events" in buses
    assert "jobqueue-local-jobs" in groups
    assert "jobqueue-local-WorkerFunctionLogs" in log_groups
    assert [r["ScheduleExpression"] for r in rules] == ["rate(1 minute)"]


def test_outputs_resolve(provisioned: Provisioned) -> None:
    assert provisioned.outputs["JobsTableName"] == "jobqueue-local-JobsTable"
    assert provisioned.outputs["ApiUrl"].startswith("https://")


def test_every_function_gets_its_env_resolved_to_the_provisioned_resources(provisioned: Provisioned) -> None:
    specs = function_specs(provisioned, ROOT)
    refs = provisioned.resolver.refs

    worker = specs["WorkerFunction"]
    assert worker.handler == "worker_app.lambda_handler"
    assert worker.code_dir == ROOT / "functions" / "worker"
    # the library (Globals), then the app's handlers: both on the function's PYTHONPATH
    assert worker.layer_dirs == [ROOT / "layers" / "jobqueue", ROOT / "layers" / "handlers"]
    assert specs["SweeperFunction"].layer_dirs == [ROOT / "layers" / "jobqueue"]
    assert worker.timeout == int(provisioned.resolver.parameters["WorkerTimeoutSeconds"])
    assert worker.memory == 1024
    assert worker.environment["QUEUE_URL_LOW"] == refs["LowQueue"]
    assert worker.environment["JOBS_TABLE_NAME"] == refs["JobsTable"]
    assert specs["AuthorizerFunction"].environment["ADMIN_KEY_HASH"] == "ab" * 32
    assert specs["StreamFunction"].environment["LIFECYCLE_EVENTS"] == "terminal"  # the default
    assert (
        specs["DispatcherFunction"].environment["DISPATCHER_FUNCTION_ARN"] == specs["DispatcherFunction"].arn
    )
    assert (
        specs["StreamFunction"].events["JobsTableStream"]["Properties"]["Stream"]
        == provisioned.resources()["JobsTable"]["StreamArn"]
    )
