"""Issue 9: no fail-open where a user reads a verdict, and one consistent CLI.

Each test names the defect it pins (the numbers of issue 9); each failed before its fix.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

import cwpattern
import cwpattern.analyzer
from cwpattern import controls
from cwpattern.analyzer import Verdict, covers
from cwpattern.aws.checker import FilterInputError, check, read_filters
from cwpattern.cli import main

DATA = Path(__file__).parent / "data"
KMS = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
BOTH = '{ $.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion" }'
FILTER = {
    "filterName": "kms",
    "logGroupName": "trail",
    "filterPattern": BOTH,
    "metricTransformations": [{"metricName": "Kms", "metricNamespace": "CIS", "metricValue": "1"}],
}


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- 1. check: JSON input parsed as a whole; no filters means not covered ---------------------


def test_check_empty_filter_list_is_not_covered(capsys, monkeypatch) -> None:
    """`aws logs describe-metric-filters --query metricFilters` on a log group without
    filters prints `[]`: that is no filters, not the match-all pattern `[]`."""
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "cis-aws-3.0.0-4.7", stdin="[]\n")
    assert code == 1
    assert "control covered: NO" in out and "no metric filters" in out
    code, out, _ = run(
        capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin='{"metricFilters": []}'
    )
    doc = json.loads(out)
    assert code == 1 and doc["covers"] is False and doc["verdict"] == "no"
    assert "no metric filters" in doc["reason"]


def test_check_input_lines_reads_brackets_as_a_pattern(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "4.7", "--input", "lines", stdin="[]\n")
    assert code == 0 and "pattern 1" in out and "control covered: yes" in out


def test_check_query_metric_filters_list_is_filters_not_lines(capsys, monkeypatch) -> None:
    """A pretty-printed `--query metricFilters` list was split into lines and judged as
    many invalid patterns."""
    text = json.dumps([FILTER, {**FILTER, "filterName": "other"}], indent=4)
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin=text)
    doc = json.loads(out)
    assert code == 0
    assert [f["name"] for f in doc["filters"]] == ["kms", "other"]
    assert all(f["valid"] for f in doc["filters"])


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"metricFilters": [FILTER]}, indent=2),
        json.dumps([{"metricFilters": [], "nextToken": "t"}, {"metricFilters": [FILTER]}]),
        json.dumps({"metricFilters": [], "nextToken": "t"})
        + "\n"
        + json.dumps({"metricFilters": [FILTER]}),
        json.dumps([BOTH]),
        BOTH + "\n",
    ],
    ids=["describe-output", "list-of-pages", "concatenated-pages", "pattern-strings", "lines"],
)
def test_check_every_input_shape(capsys, monkeypatch, text: str) -> None:
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin=text)
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "yes"
    assert len(doc["filters"]) == 1 and doc["filters"][0]["pattern"] == BOTH


@pytest.mark.parametrize(
    "text", ['{"metricFilters": [', "{}", '{"filters": []}', "[1, 2]", '[{"filterName": "x"}]']
)
def test_check_malformed_or_foreign_json_exits_2(capsys, monkeypatch, text: str) -> None:
    code, out, err = run(capsys, monkeypatch, "check", "-c", "4.7", stdin=text)
    assert code == 2 and out == ""
    assert err.startswith("cwpattern check: error: ")


def test_check_json_mode_rejects_pattern_lines() -> None:
    with pytest.raises(FilterInputError, match="invalid JSON"):
        read_filters(KMS, mode="json")


def test_check_truncated_listing_is_unknown_not_no(capsys, monkeypatch) -> None:
    page = {"metricFilters": [{**FILTER, "filterPattern": KMS}], "nextToken": "more"}
    code, out, _ = run(
        capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin=json.dumps(page)
    )
    doc = json.loads(out)
    assert code == 1 and doc["verdict"] == "unknown" and doc["truncated"] is True
    code, _, _ = run(
        capsys, monkeypatch, "check", "-c", "4.7", "--fail-on", "fail", stdin=json.dumps(page)
    )
    assert code == 0


# --- 2. yes/no attributes are bools; the three-way verdict is an enum -------------------------


def test_coverage_covered_is_a_bool() -> None:
    ref = controls.get("4.7").effective_pattern
    no = cwpattern.covers(KMS, ref)
    yes = cwpattern.covers(BOTH, ref)
    assert no.covered is False and yes.covered is True
    assert no.verdict is Verdict.NO and yes.verdict is Verdict.YES
    assert no.verdict == "no" and isinstance(no.verdict, Verdict)


def test_verdict_has_no_truth_value() -> None:
    """`if cov.verdict:` was true for 'no': now it is a loud error, never a silent yes."""
    verdict = covers(KMS, controls.get("4.7").effective_pattern).verdict
    with pytest.raises(TypeError, match="no truth value"):
        bool(verdict)


def test_check_report_attributes_are_bools() -> None:
    report = check([KMS], control="4.7")
    assert report.covered is False and report.verdict is Verdict.NO
    assert report.results[0].covered is False and report.results[0].verdict is Verdict.NO
    invalid = check(["{ $.a == 1 }"], control="4.7").results[0]
    assert invalid.valid is False and invalid.covered is False and invalid.verdict is Verdict.NO


# --- 4. exit codes: invalid input is 2; --fail-on --------------------------------------------


@pytest.mark.parametrize("text", ["{}", "[]", "{", '"trails"', '{"unrelated": 1}'])
def test_audit_non_snapshot_exits_2(capsys, monkeypatch, text: str) -> None:
    code, out, err = run(capsys, monkeypatch, "audit", "-", stdin=text)
    assert code == 2 and out == ""
    assert err.startswith("cwpattern audit: error: ")


def test_audit_partial_snapshot_is_cannot_decide(capsys, monkeypatch) -> None:
    path = str(DATA / "audit" / "undecided_missing_keys.json")
    code, out, _ = run(capsys, monkeypatch, "audit", path, "-c", "4.7", "--format", "json")
    assert code == 1 and json.loads(out)["controls"][0]["status"] == "unknown"
    code, _, _ = run(capsys, monkeypatch, "audit", path, "-c", "4.7", "--fail-on", "fail")
    assert code == 0
    failing = str(DATA / "audit" / "fail_filter_misses_event.json")
    code, _, _ = run(capsys, monkeypatch, "audit", failing, "-c", "4.7", "--fail-on", "fail")
    assert code == 1


# --- 5. one error format for every command -----------------------------------------------------

SYNTAX = re.compile(
    r"^cwpattern (?P<cmd>\w+): syntax-error \[INVALID_OPERATOR\]: .* at column 7\n"
    r"\{ \$\.a == 1 \}\n {6}\^\n$"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["test", "{ $.a == 1 }", "msg"],
        ["grep", "{ $.a == 1 }", "-"],
        ["simulate", "--pattern", "{ $.a == 1 }", "--cis-alarm", "-"],
        ["explain", "{ $.a == 1 }"],
        ["explain", "--format", "json", "{ $.a == 1 }"],
    ],
    ids=["test", "grep", "simulate", "explain", "explain-json"],
)
def test_syntax_error_format(capsys, monkeypatch, argv: list[str]) -> None:
    code, _, err = run(capsys, monkeypatch, *argv, stdin="")
    match = SYNTAX.match(err)
    assert code == 2 and match, err
    assert match.group("cmd") == argv[0]


def test_check_and_audit_word_pattern_errors_alike(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "4.7", stdin="{ $.a == 1 }\n")
    assert code == 1
    assert (
        "syntax-error [INVALID_OPERATOR]: invalid operator '==' (use '=' for equality) at column 7"
        in out
    )
    path = str(DATA / "audit" / "fail_malformed_pattern.json")
    code, out, _ = run(capsys, monkeypatch, "audit", path, "-c", "4.7")
    assert code == 1 and "(syntax-error [INVALID_OPERATOR]: invalid operator" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "-c", "9.99"],
        ["audit", "-c", "9.99", "-"],
        ["explain", "-c", "9.99", KMS],
        ["controls", "no-such-thing-at-all"],
        ["test", KMS, ""],
    ],
    ids=["check", "audit", "explain", "controls", "test"],
)
def test_other_errors_share_the_prefix(capsys, monkeypatch, argv: list[str]) -> None:
    code, _, err = run(capsys, monkeypatch, *argv, stdin='{"trails": {"trailList": []}}')
    assert code == 2
    assert err.startswith(f"cwpattern {argv[0]}: error: ") and err.count("\n") == 1, err


# --- 6. one control-id resolver -----------------------------------------------------------------


def test_bare_control_number_everywhere(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "explain", "-c", "4.7", "--format", "json", BOTH)
    assert code == 0 and json.loads(out)["control"]["id"] == "cis-aws-3.0.0-4.7"
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin=BOTH)
    assert code == 0 and json.loads(out)["control"] == "cis-aws-3.0.0-4.7"
    code, out, _ = run(capsys, monkeypatch, "controls", "4.7", "--format", "json")
    assert code == 0 and [c["id"] for c in json.loads(out)] == ["cis-aws-3.0.0-4.7"]
    path = str(DATA / "audit" / "pass_cis_4_7.json")
    code, out, _ = run(capsys, monkeypatch, "audit", path, "-c", "4.7", "--format", "json")
    assert code == 0 and json.loads(out)["controls"][0]["id"] == "cis-aws-3.0.0-4.7"
    assert controls.get("4.7").id == controls.resolve("4.7")[0].id == "cis-aws-3.0.0-4.7"


def test_help_names_the_default_benchmark(capsys) -> None:
    for command in ("check", "explain", "audit"):
        assert main([command, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "4.7" in out and "cis-aws-3.0.0" in out, command


def test_controls_search_by_topic_or_title_words(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "controls", "kms", "--format", "json")
    ids = [c["id"] for c in json.loads(out)]
    assert code == 0 and "cis-aws-3.0.0-4.7" in ids and "securityhub-cloudwatch.7" in ids
    assert all(c["topic"] == "kms-cmk-disable-or-delete" for c in json.loads(out))
    code, out, _ = run(capsys, monkeypatch, "controls", "root", "account", "--format", "json")
    assert code == 0 and {c["topic"] for c in json.loads(out)} == {"root-usage"}


# --- 10. `cwpattern test` reads stdin and applies the API's message rule -----------------------


def test_test_reads_messages_from_stdin(capsys, monkeypatch) -> None:
    stdin = (
        '{"eventName":"Other"}\n\n{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}\n'
    )
    code, out, _ = run(capsys, monkeypatch, "test", KMS, stdin=stdin)
    assert code == 0
    assert [m["eventNumber"] for m in json.loads(out)["matches"]] == [2]


@pytest.mark.parametrize(
    "argv, stdin",
    [([KMS], ""), ([KMS, ""], None), ([KMS, "-f", "-"], "x\n" * 51)],
    ids=["no-messages", "empty-message", "51-messages"],
)
def test_test_message_rule(capsys, monkeypatch, argv: list[str], stdin: str | None) -> None:
    code, out, err = run(
        capsys, monkeypatch, "test", *argv, stdin=stdin if stdin is not None else ""
    )
    assert code == 2 and out == "" and err.startswith("cwpattern test: error: ")


# --- 7. lint warnings reach every verdict; mixed-precedence -----------------------------------

MIXED = (
    "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || "
    "$.eventName = ScheduleKeyDeletion }"
)


def test_mixed_precedence_warning_shows_the_aws_grouping() -> None:
    found = [w for w in cwpattern.analyzer.warnings(MIXED) if w.code == "mixed-precedence"]
    assert len(found) == 1
    assert (
        '{ ($.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey") || '
        '$.eventName = "ScheduleKeyDeletion" }' in found[0].message
    )
    assert found[0].span is not None and MIXED[found[0].span.start :].startswith("&&")


@pytest.mark.parametrize(
    "pattern",
    [
        "{ ($.a = 1 && $.b = 2) || $.c = 3 }",
        "{ $.a = 1 && ($.b = 2 || $.c = 3) }",
        '{ $.a = "x && y || z (" && $.b = 2 }',
        "{ (($.a = 1) && $.b = 2) || $.c = 3 }",
        "{ $.a = 1 || $.b = 2 || $.c = 3 }",
    ],
)
def test_no_mixed_precedence_warning_when_grouped(pattern: str) -> None:
    assert "mixed-precedence" not in [w.code for w in cwpattern.analyzer.warnings(pattern)]


def test_nested_mixed_precedence_is_found() -> None:
    codes = [
        w.code
        for w in cwpattern.analyzer.warnings("{ $.a = 1 && ($.b = 2 || $.c = 3 && $.d = 4) }")
    ]
    assert "mixed-precedence" in codes


def test_check_shows_warnings_in_text_and_json(capsys, monkeypatch) -> None:
    broad = "{ $.eventSource = kms.amazonaws.com }"
    code, out, _ = run(capsys, monkeypatch, "check", "-c", "4.7", stdin=f"{broad}\n{MIXED}\n")
    assert code == 0
    assert "warning [over-broad]:" in out and "warning [mixed-precedence]:" in out
    code, out, _ = run(
        capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin=f"{broad}\n{MIXED}\n"
    )
    filters = json.loads(out)["filters"]
    assert [w["code"] for w in filters[0]["warnings"]] == ["over-broad"]
    assert "mixed-precedence" in [w["code"] for w in filters[1]["warnings"]]


def test_explain_shows_mixed_precedence(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "explain", "-c", "4.7", "--format", "json", MIXED)
    assert "mixed-precedence" in [w["code"] for w in json.loads(out)["warnings"]]


def test_test_says_it_reads_a_terminal(capsys, monkeypatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty('{"a":1}\n'))
    assert main(["test", "{ $.a = 1 }"]) == 0
    assert "reading messages from stdin" in capsys.readouterr().err


@pytest.mark.parametrize("line", ['"kms.amazonaws.com"', "404"])
def test_check_a_pattern_that_is_also_a_json_scalar(capsys, monkeypatch, line: str) -> None:
    """A file of one quoted term (valid JSON on its own) is a pattern, not a document."""
    code, out, err = run(
        capsys, monkeypatch, "check", "-c", "4.7", "--format", "json", stdin=line + "\n"
    )
    assert code in (0, 1) and err == "", err
    assert json.loads(out)["filters"][0]["pattern"] == line
    code, _, err = run(
        capsys, monkeypatch, "check", "--benchmark", "cis-aws-3.0.0", stdin=line + "\n"
    )
    assert code in (0, 1) and "error" not in err, err
