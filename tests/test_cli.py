"""The command line, through cli.main() (no subprocess), with exact exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.cli import main

REF = (
    "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||"
    "($.eventName=ScheduleKeyDeletion)) }"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_covering_pattern(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "explain",
        "--control",
        "cis-aws-3.0.0-4.7",
        '{ $.eventName = "ScheduleKeyDeletion" || $.eventName = "DisableKey" }',
    )
    assert code == 0
    assert "covers:    YES" in out and "relation:  broader" in out
    assert out.count("[covered]") == 2


def test_explain_json_schema_for_a_gap(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "explain",
        "-c",
        "cis-aws-3.0.0-4.7",
        "--format",
        "json",
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }",
    )
    assert code == 1
    doc = json.loads(out)
    assert doc["valid"] is True and doc["covers"] is False and doc["relation"] == "narrower"
    assert (
        doc["canonical"] == '{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }'
    )
    cases = {c["case"]: c for c in doc["cases"]}
    missed = cases['$.eventSource = "kms.amazonaws.com" && $.eventName = "ScheduleKeyDeletion"']
    assert missed["covered"] is False
    record = json.loads(missed["counterexample"])
    assert (
        record["eventName"] == "ScheduleKeyDeletion"
        and record["eventSource"] == "kms.amazonaws.com"
    )
    assert (
        cases['$.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey"']["counterexample"]
        is None
    )


def test_explain_invalid_pattern(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "--format", "json", "{ $.a == 1 }")
    assert code == 2
    doc = json.loads(out)
    assert doc["valid"] is False
    assert doc["error"]["code"] == "INVALID_OPERATOR" and doc["error"]["position"] == 6
    code, _, err = run(capsys, "explain", "{ $.a == 1 }")
    assert code == 2 and "INVALID_OPERATOR" in err and "^" in err


def test_explain_shows_real_grouping(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "explain",
        '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" '
        '&& $.eventName != "HeadBucket" }',
    )
    assert code == 0
    assert (
        'grouping:  { $.errorCode = "*UnauthorizedOperation" || '
        '($.errorCode = "AccessDenied*" && $.eventName != "HeadBucket") }'
    ) in out


def test_explain_unknown_control_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "-c", "cis-aws-9.9.9-4.7", "{ $.a = 1 }")
    assert code == 2 and "cis-aws-9.9.9-4.7" in err


def test_check_lines_and_union(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "patterns.txt"
    path.write_text("{ $.eventName = DisableKey }\n{ $.eventName = ScheduleKeyDeletion }\n")
    code, out, _ = run(capsys, "check", "-c", "cis-aws-3.0.0-4.7", str(path))
    assert code == 0 and "covers yes" in out
    path.write_text("{ $.eventName = DisableKey }\n{ $.a == 1 }\n")
    code, out, _ = run(capsys, "check", "-c", "cis-aws-3.0.0-4.7", str(path))
    assert code == 1 and "INVALID" in out


def test_check_describe_metric_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def mf(name: str, pattern: str, metric: str) -> dict[str, object]:
        return {
            "filterName": name,
            "filterPattern": pattern,
            "logGroupName": "trail",
            "metricTransformations": [
                {"metricName": metric, "metricNamespace": "CIS", "metricValue": "1"}
            ],
        }

    doc = {
        "metricFilters": [
            mf("a", "{ $.eventName = DisableKey }", "KmsAlarm"),
            mf("b", "{ $.eventName = ScheduleKeyDeletion }", "KmsAlarm"),
            mf("c", "{ $.eventName = ScheduleKeyDeletion }", "Other"),
        ]
    }
    path = tmp_path / "filters.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "check", "-c", "cis-aws-3.0.0-4.7", "--format", "json", str(path))
    assert code == 0
    report = json.loads(out)
    assert [f["covers"] for f in report["filters"]] == [False, False, False]
    assert report["metrics"] == [
        {
            "metric": "CIS/KmsAlarm",
            "filters": ["a", "b"],
            "covers": True,
            "verdict": "yes",
            "counterexample": None,
            "assumptions": [],
        }
    ]


def test_check_unreadable_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", "-c", "cis-aws-3.0.0-4.7", str(tmp_path / "missing"))
    assert code == 2 and "cannot read" in err


def test_test_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", "[a, b]", "x", "x y z")
    assert code == 0
    assert json.loads(out) == {
        "matches": [
            {"eventNumber": 2, "eventMessage": "x y z", "extractedValues": {"$a": "x", "$b": "y z"}}
        ]
    }
    code, out, _ = run(capsys, "test", "ERROR", "fine")
    assert code == 1 and json.loads(out) == {"matches": []}
    code, _, err = run(capsys, "test", "ERR*", "x")
    assert code == 2 and "TERM_INVALID_CHAR" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "no-such-command")[0] == 2
    assert run(capsys)[0] == 2
    assert run(capsys, "--version")[0] == 0


def test_controls_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "controls", "--format", "json", "kms-cmk-disable-or-delete")
    assert code == 0
    ids = [c["id"] for c in json.loads(out)]
    assert "cis-aws-3.0.0-4.7" in ids and "securityhub-cloudwatch.7" in ids
    code, out, _ = run(capsys, "controls", "cis-aws-3.0.0-4.7")
    assert code == 0 and "pattern: {($.eventSource = kms.amazonaws.com)" in out
    assert run(capsys, "controls", "no-such-control")[0] == 2
