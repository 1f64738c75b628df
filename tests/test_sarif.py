"""Issue 9 item 13: every SARIF log cwpattern writes is valid SARIF 2.1.0 (validated with
the schema shipped in tests/data/sarif), names the project URL that pyproject.toml
declares, and locates CloudFormation results by line and by resource."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cwpattern.aws.audit import audit, audit_iac, resource_lines
from cwpattern.aws.iac import load_iac
from cwpattern.cli import main
from cwpattern.reporting import Finding, Rule, sarif_log

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test and dev extras")

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
SNAPSHOTS = sorted((DATA / "audit").glob("*.json"))
TEMPLATES = [DATA / "iac" / "cloudformation.json", DATA / "iac" / "cloudformation.yaml"]


@cache
def _validator() -> Any:
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(log: object) -> None:
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def project_url() -> str:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    section = text[text.index("[project.urls]") :]
    found = re.search(r'^Homepage\s*=\s*"([^"]+)"', section, re.MULTILINE)
    assert found, "pyproject.toml declares no Homepage URL"
    return found.group(1)


def test_the_validator_rejects_an_invalid_log() -> None:
    """The schema really constrains: a result without a message is not SARIF."""
    log = sarif_log([Rule("r", "R")], [Finding("r", "error", "m")])
    del log["runs"][0]["results"][0]["message"]  # type: ignore[index]
    with pytest.raises(AssertionError):
        assert_valid_sarif(log)


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.stem)
def test_audit_sarif_of_every_snapshot_is_valid(path: Path) -> None:
    log = audit(path).to_sarif()
    assert_valid_sarif(log)
    assert log["runs"][0]["tool"]["driver"]["informationUri"] == project_url()


@pytest.mark.parametrize("assume", [None, "aws-cloudtrail-logs-123456789012-management"])
@pytest.mark.parametrize(
    "path", TEMPLATES + [DATA / "iac" / "terraform_plan.json"], ids=lambda p: p.name
)
def test_audit_sarif_of_iac_is_valid(path: Path, assume: str | None) -> None:
    text = path.read_text("utf-8")
    report = audit_iac(load_iac(str(path)), assume_log_group=assume, path=str(path), text=text)
    assert_valid_sarif(report.to_sarif())


def test_reporting_sarif_log_is_valid() -> None:
    rules = [Rule("cis-aws-3.0.0-4.7", "KMS", "desc", help_uri="https://example.com/x")]
    findings = [
        Finding("cis-aws-3.0.0-4.7", "error", "not covered", path="f.json", line=3, column=2),
        Finding("cis-aws-3.0.0-4.7", "warning", "w", logical=("Resources/KmsFilter",)),
        Finding("cis-aws-3.0.0-4.7", "note", "n", properties={"k": [1, "x"]}),
    ]
    log = sarif_log(rules, findings, properties={"summary": {"fail": 1}}, notifications=["x"])
    assert_valid_sarif(log)
    assert log["runs"][0]["tool"]["driver"]["informationUri"] == project_url()  # type: ignore[index]


def test_cli_sarif_is_valid_and_locates_cloudformation_resources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for template in TEMPLATES:
        code = main(
            [
                "audit",
                "--cloudformation",
                str(template),
                "--assume-trail-log-group",
                "aws-cloudtrail-logs-123456789012-management",
                "--format",
                "sarif",
                "-c",
                "4.7",
            ]
        )
        log = json.loads(capsys.readouterr().out)
        assert code == 1
        assert_valid_sarif(log)
        (result,) = log["runs"][0]["results"]
        (location,) = result["locations"]
        lines = template.read_text("utf-8").splitlines()
        line = location["physicalLocation"]["region"]["startLine"]
        assert location["logicalLocations"] == [
            {
                "name": "KmsKeyDisableAlarm",
                "fullyQualifiedName": "Resources/KmsKeyDisableAlarm",
                "kind": "resource",
            }
        ]
        assert re.match(r'\s*"?KmsKeyDisableAlarm"?\s*:', lines[line - 1]), lines[line - 1]


def test_resource_lines_json_yaml_and_compact() -> None:
    assert resource_lines("Resources:\n  Kms:\n    Type: x\n", ["Resources/Kms"]) == {
        "Resources/Kms": 2
    }
    compact = '{"Parameters": {"Kms": {}}, "Resources": {"Kms": {"Type": "x"}}}'
    assert resource_lines(compact, ["Resources/Kms", "Resources/Gone"]) == {"Resources/Kms": 1}
    pretty = '{\n "Parameters": {\n  "Kms": {}\n },\n "Resources": {\n  "Kms": {}\n }\n}'
    assert resource_lines(pretty, ["Resources/Kms"]) == {"Resources/Kms": 6}


def test_a_pass_with_warnings_is_a_sarif_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = {
        "Resources": {
            "F": {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "LogGroupName": "trail",
                    "FilterPattern": "{ $.eventSource = kms.amazonaws.com }",
                    "MetricTransformations": [
                        {"MetricName": "Kms", "MetricNamespace": "CIS", "MetricValue": "1"}
                    ],
                },
            },
            "A": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "MetricName": "Kms",
                    "Namespace": "CIS",
                    "Statistic": "Sum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "AlarmActions": ["arn:aws:sns:us-east-1:111122223333:t"],
                },
            },
        }
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template, indent=2))
    argv = [
        "audit",
        "--cloudformation",
        str(path),
        "--assume-trail-log-group",
        "trail",
        "-c",
        "4.7",
    ]
    assert main([*argv, "--format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["level"] == "note" and result["kind"] == "pass"
    assert result["properties"]["warnings"][0]["code"] == "over-broad"
    assert result["locations"][0]["logicalLocations"][0]["name"] == "F"
    assert main([*argv, "--format", "json"]) == 0
    (control,) = json.loads(capsys.readouterr().out)["controls"]
    assert [w["code"] for w in control["warnings"]] == ["over-broad"]
    assert main(argv) == 0
    assert "warning [over-broad] filter F:" in capsys.readouterr().out
