"""The renderings of an audit (:class:`~cwpattern.aws.audit.AuditReport`): text, JSON and
SARIF 2.1.0 (of the records in :mod:`cwpattern.aws.results`), with the verified fix of each control whose metric filter fails when given
(:func:`cwpattern.aws.matrix.audit_remediations`).

The audit decides; this module only formats.  ``cwpattern audit --format F`` prints
:func:`render` of the report.

>>> from cwpattern.aws.audit import audit
>>> report = audit("tests/data/audit/fail_no_alarm.json", controls=["4.5"])
>>> print(to_text(report))  # doctest: +ELLIPSIS
cwpattern audit of tests/data/audit/fail_no_alarm.json (snapshot): 1 controls, 0 pass, 1 fail, 0 unknown
<BLANKLINE>
FAIL     cis-aws-3.0.0-4.5   Ensure CloudTrail configuration changes are monitored
  trail         pass     trail management-events is multi-region, ... to log group ...
  metric-filter pass     filter CIS-4.5-CloudTrailConfigChanges on metric ... covers the control
  alarm         FAIL     no alarm on metric CISBenchmark/CloudTrailConfigChangesCount  <-
  notification  -        not checked: no alarm to follow
<BLANKLINE>
>>> to_json(report)["summary"]
{'pass': 0, 'fail': 1, 'unknown': 0}
>>> [r["level"] for r in to_sarif(report)["runs"][0]["results"]]
['error']
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

from ..reporting import PROJECT_URL, SARIF_SCHEMA
from ..version import __version__

if TYPE_CHECKING:
    from ..remediation import Remediation
    from .results import AuditReport, ControlResult

__all__ = [
    "FORMATS",
    "Format",
    "render",
    "resource_lines",
    "to_json",
    "to_sarif",
    "to_text",
    "write_text",
]

Format = Literal["text", "json", "sarif"]
#: The formats of :func:`render` (``cwpattern audit --format``).
FORMATS: Final[tuple[Format, ...]] = ("text", "json", "sarif")

_HELP_URI: Final = f"{PROJECT_URL}/blob/main/docs/audit.md"
_MARK: Final = {"pass": "PASS", "fail": "FAIL", "unknown": "UNKNOWN"}
_LINK_MARK: Final = {
    "pass": "pass",
    "fail": "FAIL",
    "unknown": "UNKNOWN",
    "assumed": "assumed",
    "not-checked": "-",
}
_HOW: Final = {"edit": "edit of", "add-branches": "branches added to"}


def render(
    report: AuditReport,
    format: Format = "text",
    *,
    verbose: bool = False,
    fixes: Mapping[str, Remediation] | None = None,
) -> str:
    """The report as ``cwpattern audit --format FORMAT`` prints it (JSON indented by two,
    ending with a newline).  ``verbose``: text shows the links of passing controls too.

    >>> from cwpattern.aws.audit import audit
    >>> print(render(audit("tests/data/audit/pass_cis_4_7.json", controls=["4.7"]), "text"))
    cwpattern audit of tests/data/audit/pass_cis_4_7.json (snapshot): 1 controls, 1 pass, 0 fail, 0 unknown
    <BLANKLINE>
    PASS     cis-aws-3.0.0-4.7   Ensure disabling or scheduled deletion of customer created CMKs is monitored
    <BLANKLINE>
    """
    if format == "text":
        return to_text(report, verbose=verbose, fixes=fixes)
    if format == "json":
        doc = to_json(report, fixes={} if fixes is None else fixes)
    elif format == "sarif":
        doc = to_sarif(report, fixes)
    else:
        raise ValueError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --- JSON ---------------------------------------------------------------------------------------


def to_json(report: AuditReport, fixes: Mapping[str, Remediation] | None = None) -> dict[str, Any]:
    """The ``--format json`` document (schema in ``docs/audit.md``).  With ``fixes``, every
    control has a ``remediation``: its fix (:meth:`Remediation.to_dict`) or ``None``."""
    doc = report.to_dict()
    if fixes is not None:
        for control in doc["controls"]:
            fix = fixes.get(control["id"])
            control["remediation"] = None if fix is None else fix.to_dict()
    return doc


# --- SARIF --------------------------------------------------------------------------------------


def to_sarif(report: AuditReport, fixes: Mapping[str, Remediation] | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one rule per control, one result per failing or unknown control
    (level ``error`` / ``warning``; a pass whose filters have warnings or that rests on an
    assumption is a ``note``), reason and evidence included.  A control with a fix in
    ``fixes`` has it in its result's message and ``properties.remediation``."""
    rules = []
    results = []
    for index, c in enumerate(report.controls):
        rules.append(_sarif_rule(c))
        result = _sarif_result(c, index, report)
        if result is None:
            continue
        fix = (fixes or {}).get(c.id)
        if fix is not None:
            result["message"]["text"] += f"; fix: {fix.pattern}"
            result["properties"]["remediation"] = fix.to_dict()
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "cwpattern",
                "version": __version__,
                "informationUri": PROJECT_URL,
                "rules": rules,
            }
        },
        "results": results,
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": f"{p['location']}: {p['message']}"}}
                    for p in report.problems
                ],
            }
        ],
        "properties": {"source": report.source, "summary": report.summary()},
    }
    if report.path:
        run["artifacts"] = [{"location": {"uri": _uri(report.path)}}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _sarif_rule(c: ControlResult) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": _rule_name(c.title),
        "shortDescription": {"text": c.title},
        "fullDescription": {
            "text": f"{c.title}: a metric filter covering {c.reference} on the log group of a "
            "multi-region trail, an alarm that fires on one event, and a confirmed SNS "
            "subscription."
        },
        "helpUri": _HELP_URI,
        "defaultConfiguration": {"level": "error"},
        "properties": {"reference": c.reference, "tags": ["cis", "monitoring"]},
    }


