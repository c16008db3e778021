"""Fixtures for the template tests: the SAM template as written, and as CloudFormation.

The SAM -> CloudFormation transform runs in process with samtranslator and a static managed
policy map, so no AWS account, credentials or network are needed.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class StaticManagedPolicyLoader:
    """Stands in for samtranslator's IAM-backed loader (which calls iam:ListPolicies).

    The template names managed policies only through SAM policy templates and the ones SAM adds
    itself by ARN, so the map is only consulted for bare names; the few AWS managed policies a
    SAM template may name are enough here.
    """

    POLICIES = {
        name: f"arn:aws:iam::aws:policy/{path}{name}"
        for path, name in [
            ("service-role/", "AWSLambdaBasicExecutionRole"),
            ("service-role/", "AWSLambdaSQSQueueExecutionRole"),
            ("service-role/", "AWSLambdaDynamoDBExecutionRole"),
            ("", "AWSXrayWriteOnlyAccess"),
        ]
    }

    def load(self) -> dict[str, str]:
        return dict(self.POLICIES)


def load_sam_template() -> dict[str, Any]:
    """template.yaml with short-form intrinsics (!Ref, !Sub, ...) turned into their long form."""
    return yaml_parse(TEMPLATE_PATH.read_text())


def to_cloudformation(sam: dict[str, Any]) -> dict[str, Any]:
    """Run the AWS::Serverless transform the way `sam validate` and CloudFormation do."""
    fragment = copy.deepcopy(sam)
    for resource in fragment["Resources"].values():
        props = resource.get("Properties", {})
        # Local folders are uploaded by `sam package`; the transform wants S3 locations.
        if resource["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = "s3://example-bucket/code.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = "s3://example-bucket/layer.zip"
    # samtranslator reads the region from a boto3 session to fill AWS::Region / AWS::Partition.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        return transform(fragment, {}, StaticManagedPolicyLoader())


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    return load_sam_template()


@pytest.fixture(scope="session")
def cfn_template(sam_template: dict[str, Any]) -> dict[str, Any]:
    return to_cloudformation(sam_template)


@pytest.fixture(scope="session")
def sam_resources(sam_template: dict[str, Any]) -> dict[str, Any]:
    return sam_template["Resources"]


@pytest.fixture(scope="session")
def cfn_resources(cfn_template: dict[str, Any]) -> dict[str, Any]:
    return cfn_template["Resources"]
