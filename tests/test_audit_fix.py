"""``cwpattern audit`` proposes the verified fix of every control whose metric filter is the
failing link (text, JSON, SARIF)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern import analyzer, controls
from cwpattern.aws.audit import audit
from cwpattern.aws.matrix import audit_remediations
from cwpattern.cli import main

AUDIT = Path(__file__).parent / "data" / "audit"
KMS = controls.get("cis-aws-3.0.0-4.7").effective_pattern


def test_fix_of_the_failing_filter() -> None:
    report = audit(str(AUDIT / "fail_filter_misses_event.json"))
    fixes = audit_remediations(report)
    assert set(fixes) == {"cis-aws-3.0.0-4.7"}
    fix = fixes["cis-aws-3.0.0-4.7"]
    assert analyzer.covers(fix.pattern, KMS).verdict == "yes"
    assert fix.strategy == "edit"
    assert fix.target.filter_name == "CIS-4.7-KmsKeyDisableOrScheduledDeletion"
    assert fix.target.log_group == "aws-cloudtrail-logs-123456789012-management"
    # other failing links (trail, alarm) get no filter fix
    for name in ("fail_alarm_without_topic.json", "fail_advanced_read_only.json"):
        report = audit(str(AUDIT / name))
        assert all(
            c.failing_link == "metric-filter"
            for c in report.controls
            if c.id in audit_remediations(report)
        )


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_audit_outputs_carry_the_fix(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code = main(["audit", "--format", fmt, str(AUDIT / "fail_filter_misses_event.json")])
    out = capsys.readouterr().out
    assert code == 1
    if fmt == "text":
        assert "fix (edit of CIS-4.7-KmsKeyDisableOrScheduledDeletion)" in out
        assert "aws logs put-metric-filter" in out
        return
    doc = json.loads(out)
    if fmt == "json":
        (control,) = [c for c in doc["controls"] if c["status"] != "pass"]
        fix = control["remediation"]
    else:
        (result,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "cis-aws-3.0.0-4.7"]
        fix = result["properties"]["remediation"]
        others = [r for r in doc["runs"][0]["results"] if r is not result]
        assert all("remediation" not in r.get("properties", {}) for r in others)
        from test_ci_outputs import validate_sarif

        validate_sarif(doc)
        assert "fix:" in result["message"]["text"]
    assert analyzer.covers(fix["pattern"], KMS).verdict == "yes"
    passing = [c for c in doc.get("controls", []) if c["status"] == "pass"]
    assert all(c["remediation"] is None for c in passing)
