"""cfn-lint finds nothing in the SAM template (cfn-lint runs the SAM transform itself, as `sam
validate --lint` does: `make template-check`) nor in the CloudFormation that CloudFormation
itself will see after our own transform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cfnlint.api import lint
from cfnlint.config import ManualArgs

# The regions a deployer is most likely to pick; cfn-lint checks resource and runtime
# availability per region.
REGIONS = ["us-east-1", "eu-west-1"]


def _describe(matches: list[Any]) -> str:
    return "\n".join(str(m) for m in matches)


def test_transformed_template_lints_clean(cfn_template: dict[str, Any]):
    """The CloudFormation that CloudFormation itself will see after AWS::Serverless."""
    matches = lint(json.dumps(cfn_template), config=ManualArgs(regions=REGIONS))
    assert matches == [], _describe(matches)


def test_transform_keeps_every_logical_id(sam_resources: dict[str, Any], cfn_resources: dict[str, Any]):
    """SAM resources keep their logical id (the layer gets a hash suffix); the local stack and
    docs/architecture.md rely on these names."""
    for logical_id, resource in sam_resources.items():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert any(k.startswith(logical_id) for k in cfn_resources), logical_id
        else:
            assert logical_id in cfn_resources, logical_id


def test_the_sam_template_lints_clean():
    source = (Path(__file__).resolve().parents[2] / "template.yaml").read_text()
    matches = lint(source, config=ManualArgs(regions=REGIONS))
    assert matches == [], _describe(matches)