def _sarif_result(c: ControlResult, index: int, report: AuditReport) -> dict[str, Any] | None:
    """The result of control ``c``; ``None`` for a pass with nothing to note."""
    notes = "".join(f"; warning [{w.code}] filter {w.filter}: {w.message}" for w in c.warnings)
    assumed = list(c.assumptions) if c.status == "pass" else []
    if assumed:  # a pass that rests on an assumption says so
        notes += "; assuming " + "; ".join(assumed)
    if c.status == "pass" and not c.warnings and not assumed:
        return None
    kind, level = {
        "fail": ("fail", "error"),
        "unknown": ("review", "warning"),
        "pass": ("pass", "note"),  # passes, but a filter it rests on has warnings
    }[c.status]
    result: dict[str, Any] = {
        "ruleId": c.id,
        "ruleIndex": index,
        "kind": kind,
        "level": level,
        "message": {"text": f"{c.id} {c.status}: {c.reason}{notes}"},
        "properties": {
            "status": c.status,
            "failing_link": c.failing_link,
            "links": [link.to_dict() for link in c.links],
            "evidence": c.evidence,
            "warnings": [w.to_dict() for w in c.warnings],
            "assumptions": list(c.assumptions),
        },
    }
    locations = _sarif_locations(report.path, c, report.lines)
    if locations:
        result["locations"] = locations
    return result


def _rule_name(title: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Control"


def _uri(path: str) -> str:
    return path.replace(os.sep, "/")


def _sarif_locations(
    path: str | None, c: ControlResult, lines: Mapping[str, int]
) -> list[dict[str, Any]]:
    """One SARIF location per resource the verdict points at (the failing link's, or
    for a pass with warnings the metric filter's): the file, the resource's line when
    known (IaC), and the resource as a logical location."""
    names: list[str] = []
    for link in c.links:
        if link.name == c.failing_link:
            names = [n for n in link.evidence.get("locations", ()) if isinstance(n, str)]
        elif c.failing_link is None and c.warnings and link.name == "metric-filter":
            names = [n for n in link.evidence.get("locations", ()) if isinstance(n, str)]
    out: list[dict[str, Any]] = []
    for name in names:
        loc: dict[str, Any] = {}
        if path:
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(path), "index": 0}}
            if name in lines:
                physical["region"] = {"startLine": lines[name]}
            loc["physicalLocation"] = physical
        logical = {"fullyQualifiedName": name, "kind": "resource"}
        if name.startswith("Resources/"):  # a CloudFormation logical id
            logical = {"name": name[len("Resources/") :], **logical}
        loc["logicalLocations"] = [logical]
        out.append(loc)
    if not out and path:
        out.append({"physicalLocation": {"artifactLocation": {"uri": _uri(path), "index": 0}}})
    return out


