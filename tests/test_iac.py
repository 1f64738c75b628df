"""Metric filters and alarms from Terraform plans and CloudFormation templates."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cwpattern.aws.checks.alarm import alarm_links
from cwpattern.aws.iac import (
    IacError,
    IacResources,
    from_cloudformation,
    from_terraform_plan,
    load_iac,
)
from cwpattern.aws.snapshot import Unknown

IAC = Path(__file__).parent / "data" / "iac"
P47 = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
P43 = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
GROUP = "aws-cloudtrail-logs-123456789012-management"
AFTER_APPLY = Unknown("known after apply")


def plan() -> dict[str, Any]:
    return json.loads((IAC / "terraform_plan.json").read_text())


# --- Terraform -------------------------------------------------------------------------------


def test_terraform_plan_resources_in_describe_shapes() -> None:
    res = from_terraform_plan(plan())
    assert res.source == "terraform"
    assert [r.address for r in res.metric_filters] == [
        "aws_cloudwatch_log_metric_filter.kms",
        "module.cis_root.aws_cloudwatch_log_metric_filter.this[0]",
    ]
    assert [r.address for r in res.alarms] == [
        "aws_cloudwatch_metric_alarm.kms",
        "module.cis_root.aws_cloudwatch_metric_alarm.this[0]",
    ]
    assert res.metric_filters[0].body == {
        "filterName": "cis-4.7-kms-key-disable-or-deletion",
        "filterPattern": P47,
        "logGroupName": GROUP,
        "metricTransformations": [
            {
                "metricName": "KmsKeyDisableOrDeleteCount",
                "metricNamespace": "CISBenchmark",
                "metricValue": "1",
                "unit": "None",
            }
        ],
        "applyOnTransformedLogs": False,
    }
    assert res.metric_filters[1].body["metricTransformations"] == [
        {
            "metricName": "RootAccountUsageCount",
            "metricNamespace": "CISBenchmark",
            "metricValue": "1",
            "defaultValue": 0.0,
            "unit": "Count",
        }
    ]
    assert res.alarms[0].body == {
        "AlarmName": "cis-4.7-kms-key-disable-or-deletion",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "MetricName": "KmsKeyDisableOrDeleteCount",
        "Namespace": "CISBenchmark",
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
        "ActionsEnabled": True,
        "AlarmActions": AFTER_APPLY,
    }
    assert res.alarms[0].unknown == ("/AlarmActions",)
    assert res.alarms[0].notes == ("AlarmArn known after apply",)
    assert res.alarms[1].body["DatapointsToAlarm"] == 2
    assert res.alarms[1].body["AlarmActions"] == [
        "arn:aws:sns:us-east-1:123456789012:existing-security-topic"
    ]
    assert res.alarms[1].unknown == ()


def test_terraform_plan_audits_like_a_snapshot() -> None:
    snap = from_terraform_plan(plan()).to_snapshot()
    assert [p.location for p in snap.problems] == [
        "/trails",
        "/trailStatus",
        "/eventSelectors",
        "/subscriptions",
    ]
    (kms,) = alarm_links(snap, "KmsKeyDisableOrDeleteCount", "CISBenchmark").links
    assert (kms.location, kms.fires, kms.notifies) == (
        "aws_cloudwatch_metric_alarm.kms",
        True,
        None,
    )
    assert kms.notify_reason == "alarm actions unknown: AlarmActions is unknown (known after apply)"
    (root,) = alarm_links(snap, "RootAccountUsageCount", "CISBenchmark", default_value=0.0).links
    # 2 of 3 one-minute periods, notBreaching: one root sign-in never alarms.
    assert root.fires is False
    assert "one breaching period does not move the alarm" in root.fires_reason
    assert [f.location for f in snap.metric_filters] == [
        r.address for r in from_terraform_plan(plan()).metric_filters
    ]


def test_terraform_unknown_values_make_the_entry_undecidable() -> None:
    doc = plan()
    values = doc["planned_values"]["root_module"]["resources"][1]["values"]
    del values["threshold"]
    doc["resource_changes"][1]["change"]["after_unknown"]["threshold"] = True
    doc["resource_changes"][0]["change"]["after_unknown"]["metric_transformation"] = [
        {"namespace": True}
    ]
    res = from_terraform_plan(json.dumps(doc))
    assert res.alarms[0].body["Threshold"] == AFTER_APPLY
    assert res.metric_filters[0].unknown == ("/metricTransformations/0/metricNamespace",)
    snap = res.to_snapshot()
    assert [str(p) for p in snap.problems if p.location.startswith("aws_")] == [
        "aws_cloudwatch_log_metric_filter.kms/metricTransformations/0/metricNamespace: unknown (known after apply)",
        "aws_cloudwatch_metric_alarm.kms/Threshold: unknown (known after apply)",
    ]
    (link,) = alarm_links(snap, "KmsKeyDisableOrDeleteCount", "CISBenchmark").links
    assert (link.fires, link.notifies) == (None, None)


def test_terraform_state_and_metric_math() -> None:
    doc = plan()
    state = {
        "format_version": "1.0",
        "terraform_version": "1.6.6",
        "values": {"root_module": doc["planned_values"]["root_module"]},
    }
    alarm = state["values"]["root_module"]["resources"][1]["values"]
    alarm["metric_query"] = [{"id": "e1", "expression": "m1 * 2", "return_data": True}]
    alarm["alarm_actions"] = ["arn:aws:sns:us-east-1:123456789012:t"]
    res = from_terraform_plan(state)
    assert res.alarms[0].body["Metrics"] == [
        {"id": "e1", "expression": "m1 * 2", "return_data": True}
    ]
    problems = [str(p) for p in res.to_snapshot().problems if p.location.startswith("aws_")]
    assert problems == [
        "aws_cloudwatch_metric_alarm.kms/Metrics: metric math alarms are not supported"
    ]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"format_version": "1.2"},
            "not `terraform show -json` output: no planned_values or values",
        ),
        ([], "a Terraform JSON document must be an object"),
        ('{"planned_values": ', "line 1 column 20: not valid JSON: Expecting value"),
        (
            {"planned_values": {"root_module": {"resources": {}}}},
            ("/planned_values/root_module/resources: resources must be a list"),
        ),
    ],
)
def test_terraform_errors(doc: Any, message: str) -> None:
    with pytest.raises(IacError) as info:
        from_terraform_plan(doc)
    assert str(info.value) == message


def test_empty_terraform_plan() -> None:
    assert from_terraform_plan({"format_version": "1.2", "planned_values": {}}) == IacResources(
        "terraform"
    )


# --- CloudFormation ------------------------------------------------------------------------------------

EXPECTED_CFN_FILTERS = [
    (
        "Resources/KmsKeyDisableFilter",
        {
            "filterName": "prod-cis-4.7-kms",  # !Sub with a parameter default
            "filterPattern": P47,
            "logGroupName": GROUP,  # !Ref of a log group in the template -> its LogGroupName
            "metricTransformations": [
                {
                    "metricName": "KmsKeyDisableOrDeleteCount",
                    "metricNamespace": "CISBenchmark",
                    "metricValue": "1",
                }
            ],
        },
        (),
    ),
    (
        "Resources/RootUsageFilter",
        {
            "filterName": "RootUsageFilter",
            "filterPattern": P43,
            "logGroupName": GROUP,  # !Select / !Split / !Sub
            "metricTransformations": [
                {
                    "metricName": "RootAccountUsageCount",
                    "metricNamespace": "CISBenchmark",
                    "metricValue": "1",
                    "defaultValue": 0,
                }
            ],
        },
        (
            "created only when condition IsProd holds",
            "FilterName not set: CloudFormation generates it; the logical id stands in",
        ),
    ),
]


def check_cfn(res: IacResources) -> None:
    assert res.source == "cloudformation"
    assert [(r.address, r.body, r.notes) for r in res.metric_filters] == EXPECTED_CFN_FILTERS
    kms, root = res.alarms
    assert kms.body == {
        "AlarmName": "prod-cis-4.7-kms",  # !Join
        "AlarmActions": [
            Unknown("unresolved: Ref AlertTopic (AWS::SNS::Topic created by the stack)")
        ],
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "MetricName": "KmsKeyDisableOrDeleteCount",
        "Namespace": "CISBenchmark",
        "Period": 300,  # "300" in the template
        "Statistic": "Sum",
        "Threshold": 1,  # !FindInMap
        "TreatMissingData": "notBreaching",
    }
    assert root.body["ActionsEnabled"] is True  # "true" in the template
    assert root.body["AlarmActions"] == [Unknown("unresolved: Fn::GetAtt AlertTopic.TopicArn")]
    assert root.body["OKActions"] == [Unknown("unresolved: Fn::If")]
    assert root.unknown == ("/AlarmActions/0", "/OKActions/0")
    assert root.notes == (
        "created only when condition IsProd holds",
        "AlarmName not set: CloudFormation generates it; the logical id stands in",
    )


def test_cloudformation_json() -> None:
    check_cfn(from_cloudformation((IAC / "cloudformation.json").read_text()))


def test_cloudformation_yaml_short_tags() -> None:
    pytest.importorskip("yaml")
    res = from_cloudformation((IAC / "cloudformation.yaml").read_text())
    check_cfn(res)
    assert res == from_cloudformation(json.loads((IAC / "cloudformation.json").read_text()))


def test_cloudformation_parameters_and_pseudo_parameters() -> None:
    res = from_cloudformation(
        (IAC / "cloudformation.json").read_bytes(),
        parameters={
            "Environment": "dev",
            "AWS::Region": "eu-west-1",
            "AWS::AccountId": "123456789012",
        },
    )
    kms = res.alarms[0].body
    assert kms["AlarmName"] == "dev-cis-4.7-kms"
    assert kms["Threshold"] == 5  # the dev mapping
    assert kms["AlarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:cis-security-alerts"]
    snap = res.to_snapshot()
    (link,) = alarm_links(snap, "KmsKeyDisableOrDeleteCount", "CISBenchmark").links
    assert (link.location, link.fires) == ("Resources/KmsKeyDisableAlarm", False)
    assert link.fires_reason == "one event gives Sum 1, which is not >= 5"


def template(props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**extra, "Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": props}}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"Fn::Sub": "${AWS::StackName}-x"},
            Unknown("unresolved: pseudo parameter AWS::StackName (pass it in parameters=)"),
        ),
        ({"Fn::Sub": "a-${!Literal}-${P}"}, "a-${Literal}-p"),
        ({"Fn::Sub": ["${X}/${P}", {"X": {"Fn::Join": ["", ["j", "k"]]}}]}, "jk/p"),
        ({"Fn::Sub": "${Bucket.Arn}"}, Unknown("unresolved: Fn::Sub ${Bucket.Arn}")),
        ({"Ref": "NoDefault"}, Unknown("unresolved: parameter NoDefault has no Default")),
        ({"Ref": "Nothing"}, Unknown("unresolved: Ref Nothing names nothing in the template")),
        ({"Ref": "List"}, ["a", "b"]),
        ({"Fn::Select": [1, {"Ref": "List"}]}, "b"),
        (
            {"Fn::Select": [5, {"Ref": "List"}]},
            Unknown("unresolved: Fn::Select [5, {'Ref': 'List'}]"),
        ),
        (
            {"Fn::Join": [",", [{"Ref": "P"}, {"Fn::GetAtt": ["T", "Arn"]}]]},
            Unknown("unresolved: Fn::GetAtt T.Arn"),
        ),
        (
            {"Fn::FindInMap": ["M", "k", "missing"]},
            Unknown("unresolved: Fn::FindInMap ['M', 'k', 'missing'] not in Mappings"),
        ),
        ({"Fn::ImportValue": "shared-topic"}, Unknown("unresolved: Fn::ImportValue")),
        ({"Fn::Join": "bad"}, Unknown("unresolved: malformed Fn::Join 'bad'")),
    ],
)
def test_intrinsics(value: Any, expected: Any) -> None:
    params = {
        "P": {"Type": "String", "Default": "p"},
        "NoDefault": {"Type": "String"},
        "List": {"Type": "CommaDelimitedList", "Default": "a, b"},
    }
    res = from_cloudformation(
        template(
            {"AlarmDescription": "x", "MetricName": value},
            Parameters=params,
            Mappings={"M": {"k": {"v": 1}}},
        )
    )
    assert res.alarms[0].body["MetricName"] == expected


def test_no_value_removes_the_property() -> None:
    res = from_cloudformation(
        template(
            {
                "AlarmName": "a",
                "Unit": {"Ref": "AWS::NoValue"},
                "OKActions": ["x", {"Ref": "AWS::NoValue"}],
            }
        )
    )
    assert res.alarms[0].body == {"AlarmName": "a", "OKActions": ["x"]}


def test_deeply_nested_intrinsics_are_bounded() -> None:
    value: Any = "x"
    for _ in range(200):
        value = {"Fn::Join": ["", [value]]}
    res = from_cloudformation(template({"AlarmName": value}))
    assert res.alarms[0].body["AlarmName"] == Unknown("unresolved: nesting too deep")


def test_self_referencing_log_group_is_bounded() -> None:
    doc = {
        "Resources": {
            "G": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Ref": "G"}}},
            "A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Namespace": {"Ref": "G"}}},
        }
    }
    assert from_cloudformation(doc).alarms[0].body["Namespace"] == Unknown(
        "unresolved: nesting too deep"
    )


def test_cfn_dimensions_become_a_map() -> None:
    res = from_cloudformation(
        {
            "Resources": {
                "F": {
                    "Type": "AWS::Logs::MetricFilter",
                    "Properties": {
                        "FilterName": "f",
                        "LogGroupName": "g",
                        "FilterPattern": "{ $.a = 1 }",
                        "MetricTransformations": [
                            {
                                "MetricName": "m",
                                "MetricNamespace": "n",
                                "MetricValue": "$.v",
                                "Dimensions": [{"Key": "Api", "Value": "$.api"}],
                                "Unit": "Count",
                                "DefaultValue": "0",
                            }
                        ],
                    },
                }
            }
        }
    )
    (t,) = res.metric_filters[0].body["metricTransformations"]
    assert t == {
        "metricName": "m",
        "metricNamespace": "n",
        "metricValue": "$.v",
        "defaultValue": 0.0,
        "unit": "Count",
        "dimensions": {"Api": "$.api"},
    }
    snap = res.to_snapshot()
    assert snap.metric_filters.items[0].transformations[0].dimensions == (("Api", "$.api"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Resources": ', "line 1 column 15: not valid JSON: Expecting value"),
        (
            '{"AWSTemplateFormatVersion": "2010-09-09"}',
            "not a CloudFormation template: no Resources object",
        ),
    ],
)
def test_cloudformation_errors(text: str, message: str) -> None:
    with pytest.raises(IacError) as info:
        from_cloudformation(text)
    assert str(info.value) == message


def test_yaml_errors_are_located() -> None:
    pytest.importorskip("yaml")
    with pytest.raises(IacError) as info:
        from_cloudformation("Resources:\n  A:\n    Type: [unclosed\n")
    assert info.value.location.startswith("line 4")
    with pytest.raises(IacError) as info:
        from_cloudformation("Resources:\n  A:\n    Type: !Unheard x\n")
    assert info.value.location == "line 3 column 11"
    assert "!Unheard" in info.value.msg


def test_yaml_loader_has_no_global_effect() -> None:
    yaml = pytest.importorskip("yaml")
    from_cloudformation((IAC / "cloudformation.yaml").read_text())
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load("x: !Ref y")


def test_yaml_needs_pyyaml_but_json_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(
        IacError, match=r"YAML templates need PyYAML: pip install pyyaml \(JSON templates do not\)"
    ):
        from_cloudformation((IAC / "cloudformation.yaml").read_text())
    check_cfn(from_cloudformation((IAC / "cloudformation.json").read_text()))


# --- load_iac ----------------------------------------------------------------------------------------


def test_load_iac_detects_the_format(tmp_path: Path) -> None:
    assert load_iac(IAC / "terraform_plan.json").source == "terraform"
    check_cfn(load_iac(IAC / "cloudformation.json"))
    if "yaml" in sys.modules or _has_yaml():
        check_cfn(load_iac(IAC / "cloudformation.yaml"))
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(IacError) as info:
        load_iac(bad)
    assert info.value.location == f"{bad}:line 1 column 2"
    with pytest.raises(IacError, match="cannot read"):
        load_iac(tmp_path / "absent.yaml")


def _has_yaml() -> bool:
    try:
        import yaml  # noqa: F401
    except ImportError:
        return False
    return True


def test_iac_inputs_are_not_mutated() -> None:
    doc = plan()
    before = copy.deepcopy(doc)
    from_terraform_plan(doc).to_snapshot()
    assert doc == before


JUNK: list[Any] = [None, True, "", [], {}, {"Ref": 3}, {"Fn::Join": ["", 1]}]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


@pytest.mark.parametrize(
    ("name", "reader"),
    [("terraform_plan.json", from_terraform_plan), ("cloudformation.json", from_cloudformation)],
)
def test_damaged_iac_never_crashes(name: str, reader: Any) -> None:
    """Replace every node, one at a time, by junk: IacError or a result, never a crash."""
    base = json.loads((IAC / name).read_text())
    for path in _paths(base)[1:]:
        for junk in JUNK:
            doc = copy.deepcopy(base)
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = copy.deepcopy(junk)
            try:
                res = reader(doc)
            except IacError:
                continue
            snap = res.to_snapshot()
            for metric in ("KmsKeyDisableOrDeleteCount", "RootAccountUsageCount"):
                alarm_links(snap, metric, "CISBenchmark")
