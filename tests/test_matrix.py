"""cwpattern.aws.matrix: every control of a benchmark at once, with a verified fix for each
control that is not covered."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from cwpattern import analyzer, controls
from cwpattern.aws.filterdefs import FilterDef
from cwpattern.aws.matrix import check_benchmark
from cwpattern.cli import main

REF = {c.id: c.effective_pattern for c in controls.by_benchmark("cis-aws-3.0.0")}


def _account() -> list[FilterDef]:
    """A typical account: some controls right, some nearly, some not at all."""
    return [
        FilterDef("root", REF["cis-aws-3.0.0-4.3"], "trail", "RootUsage", "CIS"),
        FilterDef(
            "kms",
            "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }",
            "trail",
            "Kms",
            "CIS",
        ),
        FilterDef(
            "trail-a",
            '{ $.eventName = "CreateTrail" || $.eventName = "UpdateTrail" }',
            "trail",
            "TrailChanges",
            "CIS",
        ),
        FilterDef(
            "trail-b",
            '{ $.eventName = "DeleteTrail" || $.eventName = "StartLogging" || '
            '$.eventName = "StopLogging" }',
            "trail",
            "TrailChanges",
            "CIS",
        ),
        FilterDef("kms-broad", "{ $.eventSource = kms.amazonaws.com }", "trail", "KmsAll", "CIS"),
        FilterDef("broken", "{ $.eventName = ", "trail", "Broken", "CIS"),
    ]


def test_matrix_rows_verdicts_and_fixes() -> None:
    report = check_benchmark(_account())
    assert [r.control.id for r in report.rows] == list(REF)
    root = report.row("4.3")
    assert (root.verdict, root.covering, root.relation) == ("yes", ("root",), "equivalent")
    assert root.remediation is None
    trail = report.row("cis-aws-3.0.0-4.5")  # covered by two filters on one metric
    assert trail.verdict == "yes" and trail.covering == (
        "metric CIS/TrailChanges: trail-a, trail-b",
    )
    kms = report.row("4.7")  # covered by the broad filter: a narrowing suggestion
    assert kms.verdict == "yes" and kms.covering == ("kms-broad",)
    assert kms.remediation is not None and kms.remediation.kind == "narrow"
    for row in report.rows:
        if row.verdict == "yes":
            continue
        fix = row.remediation
        assert fix is not None, row.control.id
        assert analyzer.covers(fix.pattern, REF[row.control.id]).verdict == "yes"
        assert fix.target.log_group == "trail"  # the account's one log group
    # the root filter is for 4.3: a fix never bolts IAM policy changes onto it
    iam = report.row("4.4")
    assert iam.closest is None and iam.remediation is not None
    assert iam.remediation.strategy == "reference"
    assert report.summary() == {"yes": 3, "no": 12, "unknown": 0}
    assert report.failed() and report.failed("fail")


def test_closest_filter_is_edited_with_its_names() -> None:
    report = check_benchmark(_account()[1:2])  # only the narrow KMS filter
    row = report.row("4.7")
    assert (row.verdict, row.relation, row.closest) == ("no", "narrower", "kms")
    fix = row.remediation
    assert fix is not None and fix.strategy == "edit"
    assert fix.target.filter_name == "kms" and fix.target.metric_name == "Kms"
    assert "--filter-name kms" in fix.cli
    # a control no filter is close to gets a new filter with the reference pattern
    iam = report.row("4.4")
    assert iam.closest is None and iam.remediation is not None
    assert iam.remediation.strategy == "reference" and iam.remediation.original is None


def test_a_filter_named_for_a_control_is_edited_only_for_it() -> None:
    named = FilterDef("cis-4.1-unauthorized", '{ $.errorCode = "AccessDenied*" }', "trail")
    report = check_benchmark([named])
    assert report.row("4.1").closest == "cis-4.1-unauthorized"
    assert all(r.closest is None for r in report.rows if r.control.number != "4.1")


def test_no_filters_is_not_covered() -> None:
    report = check_benchmark([])
    assert report.summary() == {"yes": 0, "no": 15, "unknown": 0}
    assert all("no metric filters" in r.reason for r in report.rows)
    assert all(r.remediation is not None for r in report.rows)
    assert report.failed()


def test_unknown_pattern_values_are_not_coverage() -> None:
    report = check_benchmark([FilterDef("later", None, notes=("known after apply",))])
    assert report.summary()["yes"] == 0 and report.failed()


def test_ci_outputs_one_per_control() -> None:
    report = check_benchmark(_account(), path="f.json")
    cases = report.cases()
    assert len(cases) == 15
    assert sum(c.status == "pass" for c in cases) == 3
    findings = report.findings()
    errors = [f for f in findings if f.level == "error"]
    notes = [f for f in findings if f.level == "note"]
    assert len(errors) == 12 and len(notes) == 1
    assert all("fix" in f.message or "add" in f.message for f in errors)


@pytest.mark.parametrize("fail_on,expected", [("unknown", True), ("fail", False)])
def test_fail_on_unknown(fail_on: str, expected: bool) -> None:
    from dataclasses import replace

    report = check_benchmark([FilterDef("root", REF["cis-aws-3.0.0-4.3"])])
    rows = tuple(replace(r, verdict="unknown") if r.verdict == "no" else r for r in report.rows)
    assert replace(report, rows=rows).failed(fail_on) is expected


# --- the command ------------------------------------------------------------------------------

DUMP = Path(__file__).parent / "data" / "audit" / "fail_filter_misses_event.json"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def test_cli_text_lists_an_exact_fix_per_control(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(capsys, "--benchmark", "cis-aws-3.0.0", str(DUMP))
    assert code == 1
    assert "15 controls, 14 covered, 1 not covered, 0 unknown" in out
    assert "cis-aws-3.0.0-4.7   NO" in out
    assert "aws logs put-metric-filter" in out
    assert "--filter-name CIS-4.7-KmsKeyDisableOrScheduledDeletion" in out
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--fix-format", "terraform", str(DUMP))
    assert 'resource "aws_cloudwatch_log_metric_filter"' in out


def test_cli_json_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(capsys, "--benchmark", "cis-aws-3.0.0", "--format", "json", str(DUMP))
    doc = json.loads(out)
    assert code == 1 and doc["summary"] == {"yes": 14, "no": 1, "unknown": 0}
    (row,) = [c for c in doc["controls"] if not c["covered"]]
    fix = row["remediation"]
    assert set(fix) >= {"pattern", "cli", "terraform", "cloudformation", "keeps", "drops"}
    assert analyzer.covers(fix["pattern"], REF[row["control"]]).verdict == "yes"


def test_cli_ci_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "sarif", str(DUMP))
    log = json.loads(out)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "cis-aws-3.0.0-4.7" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "github", str(DUMP))
    assert out.startswith(f"::error file={DUMP},line=") and out.count("\n") == 1
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "junit", str(DUMP))
    suite = ElementTree.fromstring(out).find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("15", "1")


def test_cli_stdin_lines_and_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(REF["cis-aws-3.0.0-4.3"] + "\n# comment\n"))
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "json", "-")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["yes"] == 1 and doc["filters"] == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("[]"))  # no filters: nothing covered
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "json", "-")
    assert code == 1 and json.loads(out)["summary"]["yes"] == 0
    assert _cli(capsys, "-b", "cis-aws-3.0.0", "/nonexistent.json")[0] == 2
    assert _cli(capsys, "-b", "cis-aws-3.0.0", "-c", "4.7", str(DUMP))[0] == 2
    assert _cli(capsys, str(DUMP))[0] == 2
    monkeypatch.setattr("sys.stdin", io.StringIO('{"unrelated": 1}'))
    assert _cli(capsys, "-b", "cis-aws-3.0.0", "-")[0] == 2


def test_cli_hostile_and_single_pattern_inputs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for deep in ("[" * 100_000 + "]" * 100_000, '{"metricFilters":' + "[" * 300 + "]" * 300 + "}"):
        monkeypatch.setattr("sys.stdin", io.StringIO(deep))
        assert main(["check", "-b", "cis-aws-3.0.0", "-"]) == 2
        assert "nested deeper" in capsys.readouterr().err
    # one space-delimited pattern is a line, not broken JSON
    monkeypatch.setattr("sys.stdin", io.StringIO("[a, b]\n"))
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "json", "-")
    assert code == 1 and json.loads(out)["filters"] == 1


def test_cli_truncated_listing_is_unknown_not_no(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = {
        "metricFilters": [{"filterName": "root", "filterPattern": REF["cis-aws-3.0.0-4.3"]}],
        "nextToken": "more",
    }
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(page)))
    code, out = _cli(capsys, "-b", "cis-aws-3.0.0", "--format", "json", "-")
    doc = json.loads(out)
    assert doc["summary"] == {"yes": 1, "no": 0, "unknown": 14}
    assert code == 1  # unknown fails closed by default
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(page)))
    assert _cli(capsys, "-b", "cis-aws-3.0.0", "--fail-on", "fail", "-")[0] == 0
