"""Template hardening (docs/security.md): checkov finds no failed check, on the SAM template and on
the CloudFormation the transform makes of it; every skip sits in its resource's Metadata with a
reason; and the hardening the issue names is there, asserted one by one.

checkov lives in a venv of its own (`make checkov-venv`: it pins boto3 below requirements-dev.txt);
without it the checkov tests skip, and `make test` always builds it first.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.template.conftest import REPO_ROOT, TEMPLATE_PATH

CHECKOV = Path(os.environ.get("CHECKOV", REPO_ROOT / ".venv" / "checkov" / "bin" / "checkov"))

# Parameters whose value is a secret or derived from one: never shown by CloudFormation.
SECRET_PARAMETER = re.compile(r"key|secret|password|token|hash|credential", re.I)

needs_checkov = pytest.mark.skipif(
    not CHECKOV.is_file(), reason=f"{CHECKOV} missing: run `make checkov-venv`"
)


def _run_checkov(*paths: Path) -> dict[str, Any]:
    """One checkov process for every file (its start-up is most of its time); its JSON report."""
    files = [arg for path in paths for arg in ("-f", str(path))]
    out = subprocess.run(
        [str(CHECKOV), *files, "--framework", "cloudformation", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
        cwd=REPO_ROOT,
        check=False,
    )
    assert out.returncode in (0, 1), f"checkov exited {out.returncode}:\n{out.stderr}"
    report = json.loads(out.stdout)
    # One framework gives one report; nothing to scan would give a bare summary.
    assert isinstance(report, dict) and "results" in report, out.stdout[:2000]
    return report


@pytest.fixture(scope="module")
def checkov_results(cfn_template: dict[str, Any], tmp_path_factory) -> dict[str, dict[str, list]]:
    """{"sam" | "cloudformation": {"passed_checks" | "failed_checks" | "skipped_checks": [...]}}."""
    transformed = tmp_path_factory.mktemp("checkov") / "transformed.json"
    transformed.write_text(json.dumps(cfn_template, indent=1))
    report = _run_checkov(TEMPLATE_PATH, transformed)
    assert report["summary"]["parsing_errors"] == 0, report["results"]["parsing_errors"]
    runs: dict[str, dict[str, list]] = {"sam": {}, "cloudformation": {}}
    for outcome in ("passed_checks", "failed_checks", "skipped_checks"):
        for run in runs.values():
            run[outcome] = []
        for check in report["results"][outcome]:
            run = "sam" if check["file_path"].endswith(TEMPLATE_PATH.name) else "cloudformation"
            assert run == "sam" or check["file_path"].endswith(transformed.name), check["file_path"]
            runs[run][outcome].append(check)
    return runs


def _describe(failed: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['check_id']} {c['check_name']}: {c['resource']}" for c in failed)


def metadata_skips(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(logical id, {"id", "comment"}) for every checkov skip in the resources' Metadata."""
    return [
        (logical_id, skip)
        for logical_id, resource in resources.items()
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip", [])
    ]


# ------------------------------------------------------------------ checkov


@needs_checkov
@pytest.mark.parametrize("run", ["sam", "cloudformation"])
def test_checkov_finds_no_failed_check(checkov_results, run):
    failed = checkov_results[run]["failed_checks"]
    assert failed == [], f"checkov ({run}) failed checks:\n{_describe(failed)}"
    assert checkov_results[run]["passed_checks"], f"checkov ({run}) passed nothing: did it scan?"


@needs_checkov
@pytest.mark.parametrize("run", ["sam", "cloudformation"])
def test_every_skip_is_used_and_has_its_reason(checkov_results, sam_resources, run):
    """What checkov skipped is exactly what the Metadata asks for, each with its comment: a skip
    that no longer matches a finding (the resource was hardened, or renamed) is noticed."""
    skipped = {
        (c["resource"].split(".", 1)[1], c["check_id"]): c["check_result"].get("suppress_comment", "")
        for c in checkov_results[run]["skipped_checks"]
    }
    asked = {(logical_id, skip["id"]): skip["comment"] for logical_id, skip in metadata_skips(sam_resources)}
    assert set(skipped) == set(asked)
    for key, comment in skipped.items():
        assert comment == asked[key], key