def resource_lines(text: str, addresses: Iterable[str]) -> dict[str, int]:
    """The 1-based line where each IaC resource is defined in ``text``: the key of a
    CloudFormation logical id (``Resources/KmsFilter``, JSON or YAML), or a Terraform
    plan's ``"address"`` entry.  Addresses not found are left out.

    >>> resource_lines('{"Resources": {\\n  "KmsFilter": {}}}', ["Resources/KmsFilter"])
    {'Resources/KmsFilter': 2}
    """
    out: dict[str, int] = {}
    section = re.search(r"^[ \t{]*[\"']?Resources[\"']?[ \t]*:", text, re.MULTILINE)
    after = section.end() if section else 0
    for address in addresses:
        if address.startswith("Resources/"):
            logical = re.escape(address[len("Resources/") :])
            # a key on a line of its own (YAML, pretty JSON), else the first JSON key
            found = re.compile(rf"^[ \t{{,]*[\"']?{logical}[\"']?[ \t]*:", re.MULTILINE).search(
                text, after
            ) or re.compile(rf"\"{logical}\"\s*:").search(text, after)
        else:
            found = re.search(rf"\"address\"\s*:\s*{re.escape(json.dumps(address))}", text)
        if found:
            out[address] = text.count("\n", 0, found.start()) + 1
    return out


# --- text ---------------------------------------------------------------------------------------


def to_text(
    report: AuditReport,
    *,
    verbose: bool = False,
    fixes: Mapping[str, Remediation] | None = None,
) -> str:
    """The text report (:func:`write_text`) as a string."""
    out = io.StringIO()
    write_text(report, out, verbose=verbose, fixes=fixes)
    return out.getvalue()


def write_text(
    report: AuditReport,
    out: TextIO,
    *,
    verbose: bool = False,
    fixes: Mapping[str, Remediation] | None = None,
) -> None:
    """The text report: one line per control, the links of those that do not pass (of
    every control with ``verbose``) and their fixes, then the assumptions, the problems
    in the input and its warnings."""
    counts = report.summary()
    what = report.path or ("stdin" if report.source == "snapshot" else report.source)
    out.write(
        f"cwpattern audit of {what} ({report.source}): {len(report.controls)} controls, "
        f"{counts['pass']} pass, {counts['fail']} fail, {counts['unknown']} unknown\n"
    )
    width = max([len(c.id) for c in report.controls] + [10])
    block = True
    for c in report.controls:
        detailed = c.status != "pass" or verbose
        if detailed or block:
            out.write("\n")
        out.write(f"{_MARK[c.status]:<8} {c.id:<{width}}  {c.title}\n")
        if detailed:
            _write_links(c, out)
            fix = (fixes or {}).get(c.id)
            if fix is not None:
                _write_fix(fix, out)
        for w in c.warnings:
            out.write(f"  warning [{w.code}] filter {w.filter}: {w.message}\n")
        block = detailed or bool(c.warnings)
    sections = [
        ("assumed", report.assumptions),
        ("problems in the input", [f"{p['location']}: {p['message']}" for p in report.problems]),
        ("warnings", report.warnings),
    ]
    for title, lines in sections:
        if lines:
            out.write(f"\n{title}:\n")
            out.writelines(f"  {line}\n" for line in lines)


def _write_links(c: ControlResult, out: TextIO) -> None:
    for link in c.links:
        mark = _LINK_MARK[link.status]
        arrow = "  <-" if link.name == c.failing_link else ""
        out.write(f"  {link.name:<13} {mark:<8} {link.reason}{arrow}\n")


def _write_fix(fix: Remediation, out: TextIO) -> None:
    what = (
        f"{_HOW[fix.strategy]} {fix.target.filter_name}" if fix.strategy in _HOW else "new filter"
    )
    out.write(f"  fix ({what}):\n")
    if fix.drops:
        out.write(f"    drops: {'; '.join(fix.drops)}\n")
    out.write("    " + fix.cli.replace("\n", "\n    ") + "\n")
