"""Hostile documents: snapshots, Terraform plans and CloudFormation templates (issue 11,
items 5, 10, 12, 13).  Each case ends in a clear, located error (exit status 2 in the CLI)
or an ``unknown``, never a traceback, a hang or a pass."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from cwpattern.aws.audit import audit, audit_iac
from cwpattern.aws.iac import (
    MAX_RESOLVE_NODES,
    IacError,
    from_cloudformation,
    from_terraform_plan,
    load_iac,
)
from cwpattern.aws.snapshot import SnapshotError, Unknown, load_snapshot
from cwpattern.cli import main
from cwpattern.documents import MAX_DEPTH, DocumentError, finite_number, loads

DATA = Path(__file__).resolve().parents[1] / "data"
PASS_47 = DATA / "audit" / "pass_cis_4_7.json"
DEEP = 100_000
HUGE = "1" + "0" * 400  # 10**400: an int Python reads, a float it cannot hold


def pass_snapshot() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(PASS_47.read_text())
    return doc


def cli(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> tuple[int, str]:
    import sys

    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
    try:
        code = main(list(argv))
    finally:
        sys.stdin = old
    return code, capsys.readouterr().err


# --- item 12: nesting -------------------------------------------------------------------------


def deep_json(key: str) -> str:
    return "{" + json.dumps(key) + ":" + "[" * DEEP + "]" * DEEP + "}"


def test_loads_bounds_depth() -> None:
    with pytest.raises(DocumentError, match="nested deeper than 200 levels"):
        loads("[" * DEEP + "]" * DEEP)
    # just within the bound is fine, just beyond it is not
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(DocumentError):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_deep_snapshot_file_and_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.json"
    path.write_text(deep_json("trails"))
    with pytest.raises(SnapshotError, match="nested deeper"):
        load_snapshot(path)
    code, err = cli(capsys, "audit", str(path))
    assert code == 2 and "nested deeper than 200 levels" in err and "Traceback" not in err
    code, err = cli(capsys, "audit", "-", stdin=deep_json("trails"))
    assert code == 2 and "<stdin>: nested deeper than 200 levels" in err


def test_deep_decoded_snapshot_is_an_error() -> None:
    doc: Any = []
    for _ in range(MAX_DEPTH + 5):
        doc = [doc]
    with pytest.raises(SnapshotError, match="nested deeper"):
        load_snapshot({"trails": doc})


def test_deep_check_json_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = cli(capsys, "check", "-c", "cis-aws-3.0.0-4.7", stdin=deep_json("metricFilters"))
    assert code == 2 and "nested deeper than 200 levels" in err


def test_deep_cloudformation_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.json"
    path.write_text(deep_json("Resources"))
    with pytest.raises(IacError, match="nested deeper"):
        load_iac(path)
    code, err = cli(capsys, "audit", "--cloudformation", str(path))
    assert code == 2 and "nested deeper than 200 levels" in err


def test_deep_cloudformation_yaml(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    text = "Resources:\n  X: " + "[" * 5_000 + "]" * 5_000 + "\n"
    with pytest.raises(IacError, match="nested deeper"):
        from_cloudformation(text)
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(IacError, match="nested deeper"):
        load_iac(path)


# --- item 13: numbers no float holds ----------------------------------------------------------


def test_finite_number() -> None:
    assert finite_number(10**400) is None and finite_number(float("inf")) is None
    assert finite_number(True) is None and finite_number("1") is None
    assert finite_number(3) == 3.0


def test_huge_threshold_and_default_in_snapshot(tmp_path: Path) -> None:
    for field in ("Threshold", "defaultValue"):
        doc = pass_snapshot()
        for f in doc["metricFilters"]["metricFilters"]:
            if field == "defaultValue":
                f["metricTransformations"][0]["defaultValue"] = 10**400
        for a in doc["alarms"]["MetricAlarms"]:
            if field == "Threshold":
                a["Threshold"] = 10**400
        path = tmp_path / f"{field}.json"
        path.write_text(json.dumps(doc))  # the digits, as a hostile file would hold them
        for source in (doc, path):
            report = audit(source, controls=["4.7"])
            assert report.controls[0].status == "unknown", field
            problems = [
                f"{p['location'].rsplit('/', 1)[1]}: {p['message']}" for p in report.problems
            ]
            assert any(
                p.startswith(f"{field}: must be a finite number, got 1000") for p in problems
            )


def plan_with(threshold: str, default: str) -> str:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_cloudwatch_log_metric_filter.f",
                        "mode": "managed",
                        "type": "aws_cloudwatch_log_metric_filter",
                        "values": {
                            "name": "f",
                            "pattern": "{ $.eventName = DisableKey }",
                            "log_group_name": "g",
                            "metric_transformation": [
                                {"name": "m", "namespace": "n", "value": "1", "default_value": 0}
                            ],
                        },
                    },
                    {
                        "address": "aws_cloudwatch_metric_alarm.a",
                        "mode": "managed",
                        "type": "aws_cloudwatch_metric_alarm",
                        "values": {
                            "alarm_name": "a",
                            "metric_name": "m",
                            "namespace": "n",
                            "statistic": "Sum",
                            "period": 300,
                            "evaluation_periods": 1,
                            "threshold": 1,
                            "comparison_operator": "GreaterThanOrEqualToThreshold",
                        },
                    },
                ]
            }
        },
    }
    return (
        json.dumps(plan)
        .replace('"threshold": 1', f'"threshold": {threshold}')
        .replace('"default_value": 0', f'"default_value": {default}')
    )


@pytest.mark.parametrize(
    ("threshold", "default", "problem"),
    [
        (HUGE, "0", "Threshold: must be a finite number"),
        ("1", HUGE, "defaultValue: must be a finite number"),
        ("1", '"1e400"', "defaultValue: must be a finite number, got inf"),
    ],
)
def test_huge_numbers_in_terraform(threshold: str, default: str, problem: str) -> None:
    report = audit_iac(from_terraform_plan(plan_with(threshold, default)), assume_log_group="g")
    assert not report.passed
    assert any(
        problem in p["message"] or problem in f"{p['location']}: {p['message']}"
        for p in report.problems
    ) or any(problem in link.reason for c in report.controls for link in c.links), report.problems


def cfn(threshold: str, default: str, pattern: Any = "{ $.eventName = DisableKey }") -> str:
    template = {
        "Resources": {
            "F": {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "FilterName": "f",
                    "LogGroupName": "g",
                    "FilterPattern": pattern,
                    "MetricTransformations": [
                        {
                            "MetricName": "m",
                            "MetricNamespace": "n",
                            "MetricValue": "1",
                            "DefaultValue": 0,
                        }
                    ],
                },
            },
            "A": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": "a",
                    "MetricName": "m",
                    "Namespace": "n",
                    "Statistic": "Sum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                },
            },
        }
    }
    return (
        json.dumps(template)
        .replace('"Threshold": 1', f'"Threshold": {threshold}')
        .replace('"DefaultValue": 0', f'"DefaultValue": {default}')
    )


@pytest.mark.parametrize(
    ("threshold", "default", "problem"),
    [
        (HUGE, "0", "must be a finite number"),
        ('"1e400"', "0", "must be a finite number, got inf"),
        ("1", HUGE, "must be a finite number"),
    ],
)
def test_huge_numbers_in_cloudformation(threshold: str, default: str, problem: str) -> None:
    report = audit_iac(from_cloudformation(cfn(threshold, default)), assume_log_group="g")
    assert not report.passed
    texts = [p["message"] for p in report.problems] + [
        link.reason for c in report.controls for link in c.links
    ]
    assert any(problem in t for t in texts), texts


# --- item 5: invalid values are errors or unknown, never a pass ------------------------------


def test_negative_select_is_unknown_not_a_pass() -> None:
    good = {"Fn::Select": [1, ["x", "{ $.eventName = DisableKey }"]]}
    res = from_cloudformation(json.loads(cfn("1", "0", good)))
    assert res.metric_filters[0].body["filterPattern"] == "{ $.eventName = DisableKey }"
    for index in (-1, -2, 2, True, 0.5, "-1"):
        bad = {"Fn::Select": [index, ["x", "{ $.eventName = DisableKey }"]]}
        res = from_cloudformation(json.loads(cfn("1", "0", bad)))
        value = res.metric_filters[0].body["filterPattern"]
        assert isinstance(value, Unknown), (index, value)


def test_metadata_region_must_be_a_string() -> None:
    doc = pass_snapshot()
    assert audit(doc, controls=["4.7"]).passed
    for bad in (True, "", 7, ["us-east-1"]):
        broken = copy.deepcopy(doc)
        broken["metadata"]["region"] = bad
        report = audit(broken, controls=["4.7"])
        assert report.controls[0].status == "unknown", bad
        assert {
            "location": "/metadata/region",
            "message": f"must be a non-empty string, got {bad!r}",
        } in [dict(p) for p in report.problems]
    broken = copy.deepcopy(doc)
    broken["metadata"] = True
    assert audit(broken, controls=["4.7"]).controls[0].status == "unknown"


def test_empty_read_write_type_is_not_all() -> None:
    doc = pass_snapshot()
    for selectors in doc["eventSelectors"].values():
        for sel in selectors.get("EventSelectors", []):
            sel["ReadWriteType"] = ""
    report = audit(doc, controls=["4.7"])
    assert report.controls[0].status == "unknown"
    assert any(
        p["message"] == "must be ReadOnly, WriteOnly or All, got ''" for p in report.problems
    )


# --- item 10: YAML billion laughs -------------------------------------------------------------


def laughs(levels: int, width: int = 10) -> str:
    lines = ["Mappings:", "  L:", "    a0: &a0 [lol]"]
    for i in range(1, levels):
        lines.append(f"    a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines += [
        "Resources:",
        "  F:",
        "    Type: AWS::Logs::MetricFilter",
        "    Properties:",
        "      LogGroupName: g",
        f"      FilterPattern: !Join ['', *a{levels - 1}]",
        f"      Extra: *a{levels - 1}",
        "      MetricTransformations: [{MetricName: m, MetricNamespace: n, MetricValue: '1'}]",
    ]
    return "\n".join(lines) + "\n"


def test_yaml_billion_laughs_is_bounded(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    # 10**9 leaves if expanded; the resolver stops after MAX_RESOLVE_NODES values.
    with pytest.raises(IacError, match=f"more than {MAX_RESOLVE_NODES:,} values"):
        from_cloudformation(laughs(9))
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs(9))
    code, err = cli(capsys, "audit", "--cloudformation", str(path))
    assert code == 2 and "YAML aliases" in err


def test_yaml_aliases_through_parameter_default_are_bounded() -> None:
    pytest.importorskip("yaml")
    text = laughs(9).replace("Resources:", "Parameters:\n  P:\n    Default: *a8\nResources:", 1)
    text = text.replace("FilterPattern: !Join ['', *a8]", "FilterPattern: !Ref P")
    text = text.replace("      Extra: *a8\n", "")
    with pytest.raises(IacError, match="YAML aliases"):
        from_cloudformation(text)


def test_join_expanding_strings_is_bounded() -> None:
    # Fn::Sub repeating a 1 MB parameter 20 times: the characters produced are counted
    template: dict[str, Any] = {"Resources": {}, "Parameters": {}}
    big = "x" * 1_000_000
    template["Parameters"]["P"] = {"Default": big}
    template["Resources"]["F"] = {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": "g",
            "FilterPattern": {"Fn::Join": ["", [{"Fn::Sub": "${P}" * 20}]]},
            "MetricTransformations": [
                {"MetricName": "m", "MetricNamespace": "n", "MetricValue": "1"}
            ],
        },
    }
    with pytest.raises(IacError, match="more than 10,000,000 characters"):
        from_cloudformation(template)


def test_deep_yaml_block_nesting() -> None:
    pytest.importorskip("yaml")
    text = "Resources:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1_000)) + "\n"
    with pytest.raises(IacError, match="nested deeper than 200 levels"):
        from_cloudformation(text)


def test_deep_decoded_terraform_plan_is_an_error() -> None:
    doc: Any = {}
    for _ in range(MAX_DEPTH + 5):
        doc = {"child_modules": [doc]}
    with pytest.raises(IacError, match="nested deeper than 200 levels"):
        from_terraform_plan({"planned_values": {"root_module": doc}})
