"""``cwpattern.aws.report``: the text, JSON and SARIF renderings of an audit are what
``cwpattern audit --format`` prints, from the public API alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.aws.audit import audit
from cwpattern.aws.matrix import audit_remediations
from cwpattern.aws.report import FORMATS, render, to_json, to_sarif, to_text
from cwpattern.cli import main

AUDIT = Path(__file__).parent / "data" / "audit"
MISS = str(AUDIT / "fail_filter_misses_event.json")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_is_what_the_command_prints(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    assert main(["audit", "--format", fmt, "-c", "4.7", "-c", "4.3", MISS]) == 1
    printed = capsys.readouterr().out
    report = audit(MISS, controls=["4.7", "4.3"])
    assert render(report, fmt, fixes=audit_remediations(report)) == printed


def test_fixes_are_rendered_only_when_given() -> None:
    report = audit(MISS, controls=["4.7"])
    fixes = audit_remediations(report)
    assert set(fixes) == {"cis-aws-3.0.0-4.7"}
    (plain,) = to_sarif(report)["runs"][0]["results"]
    (fixed,) = to_sarif(report, fixes)["runs"][0]["results"]
    assert "remediation" not in plain["properties"] and "fix:" not in plain["message"]["text"]
    assert fixed["properties"]["remediation"] == fixes["cis-aws-3.0.0-4.7"].to_dict()
    assert fixed["message"]["text"].endswith("; fix: " + fixes["cis-aws-3.0.0-4.7"].pattern)
    assert to_sarif(report) == report.to_sarif()
    assert to_json(report) == report.to_dict()
    assert to_json(report, fixes)["controls"][0]["remediation"]["pattern"] == (
        fixes["cis-aws-3.0.0-4.7"].pattern
    )
    assert "fix (edit of" not in to_text(report)
    assert "fix (edit of CIS-4.7-" in to_text(report, fixes=fixes)
    assert json.loads(render(report, "json"))["controls"][0]["remediation"] is None


def test_verbose_text_shows_the_links_of_passing_controls() -> None:
    report = audit(str(AUDIT / "pass_cis_4_7.json"), controls=["4.7"])
    assert "metric-filter" not in to_text(report)
    assert "  metric-filter pass" in to_text(report, verbose=True)


def test_unknown_format_is_an_error() -> None:
    report = audit(MISS, controls=["4.7"])
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(report, "xml")  # type: ignore[arg-type]
