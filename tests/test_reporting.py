"""cwpattern.reporting: SARIF, GitHub Actions annotations and JUnit XML escape whatever
text a pattern or a filter name holds."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from cwpattern.reporting import (
    Case,
    Finding,
    Rule,
    github_annotations,
    junit_xml,
    line_of,
    sarif_log,
)

NASTY = 'a,b:c %25 %0A\r\nnext ::error ::x <tag> & "q" \x00\x1b end'


def _unescape_github(text: str) -> str:
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def test_github_annotation_cannot_be_split_or_forged() -> None:
    out = github_annotations(
        [Finding("c1", "error", NASTY, path="dir/f,1:x.json", line=4, column=2, title=NASTY)]
    )
    assert "\n" not in out and "\r" not in out  # one command per finding
    head, message = out.split("::", 2)[1:]
    assert head.startswith("error ")
    props = dict(p.split("=", 1) for p in head[len("error ") :].split(","))
    assert _unescape_github(props["file"]) == "dir/f,1:x.json"
    assert props["line"] == "4" and props["col"] == "2"
    assert _unescape_github(props["title"]) == NASTY
    assert _unescape_github(message) == NASTY


def test_github_levels() -> None:
    lines = github_annotations(
        [Finding("a", "error", "x"), Finding("b", "warning", "y"), Finding("c", "note", "z")]
    ).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]


def test_junit_is_well_formed_xml() -> None:
    cases = [
        Case("c-pass", "pass"),
        Case("c-fail", "fail", NASTY, "details " + NASTY),
        Case("c-unknown", "error", "cannot decide"),
        Case(NASTY, "skipped", "n/a"),
    ]
    root = ElementTree.fromstring(junit_xml("suite " + NASTY, cases).encode("utf-8"))
    suite = root.find("testsuite")
    assert suite is not None
    assert (
        suite.get("tests"),
        suite.get("failures"),
        suite.get("errors"),
        suite.get("skipped"),
    ) == (
        "4",
        "1",
        "1",
        "1",
    )
    testcases = suite.findall("testcase")
    assert [list(tc) for tc in testcases][0] == []
    failure = testcases[1].find("failure")
    assert failure is not None and failure.get("message", "").startswith("a,b:c")
    assert "\\x00" in failure.get("message", "")  # forbidden in XML 1.0: written visibly
    assert testcases[2].find("error") is not None
    assert testcases[3].find("skipped") is not None


def test_sarif_locations_and_rules() -> None:
    log = sarif_log(
        [Rule("c1", "Control one", "desc"), Rule("c2", "Control two")],
        [
            Finding("c2", "warning", "unknown", path="a\\b.json", line=3, logical=("kms",)),
            Finding("c1", "error", "fail"),
        ],
        properties={"summary": {"fail": 1}},
    )
    json.dumps(log)
    (run,) = log["runs"]  # type: ignore[misc]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["c1", "c2"]
    first, second = run["results"]
    assert first["ruleIndex"] == 1 and first["level"] == "warning"
    loc = first["locations"][0]
    assert loc["physicalLocation"] == {
        "artifactLocation": {"uri": "a/b.json", "index": 0},
        "region": {"startLine": 3},
    }
    assert loc["logicalLocations"] == [{"fullyQualifiedName": "kms", "kind": "resource"}]
    assert "locations" not in second
    assert run["artifacts"] == [{"location": {"uri": "a/b.json"}}]


def test_line_of() -> None:
    assert line_of("a\nb\nc", "c") == 3
    assert line_of("a", "z") is None and line_of("a", "") is None
