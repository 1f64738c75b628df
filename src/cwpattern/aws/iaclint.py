"""Lint the metric filters of IaC files: the engine of ``cwpattern lint`` and of the
pre-commit hooks (``.pre-commit-hooks.yaml``).

Two checks per filter: its pattern is valid, and when its name, metric name or address
names a CIS control (``cis-4.7``, ``cis-aws-3.0.0-4.7``, ``CloudWatch.7``), the filters
of the file named for that control cover it — alone, or together on one metric.  Every
failure carries a verified remediation.

>>> [c.id for c in named_controls("prod-cis-4.7-kms", "CloudWatch.3", "cis_aws_1_4_0_4_1")]
['cis-aws-3.0.0-4.7', 'securityhub-cloudwatch.3', 'cis-aws-1.4.0-4.1']
>>> named_controls("kms-alarm")
()
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .. import controls as catalog
from ..errors import CWPatternError
from ..remediation import Remediation, remediate
from ..reporting import Finding, Rule
from .checker import check
from .filterdefs import FilterDef, FilterFileError, load_metric_filters

__all__ = ["Kind", "LintFinding", "LintReport", "lint_files", "named_controls"]

Kind = Literal["auto", "terraform-plan", "terraform-json", "cloudformation", "describe"]

_SEP = r"[-_.]"
_FULL = re.compile(
    rf"(?<![a-z0-9])cis{_SEP}?(?:aws{_SEP}?)?v?(\d+){_SEP}(\d+){_SEP}(\d+){_SEP}(\d+){_SEP}(\d+)(?![0-9])"
)
_SHORT = re.compile(rf"(?<![a-z0-9])cis{_SEP}?(?:aws{_SEP}?)?(\d+){_SEP}(\d+)(?![-_.]?[0-9])")
_HUB = re.compile(rf"(?<![a-z0-9])cloudwatch{_SEP}?(\d+)(?![0-9])")


def named_controls(
    *names: str | None, benchmark: str = "cis-aws-3.0.0"
) -> tuple[catalog.Control, ...]:
    """The catalog controls these names refer to (a bare ``cis-4.7`` means the control of
    ``benchmark``); names that refer to no catalog control are ignored."""
    found: list[catalog.Control] = []

    def add(control_id: str) -> None:
        try:
            control = catalog.get(control_id)
        except catalog.UnknownControlError:
            return
        if control not in found:
            found.append(control)

    bench = catalog.by_benchmark(benchmark)[0].benchmark
    for name in names:
        if not name:
            continue
        text = name.lower()
        for m in _FULL.finditer(text):
            add(f"cis-aws-{m[1]}.{m[2]}.{m[3]}-{m[4]}.{m[5]}")
        for m in _SHORT.finditer(text):
            add(f"{bench}-{m[1]}.{m[2]}")
        for m in _HUB.finditer(text):
            add(f"securityhub-cloudwatch.{int(m[1])}")
    return tuple(found)


@dataclass(frozen=True)
class LintFinding:
    """One problem: ``code`` is ``invalid-pattern`` or ``not-covered`` (or
    ``unknown-coverage``, which fails closed)."""

    path: str
    filter: str
    code: str
    message: str
    line: int | None = None
    control: str | None = None
    remediation: Remediation | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "filter": self.filter,
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "control": self.control,
            "remediation": None if self.remediation is None else self.remediation.to_dict(),
        }

    def finding(self) -> Finding:
        return Finding(
            self.control or self.code,
            "error",
            self.message,
            path=self.path,
            line=self.line,
            title=f"cwpattern {self.code}",
            logical=(self.filter,),
            properties={}
            if self.remediation is None
            else {"remediation": self.remediation.to_dict()},
        )


@dataclass(frozen=True)
class LintReport:
    """What ``cwpattern lint`` found in its files."""

    findings: tuple[LintFinding, ...]
    checked: tuple[str, ...]
    skipped: tuple[str, ...]
    filters: int
    named: int = 0
    notes: tuple[str, ...] = field(default=())

    def rules(self) -> list[Rule]:
        ids = dict.fromkeys(f.control or f.code for f in self.findings)
        out = []
        for rule_id in ids:
            try:
                c = catalog.get(rule_id)
            except catalog.UnknownControlError:
                out.append(Rule(rule_id, "Invalid metric filter pattern"))
                continue
            out.append(Rule(c.id, c.title, f"a metric filter covering {c.effective_pattern}"))
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "checked": list(self.checked),
            "skipped": list(self.skipped),
            "filters": self.filters,
            "named_for_controls": self.named,
            "notes": list(self.notes),
        }


_SOURCES = {
    "terraform-plan": ("terraform-plan",),
    "terraform-json": ("terraform-json",),
    "cloudformation": ("cloudformation",),
    "describe": ("describe",),
}


def lint_files(
    paths: Sequence[str], *, kind: Kind = "auto", benchmark: str = "cis-aws-3.0.0"
) -> LintReport:
    """Lint every metric filter of ``paths``.

    With a ``kind`` other than ``auto``, files of another kind (or no kind cwpattern reads)
    are skipped; with ``auto`` they are an error (:class:`FilterFileError`).
    """
    findings: list[LintFinding] = []
    checked, skipped, notes = [], [], []
    total = named = 0
    for path in paths:
        try:
            filters = load_metric_filters(path)
        except FilterFileError:
            if kind == "auto":
                raise
            skipped.append(path)
            continue
        if kind != "auto" and filters and filters[0].source not in _SOURCES[kind]:
            skipped.append(path)
            continue
        checked.append(path)
        total += len(filters)
        file_findings, file_named = _lint(path, filters, benchmark)
        findings += file_findings
        named += file_named
        notes += [f"{path}: {f.name}: {n}" for f in filters for n in f.notes]
    return LintReport(tuple(findings), tuple(checked), tuple(skipped), total, named, tuple(notes))


def _lint(path: str, filters: Sequence[FilterDef], benchmark: str) -> tuple[list[LintFinding], int]:
    from ..pattern import compile

    out: list[LintFinding] = []
    valid: list[FilterDef] = []
    for f in filters:
        if f.pattern is None:
            continue
        try:
            compile(f.pattern)
        except CWPatternError as err:
            out.append(
                LintFinding(
                    path, f.name, "invalid-pattern", f"{f.name}: invalid pattern: {err}", f.line
                )
            )
            continue
        valid.append(f)
    by_control: dict[str, tuple[catalog.Control, list[FilterDef]]] = {}
    for f in filters:
        for control in named_controls(f.name, f.metric_name, f.address, benchmark=benchmark):
            by_control.setdefault(control.id, (control, []))[1].append(f)
    for control, named in by_control.values():
        usable = [f for f in named if f in valid]
        if not usable:
            continue  # invalid (reported) or not known before deployment
        report = check([f.to_describe() for f in usable], control=control.id)
        verdicts = {str(r.verdict) for r in report.results} | {
            str(g.verdict) for g in report.groups
        }
        if report.covered:
            continue
        code = "unknown-coverage" if "unknown" in verdicts else "not-covered"
        for f, result in zip(usable, report.results):
            fix = remediate(f.pattern, control.id, target=f.target())
            missed = "; ".join(result.missed[:2]) + (" ..." if len(result.missed) > 2 else "")
            what = (
                "cannot decide whether it covers"
                if code == "unknown-coverage"
                else "does not cover"
            )
            message = f"{f.name} {what} {control.id} ({control.title})"
            if missed:
                message += f": misses {missed}"
            if fix is not None:
                message += f"; fix: {fix.pattern}"
            out.append(LintFinding(path, f.name, code, message, f.line, control.id, fix))
    return out, sum(len(v[1]) for v in by_control.values())