def test_each_skip_in_metadata_names_a_check_and_gives_a_reason(sam_resources):
    skips = metadata_skips(sam_resources)
    assert skips, "no checkov skip in the template's Metadata"
    seen = set()
    for logical_id, skip in skips:
        assert set(skip) == {"id", "comment"}, (logical_id, skip)
        assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]), (logical_id, skip)
        assert isinstance(skip["comment"], str) and len(skip["comment"].strip()) >= 20, (logical_id, skip)
        assert (logical_id, skip["id"]) not in seen, f"{logical_id} skips {skip['id']} twice"
        seen.add((logical_id, skip["id"]))


def test_function_skips_keep_the_build_method(sam_resources):
    for logical_id, resource in sam_resources.items():
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            assert resource["Metadata"]["BuildMethod"] == "makefile", logical_id


# ------------------------------------------------------------------ the hardening, one by one


def test_every_queue_is_encrypted_at_rest(sam_resources):
    queues = {k: r for k, r in sam_resources.items() if r["Type"] == "AWS::SQS::Queue"}
    assert len(queues) >= 7
    for logical_id, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True or props.get("KmsMasterKeyId"), logical_id


def test_tables_have_point_in_time_recovery_in_every_stage(sam_resources):
    for logical_id in ("JobsTable", "IdempotencyTable"):
        props = sam_resources[logical_id]["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical_id
        assert props["SSESpecification"]["SSEEnabled"] is True, logical_id


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(sam_resources):
    """Not aws/sns: CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key."""
    topic = sam_resources["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = sam_resources["AlarmTopicKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(cloudwatch) == 1
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # No one else but the account itself (through IAM).
    others = [s for s in statements if s not in cloudwatch]
    assert [s["Principal"] for s in others] == [
        {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    ]


def test_the_sweeper_runs_alone_and_the_worker_is_not_capped_below_its_queues(sam_resources):
    assert sam_resources["SweeperFunction"]["Properties"]["ReservedConcurrentExecutions"] == 1
    # The worker's bound is the per-queue MaximumConcurrency; a reserved concurrency under their
    # sum would throttle the pollers.
    assert "ReservedConcurrentExecutions" not in sam_resources["WorkerFunction"]["Properties"]


def test_the_dispatcher_dead_letters_failed_fires(sam_resources, cfn_resources):
    dlq = sam_resources["DispatcherFunction"]["Properties"]["DeadLetterQueue"]
    assert dlq == {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}
    function = cfn_resources["DispatcherFunction"]["Properties"]
    assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}


def test_secret_parameters_are_no_echo(sam_template):
    secret = [name for name in sam_template["Parameters"] if SECRET_PARAMETER.search(name)]
    assert "AdminKeyHash" in secret
    for name in secret:
        assert sam_template["Parameters"][name].get("NoEcho") is True, name


def test_http_api_has_default_throttling(sam_template, sam_resources, cfn_resources):
    params = sam_template["Parameters"]
    assert params["ApiThrottlingBurstLimit"]["Default"] == 200
    assert params["ApiThrottlingRateLimit"]["Default"] == 100
    settings = sam_resources["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert settings == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
    }
    # What API Gateway gets: the $default stage of the HTTP API, every route.
    stages = [r["Properties"] for r in cfn_resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert len(stages) == 1
    assert stages[0]["StageName"] == "$default"
    assert stages[0]["DefaultRouteSettings"] == settings
    assert "RouteSettings" not in stages[0], "a route overrides the default throttling"


def test_sms_publishing_stays_in_the_stacks_region(cfn_resources):
    """The one wildcard write (SMS to phone numbers has no ARN) is confined to the stack's region."""
    statements = [
        st
        for policy in cfn_resources["WorkerFunctionRole"]["Properties"]["Policies"]
        for st in policy["PolicyDocument"]["Statement"]
        if st.get("Action") == "sns:Publish"
    ]
    assert len(statements) == 1
    assert statements[0]["Resource"] == "*"
    assert statements[0]["Condition"] == {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}}
