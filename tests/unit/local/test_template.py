"""Template loading and intrinsic resolution (local/template.py, local/resolver.py,
local/dependencies.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.dependencies import references, topological_order
from local.resolver import Resolver
from local.template import TemplateError, load_template, merge_globals

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Timeout: {Type: Number, AllowedValues: [30, 60], Default: 60}
  Hash: {Type: String, Default: "", AllowedPattern: "^([0-9a-f]{4})?$"}
  Weight: {Type: Number, Default: 5, MinValue: 2, MaxValue: 10}
Mappings:
  Visibility:
    "30": {Seconds: 180}
    "60": {Seconds: 360}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [!Ref Timeout, 60]]
  Either: !Or [!Condition IsProd, !Condition Both]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !FindInMap [Visibility, !Ref Timeout, Seconds]
  Table:
    Type: AWS::DynamoDB::Table
    Condition: IsProd
    Properties: {}
Outputs:
  Url: {Value: !Sub "https://${Queue.QueueName}.${AWS::Region}.${AWS::URLSuffix}/${Stage}"}
"""


@pytest.fixture
def template(tmp_path: Path) -> dict:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


def _resolver(template: dict, **params) -> Resolver:
    resolver = Resolver(template, params, region="eu-west-1", account_id="111122223333", stack_name="s")
    resolver.set_resource(
        "Queue", "https://queue/url", {"Arn": "arn:aws:sqs:eu-west-1:111122223333:q", "QueueName": "q"}
    )
    return resolver


def test_short_tags_load_as_long_form_intrinsics(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  A:\n    Properties:\n      X: !GetAtt B.Arn\n      Y: !Ref C\n      Z: !Sub '${D}'\n"
    )

    props = load_template(path)["Resources"]["A"]["Properties"]

    assert props == {"X": {"Fn::GetAtt": ["B", "Arn"]}, "Y": {"Ref": "C"}, "Z": {"Fn::Sub": "${D}"}}


def test_a_yaml_file_without_resources_is_not_a_template(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("a: 1\n")

    with pytest.raises(TemplateError):
        load_template(path)


def test_parameters_take_their_defaults_as_strings(template: dict) -> None:
    resolver = _resolver(template)

    assert resolver.parameters == {"Stage": "dev", "Timeout": "60", "Hash": "", "Weight": "5"}


@pytest.mark.parametrize(
    "params",
    [{"Stage": "test"}, {"Timeout": "45"}, {"Hash": "XYZ"}, {"Weight": "1"}, {"Weight": "11"}, {"Nope": "1"}],
)
def test_parameter_values_outside_the_declared_constraints_are_rejected(template: dict, params: dict) -> None:
    with pytest.raises(TemplateError):
        _resolver(template, **params)


def test_find_in_map_keyed_by_a_parameter(template: dict) -> None:
    resolver = _resolver(template, Timeout="30")

    props = resolver.resolve(template["Resources"]["Queue"]["Properties"])

    assert props == {"VisibilityTimeout": 180}


def test_conditions_combine_equals_not_and_or(template: dict) -> None:
    dev, prod = _resolver(template), _resolver(template, Stage="prod")

    assert (
        dev.condition("IsProd"),
        dev.condition("IsDev"),
        dev.condition("Both"),
        dev.condition("Either"),
    ) == (
        False,
        True,
        True,
        True,
    )
    assert prod.condition("IsProd") and not prod.condition("Both")
    assert not dev.resource_enabled("Table") and prod.resource_enabled("Table")


def test_sub_resolves_attributes_pseudo_parameters_and_parameters(template: dict) -> None:
    resolver = _resolver(template)

    url = resolver.resolve(template["Outputs"]["Url"]["Value"])

    assert url == "https://q.eu-west-1.amazonaws.com/dev"


def test_sub_keeps_escaped_literals_and_uses_its_variable_map(template: dict) -> None:
    resolver = _resolver(template)

    value = resolver.resolve(
        {"Fn::Sub": ["${!Literal}-${Name}-${AWS::AccountId}", {"Name": {"Ref": "Stage"}}]}
    )

    assert value == "${Literal}-dev-111122223333"


def test_if_with_no_value_drops_the_key(template: dict) -> None:
    resolver = _resolver(template)

    value = resolver.resolve(
        {"A": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "B": {"Fn::If": ["IsDev", 2, 3]}}
    )

    assert value == {"B": 2}


def test_join_select_split_base64_and_to_json_string(template: dict) -> None:
    resolver = _resolver(template)

    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}) == "a-dev-3"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}) == "y"
    assert resolver.resolve({"Fn::Base64": "hi"}) == "aGk="
    assert resolver.resolve({"Fn::ToJsonString": {"a": [1]}}) == '{"a":[1]}'


def test_unknown_reference_names_where_it_was_found(template: dict) -> None:
    resolver = _resolver(template)

    with pytest.raises(TemplateError, match=r"Env\.X.*Missing"):
        resolver.resolve({"Ref": "Missing"}, "Env.X")
    with pytest.raises(TemplateError, match=r"Queue\.Nope.*known: Arn, QueueName"):
        resolver.resolve({"Fn::GetAtt": ["Queue", "Nope"]}, "Env.Y")


def test_reference_to_a_resource_disabled_by_its_condition_says_so(template: dict) -> None:
    resolver = _resolver(template)

    with pytest.raises(TemplateError, match="not provisioned"):
        resolver.resolve({"Ref": "Table"}, "X")


def test_references_finds_ref_getatt_and_sub_targets() -> None:
    value = {
        "a": {"Ref": "A"},
        "b": [{"Fn::GetAtt": ["B", "Arn"]}],
        "c": {"Fn::Sub": "${C.Arn}/${D}/${AWS::Region}/${!E}"},
    }

    assert references(value) == {"A", "B", "C", "D"}


def test_topological_order_puts_dependencies_first_and_rejects_cycles() -> None:
    assert topological_order({"a": {"b"}, "b": {"c"}, "c": set()}) == ["c", "b", "a"]
    with pytest.raises(TemplateError, match="circular"):
        topological_order({"a": {"b"}, "b": {"a"}})


def test_globals_merge_maps_concatenate_lists_and_override_scalars() -> None:
    merged = merge_globals(
        {"Timeout": 30, "Layers": ["L1"], "Environment": {"Variables": {"A": "1", "B": "1"}}},
        {"Timeout": 60, "Layers": ["L2"], "Environment": {"Variables": {"B": "2"}}},
    )

    assert merged == {
        "Timeout": 60,
        "Layers": ["L1", "L2"],
        "Environment": {"Variables": {"A": "1", "B": "2"}},
    }


def test_the_project_template_loads_and_its_conditions_resolve_with_defaults() -> None:
    template = load_template(ROOT / "template.yaml")
    resolver = Resolver(template)

    for name in template.get("Conditions") or {}:
        assert isinstance(resolver.condition(name), bool)
