"""CI-native outputs of ``check`` (one control and ``--benchmark``), ``explain`` and ``lint``:
SARIF valid against the SARIF 2.1.0 schema, GitHub annotations, JUnit XML; and the
remediation of ``check --control`` and ``explain`` in text and JSON, re-checked."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from cwpattern import analyzer, controls
from cwpattern.cli import main

DATA = Path(__file__).parent / "data"
SCHEMA = DATA / "sarif" / "sarif-schema-2.1.0.json"
SNAPSHOT = DATA / "audit" / "fail_filter_misses_event.json"


def _describe_dump() -> Path:
    """The snapshot's filters as `aws logs describe-metric-filters` prints them."""
    import tempfile

    doc = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["metricFilters"]
    path = Path(tempfile.mkdtemp()) / "filters.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


DUMP = _describe_dump()
KMS = controls.get("cis-aws-3.0.0-4.7").effective_pattern
NARROW = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"


def validate_sarif(log: Any) -> None:
    """Validate against the SARIF 2.1.0 JSON schema shipped in tests/data/sarif."""
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip("the SARIF 2.1.0 schema is not in tests/data/sarif yet")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)  # as tests/test_sarif.py


def run(
    capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None
) -> tuple[int, str]:
    if stdin is not None:
        import sys

        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            code = main(list(args))
        finally:
            sys.stdin = old
    else:
        code = main(list(args))
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--benchmark", "cis-aws-3.0.0", "--format", "sarif", str(DUMP)),
        ("check", "--control", "4.7", "--format", "sarif", str(DUMP)),
        ("check", "--control", "4.3", "--format", "sarif", str(DUMP)),
        ("explain", "--control", "4.7", "--format", "sarif", NARROW),
        ("explain", "--format", "sarif", "{ $.eventSource = kms.amazonaws.com }"),
        ("explain", "--control", "4.7", "--format", "sarif", "{ $.a = "),
    ],
)
def test_sarif_is_valid(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, out = run(capsys, *args)
    log = json.loads(out)
    assert log["version"] == "2.1.0" and log["runs"][0]["tool"]["driver"]["name"] == "cwpattern"
    validate_sarif(log)  # last: skips while the schema is not shipped


def test_check_one_control_ci_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", "-c", "4.7", "--format", "sarif", str(DUMP))
    log = json.loads(out)
    (result,) = log["runs"][0]["results"]
    assert code == 1 and result["ruleId"] == "cis-aws-3.0.0-4.7"
    fix = result["properties"]["remediation"]
    assert analyzer.covers(fix["pattern"], KMS).verdict == "yes"
    code, out = run(capsys, "check", "-c", "4.7", "--format", "github", str(DUMP))
    assert out.startswith(f"::error file={DUMP},line=")
    code, out = run(capsys, "check", "-c", "4.7", "--format", "junit", str(DUMP))
    suite = ElementTree.fromstring(out).find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("1", "1")
    code, out = run(capsys, "check", "-c", "4.3", "--format", "junit", str(DUMP))
    assert code == 0 and 'failures="0"' in out


def test_check_one_control_shows_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", "-c", "4.7", str(DUMP))
    assert code == 1 and "fix (edit of CIS-4.7-KmsKeyDisableOrScheduledDeletion)" in out
    assert "aws logs put-metric-filter" in out
    code, out = run(capsys, "check", "-c", "4.7", "--format", "json", str(DUMP))
    fix = json.loads(out)["remediation"]
    assert set(fix) >= {"pattern", "cli", "terraform", "cloudformation", "keeps", "drops"}
    assert analyzer.covers(fix["pattern"], KMS).verdict == "yes"
    code, out = run(capsys, "check", "-c", "4.3", "--format", "json", str(DUMP))
    assert code == 0 and json.loads(out)["remediation"] is None
    # patterns, one per line, from stdin: the fix edits the closest one
    code, out = run(capsys, "check", "-c", "4.7", "--format", "json", "-", stdin=NARROW + "\n")
    fix = json.loads(out)["remediation"]
    assert fix["strategy"] == "edit" and analyzer.covers(fix["pattern"], KMS).verdict == "yes"


def test_explain_remediation_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "explain", "-c", "4.7", NARROW)
    assert code == 1 and "fix:" in out and "ScheduleKeyDeletion" in out.split("fix:")[1]
    code, out = run(capsys, "explain", "-c", "4.7", "--format", "json", NARROW)
    fix = json.loads(out)["remediation"]
    assert analyzer.covers(fix["pattern"], KMS).verdict == "yes"
    assert fix["keeps"] == ['$.eventSource = "kms.amazonaws.com"', '$.eventName = "DisableKey"']
    code, out = run(capsys, "explain", "-c", "4.7", "--format", "json", KMS)
    assert code == 0 and json.loads(out)["remediation"] is None
    # over-broad: a narrowing suggestion, exit 0
    code, out = run(capsys, "explain", "-c", "4.7", "{ $.eventSource = kms.amazonaws.com }")
    assert code == 0 and "suggestion (over-broad)" in out
    # invalid: the reference, exit 2
    code, out = run(capsys, "explain", "-c", "4.7", "--format", "json", "{ $.a = ")
    doc = json.loads(out)
    assert code == 2 and doc["remediation"]["strategy"] == "reference"
    assert analyzer.covers(doc["remediation"]["pattern"], KMS).verdict == "yes"


def test_explain_github_and_junit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "explain", "-c", "4.7", "--format", "github", NARROW)
    assert code == 1 and out.startswith("::error title=cis-aws-3.0.0-4.7::")
    code, out = run(capsys, "explain", "-c", "4.7", "--format", "junit", NARROW)
    suite = ElementTree.fromstring(out).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    code, out = run(capsys, "explain", "-c", "4.7", "--format", "junit", KMS)
    assert code == 0 and 'failures="0"' in out


def test_lint_sarif_is_valid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = tmp_path / "kms.tf.json"
    plan.write_text(
        json.dumps(
            {
                "resource": {
                    "aws_cloudwatch_log_metric_filter": {
                        "kms": {"name": "cis-4.7", "pattern": NARROW, "log_group_name": "t"},
                        "bad": {"name": "x", "pattern": "{ $.a = ", "log_group_name": "t"},
                    }
                }
            }
        )
    )
    code, out = run(capsys, "lint", "--format", "sarif", str(plan))
    assert code == 1
    log = json.loads(out)
    assert len(log["runs"][0]["results"]) == 2
    validate_sarif(log)  # last: skips while the schema is not shipped
