"""CI-native outputs shared by ``check``, ``explain`` and ``audit``: SARIF 2.1.0, GitHub
Actions workflow commands (annotations) and JUnit XML.

A command turns its verdicts into :class:`Rule` (one per control), :class:`Finding` (one
per control that does not pass) and :class:`Case` (one JUnit test case per control);
the functions here only format them, escaping every text for its target.

>>> f = Finding("cis-aws-3.0.0-4.7", "error", "not covered: misses\\nScheduleKeyDeletion",
...             path="filters.json", line=3, title="KMS, 50% done")
>>> print(github_annotations([f]))
::error file=filters.json,line=3,title=KMS%2C 50%25 done::not covered: misses%0AScheduleKeyDeletion
>>> print(junit_xml("cwpattern check", [Case("cis-aws-3.0.0-4.7", "fail", "not <covered>")]))
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="cwpattern check" tests="1" failures="1" errors="0" skipped="0">
  <testsuite name="cwpattern check" tests="1" failures="1" errors="0" skipped="0">
    <testcase classname="cwpattern" name="cis-aws-3.0.0-4.7">
      <failure message="not &lt;covered&gt;" type="fail">not &lt;covered&gt;</failure>
    </testcase>
  </testsuite>
</testsuites>
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from xml.etree import ElementTree

from .version import __version__

__all__ = [
    "SARIF_SCHEMA",
    "Case",
    "Finding",
    "Rule",
    "github_annotations",
    "junit_xml",
    "line_of",
    "sarif_log",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
PROJECT_URL = "https://github.com/cwpattern/cwpattern"

Level = Literal["error", "warning", "note"]
CaseStatus = Literal["pass", "fail", "error", "skipped"]


@dataclass(frozen=True)
class Rule:
    """A SARIF rule: one control (or one lint code)."""

    id: str
    title: str
    description: str = ""
    help_uri: str | None = None
    properties: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One result: a control that does not pass, or a lint finding.

    ``path``/``line``/``column`` locate it in the input file (1-based; ``None`` when
    unknown); ``logical`` names resources (a filter name, a CloudFormation logical id).
    """

    rule_id: str
    level: Level
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    title: str = ""
    logical: tuple[str, ...] = ()
    properties: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One JUnit test case (one control): ``pass``, ``fail``, ``error`` (could not be
    decided: fails closed) or ``skipped``."""

    name: str
    status: CaseStatus
    message: str = ""
    details: str = ""
    classname: str = "cwpattern"


# --- SARIF ------------------------------------------------------------------------------------


def _uri(path: str) -> str:
    return path.replace("\\", "/")


def sarif_log(
    rules: Sequence[Rule],
    findings: Iterable[Finding],
    *,
    information_uri: str = PROJECT_URL,
    properties: Mapping[str, object] | None = None,
    notifications: Sequence[str] = (),
) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run of cwpattern.

    >>> log = sarif_log([Rule("r1", "Rule one")], [Finding("r1", "error", "bad", path="a.json")])
    >>> log["version"], log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    ('2.1.0', {'artifactLocation': {'uri': 'a.json', 'index': 0}})
    """
    index = {rule.id: i for i, rule in enumerate(rules)}
    artifacts: list[str] = []
    results: list[dict[str, object]] = []
    for f in findings:
        result: dict[str, object] = {
            "ruleId": f.rule_id,
            "level": f.level,
            "message": {"text": f.message},
        }
        if f.rule_id in index:
            result["ruleIndex"] = index[f.rule_id]
        location: dict[str, object] = {}
        if f.path is not None:
            uri = _uri(f.path)
            if uri not in artifacts:
                artifacts.append(uri)
            physical: dict[str, object] = {
                "artifactLocation": {"uri": uri, "index": artifacts.index(uri)}
            }
            if f.line is not None:
                region: dict[str, int] = {"startLine": f.line}
                if f.column is not None:
                    region["startColumn"] = f.column
                physical["region"] = region
            location["physicalLocation"] = physical
        if f.logical:
            location["logicalLocations"] = [
                {"fullyQualifiedName": name, "kind": "resource"} for name in f.logical
            ]
        if location:
            result["locations"] = [location]
        if f.properties:
            result["properties"] = dict(f.properties)
        results.append(result)
    driver: dict[str, object] = {
        "name": "cwpattern",
        "version": __version__,
        "informationUri": information_uri,
        "rules": [_rule(rule) for rule in rules],
    }
    run: dict[str, object] = {
        "tool": {"driver": driver},
        "results": results,
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": text}} for text in notifications
                ],
            }
        ],
    }
    if artifacts:
        run["artifacts"] = [{"location": {"uri": uri}} for uri in artifacts]
    if properties:
        run["properties"] = dict(properties)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule: Rule) -> dict[str, object]:
    words = "".join(ch if ch.isalnum() else " " for ch in rule.title).split()
    out: dict[str, object] = {
        "id": rule.id,
        "name": "".join(w[:1].upper() + w[1:] for w in words) or "Rule",
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": rule.description or rule.title or rule.id},
        "defaultConfiguration": {"level": "error"},
    }
    if rule.help_uri:
        out["helpUri"] = rule.help_uri
    if rule.properties:
        out["properties"] = dict(rule.properties)
    return out


# --- GitHub Actions ---------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def github_annotations(findings: Iterable[Finding]) -> str:
    """GitHub Actions workflow commands, one line per finding
    (``::error file=…,line=…,title=…::message``), escaped as the runner expects."""
    lines = []
    for f in findings:
        props = []
        if f.path is not None:
            props.append(f"file={_escape_property(_uri(f.path))}")
            if f.line is not None:
                props.append(f"line={f.line}")
                if f.column is not None:
                    props.append(f"col={f.column}")
        title = f.title or f.rule_id
        props.append(f"title={_escape_property(title)}")
        lines.append(f"::{_GITHUB_LEVEL[f.level]} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines)


# --- JUnit XML --------------------------------------------------------------------------------

_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: characters it forbids are written as ``\\xNN``."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(suite: str, cases: Sequence[Case]) -> str:
    """A JUnit XML report: one ``<testsuite>``, one ``<testcase>`` per case."""
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(c.status == "fail" for c in cases)),
        "errors": str(sum(c.status == "error" for c in cases)),
        "skipped": str(sum(c.status == "skipped" for c in cases)),
    }
    root = ElementTree.Element("testsuites", {"name": _xml_text(suite), **counts})
    node = ElementTree.SubElement(root, "testsuite", {"name": _xml_text(suite), **counts})
    for case in cases:
        element = ElementTree.SubElement(
            node, "testcase", {"classname": _xml_text(case.classname), "name": _xml_text(case.name)}
        )
        if case.status == "pass":
            continue
        tag = {"fail": "failure", "error": "error", "skipped": "skipped"}[case.status]
        child = ElementTree.SubElement(
            element, tag, {"message": _xml_text(case.message), "type": case.status}
        )
        child.text = _xml_text(case.details or case.message)
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


# --- locations --------------------------------------------------------------------------------


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line of the first occurrence of ``needle`` in ``text`` (``None`` if
    absent): locates a filter in the file a user gave.

    >>> line_of('{\\n  "filterName": "kms"\\n}', '"filterName": "kms"')
    2
    """
    at = text.find(needle) if needle else -1
    return None if at < 0 else text.count("\n", 0, at) + 1
