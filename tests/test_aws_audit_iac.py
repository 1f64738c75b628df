"""cwpattern.aws.audit.audit_iac_file and audit_iac_text: what ``cwpattern audit
--terraform/--cloudformation`` audits, as library calls (the command only prints)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.aws.audit import audit_iac, audit_iac_file, audit_iac_text
from cwpattern.aws.iac import IacError, load_iac
from cwpattern.errors import CWPatternError

IAC = Path(__file__).parent / "data" / "iac"
GROUP = "aws-cloudtrail-logs-123456789012-management"


@pytest.mark.parametrize(
    ("name", "source"),
    [("terraform_plan.json", "terraform"), ("cloudformation.json", "cloudformation")],
)
def test_a_file_is_audited_as_its_resources_located_by_line(name: str, source: str) -> None:
    path = IAC / name
    report = audit_iac_file(path, source, controls=["4.7"], assume_log_group=GROUP)
    text = path.read_text()
    expected = audit_iac(
        load_iac(path),
        controls=["4.7"],
        assume_log_group=GROUP,
        path=str(path),
        text=text,
    )
    assert report == expected and report.path == str(path) and report.lines
    from_text = audit_iac_text(text, source, controls=["4.7"], assume_log_group=GROUP)
    assert from_text.path is None and from_text.controls == report.controls
    assert from_text.lines == report.lines


def test_a_file_of_the_other_kind_is_refused() -> None:
    with pytest.raises(CWPatternError, match="not `terraform show -json` output"):
        audit_iac_file(IAC / "cloudformation.json", "terraform")
    with pytest.raises(CWPatternError, match="a Terraform plan, not a CloudFormation template"):
        audit_iac_file(IAC / "terraform_plan.json", "cloudformation")
    with pytest.raises(IacError, match="cannot read"):
        audit_iac_file(IAC / "absent.json", "terraform")
    with pytest.raises(IacError):
        audit_iac_text("Resources: {}", "terraform")


def test_cloudformation_parameters_reach_the_template(tmp_path: Path) -> None:
    template = {
        "Parameters": {"Group": {"Type": "String"}},
        "Resources": {
            "Kms": {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "LogGroupName": {"Ref": "Group"},
                    "FilterPattern": "{ $.eventName = DisableKey }",
                    "MetricTransformations": [
                        {"MetricName": "Kms", "MetricNamespace": "CIS", "MetricValue": "1"}
                    ],
                },
            }
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    options = {"controls": ["4.7"], "assume_log_group": "trail"}
    unresolved = audit_iac_file(path, "cloudformation", **options).controls[0]
    assert unresolved.status == "unknown"
    given = audit_iac_file(path, "cloudformation", parameters={"Group": "trail"}, **options)
    (c,) = given.controls
    assert (c.status, c.failing_link) == ("fail", "metric-filter")
    assert "filter Kms on metric CIS/Kms does not cover the control" in c.reason
    text = audit_iac_text(
        path.read_text(), "cloudformation", parameters={"Group": "trail"}, **options
    )
    assert text.controls == given.controls
