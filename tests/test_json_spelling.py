"""Issue 9 item 14: a "yes" that rests on CloudTrail's compact JSON spelling says so.

Term, regex and space-delimited patterns read the record's text.  The analyzer proves them
from text every *compact* serialisation contains (``"errorCode":"AccessDenied/x"``), but
RFC 8259 allows other spellings of the same record (``\\/``, ``\\u0041``...), which such a
pattern may not find.  By default the answer carries an ``assumptions`` entry; with
``any_json_spelling=True`` it is judged for every spelling (refuted by a respelled record,
or ``unknown``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cwpattern
from cwpattern import analyzer
from cwpattern.analysis.results import COMPACT_JSON_SPELLING
from cwpattern.aws.checker import check
from cwpattern.cli import main
from cwpattern.explain import explain
from cwpattern.jsondoc import decode

CONTROL = "cis-aws-1.2.0-3.1"
UNION = [
    "{ $.errorCode = *UnauthorizedOperation || ($.errorCode = AccessDenied* && "
    '$.errorCode != "AccessDenied/x") }',
    '"AccessDenied/x"',
]
ESCAPING = '{"errorCode":"AccessDenied\\/x"}'


def reference() -> str:
    return cwpattern.controls.get(CONTROL).effective_pattern


def test_the_issue_example_escapes_the_union() -> None:
    assert decode(ESCAPING) == {"errorCode": "AccessDenied/x"}
    assert cwpattern.matches(reference(), ESCAPING)
    assert not any(cwpattern.matches(p, ESCAPING) for p in UNION)


def test_a_yes_from_a_text_proof_states_its_assumption() -> None:
    cov = analyzer.covers(UNION, reference())
    assert cov.verdict == "yes" and cov.assumptions == (COMPACT_JSON_SPELLING,)
    assert "compact-json-spelling" in COMPACT_JSON_SPELLING
    assert cov.to_dict()["assumptions"] == [COMPACT_JSON_SPELLING]
    assumed = [c for c in cov.cases if c.assumptions]
    assert assumed and all(c.to_dict()["assumptions"] for c in assumed)
    rel = analyzer.relation(UNION, reference())
    assert rel.kind == "broader" and rel.assumptions == (COMPACT_JSON_SPELLING,)
    assert rel.to_dict()["assumptions"] == [COMPACT_JSON_SPELLING]


def test_any_json_spelling_refutes_with_a_respelled_record() -> None:
    cov = analyzer.covers(UNION, reference(), any_json_spelling=True)
    assert cov.verdict == "no" and cov.assumptions == ()
    record = cov.counterexample
    assert record is not None
    assert cwpattern.matches(reference(), record)
    assert not any(cwpattern.matches(p, record) for p in UNION)
    assert decode(record)["errorCode"] == "AccessDenied/x"
    assert analyzer.relation(UNION, reference(), any_json_spelling=True).kind == "overlap"


def test_json_patterns_need_no_assumption() -> None:
    json_only = '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" }'
    for spelling in (False, True):
        cov = analyzer.covers(json_only, reference(), any_json_spelling=spelling)
        assert cov.verdict == "yes" and cov.assumptions == ()


@pytest.mark.parametrize("pattern", ["", "[line]", '"{"'])
def test_proofs_that_hold_for_every_spelling(pattern: str) -> None:
    cov = analyzer.covers(pattern, reference(), any_json_spelling=True)
    assert cov.verdict == "yes" and cov.assumptions == ()


def test_check_and_explain_report_the_assumption() -> None:
    report = check(UNION, control=CONTROL)
    assert report.covered and report.assumptions == (COMPACT_JSON_SPELLING,)
    assert report.to_dict()["assumptions"] == [COMPACT_JSON_SPELLING]
    strict = check(UNION, control=CONTROL, any_json_spelling=True)
    assert not strict.covered and strict.assumptions == ()
    doc = explain('"kms.amazonaws.com"', control="cis-aws-3.0.0-4.7")
    assert doc["verdict"] == "yes" and doc["assumptions"] == [COMPACT_JSON_SPELLING]
    doc = explain('"kms.amazonaws.com"', control="cis-aws-3.0.0-4.7", any_json_spelling=True)
    assert doc["verdict"] == "no" and doc["assumptions"] == []
    doc = explain('{ $.eventSource = "kms.amazonaws.com" }', control="cis-aws-3.0.0-4.7")
    assert doc["verdict"] == "yes" and doc["assumptions"] == []


def test_cli_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "filters.txt"
    path.write_text("\n".join(UNION) + "\n")
    code = main(["check", "-c", CONTROL, str(path)])
    out = capsys.readouterr().out
    assert code == 0 and "assumes: compact-json-spelling" in out
    code = main(["check", "-c", CONTROL, "--any-json-spelling", "--format", "json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["covers"] is False and doc["assumptions"] == []
    pattern = '"kms.amazonaws.com"'
    assert main(["explain", "-c", "cis-aws-3.0.0-4.7", pattern]) == 0
    assert "assumes:   compact-json-spelling" in capsys.readouterr().out
    assert main(["explain", "-c", "cis-aws-3.0.0-4.7", "--any-json-spelling", pattern]) == 1
    capsys.readouterr()


def test_audit_reports_the_assumption_in_text_json_and_sarif(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from cwpattern.aws.audit import audit

    doc = json.loads((Path(__file__).parent / "data/audit/pass_cis_4_7.json").read_text())
    for f in doc["metricFilters"]["metricFilters"]:
        f["filterPattern"] = '"kms.amazonaws.com"'
    report = audit(doc, controls=["cis-aws-3.0.0-4.7"])
    (result,) = report.controls
    assert result.status == "pass"
    link = next(x for x in result.links if x.name == "metric-filter")
    assert "assuming compact-json-spelling" in link.reason
    assert "compact-json-spelling" in json.dumps(report.to_dict())
    (sarif_result,) = report.to_sarif()["runs"][0]["results"]
    assert sarif_result["kind"] == "pass" and sarif_result["level"] == "note"
    assert "assuming compact-json-spelling" in sarif_result["message"]["text"]
    assert sarif_result["properties"]["assumptions"] == [COMPACT_JSON_SPELLING]
    strict = audit(doc, controls=["cis-aws-3.0.0-4.7"], any_json_spelling=True)
    assert strict.controls[0].status == "fail"
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    assert main(["audit", str(path), "--control", "4.7"]) == 0
    assert "compact-json-spelling" in capsys.readouterr().out
    assert main(["audit", str(path), "--control", "4.7", "--any-json-spelling"]) == 1
    capsys.readouterr()
