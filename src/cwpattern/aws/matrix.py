"""Every monitoring control of a benchmark at once: ``cwpattern check --benchmark``.

:func:`check_benchmark` judges one set of metric filters (a ``describe-metric-filters``
dump, IaC, or patterns) against every control of a benchmark and returns a matrix:
per control, the verdict, the filters that cover it (alone, or together on one metric),
the relation of the closest filter, and a verified remediation for every control that is
not covered (an over-broad covering filter gets a narrowing suggestion).

>>> from cwpattern.aws.filterdefs import FilterDef
>>> report = check_benchmark([FilterDef("kms", "{ $.eventSource = kms.amazonaws.com && "
...                                     "$.eventName = DisableKey }", "trail")])
>>> row = report.row("4.7")
>>> row.verdict, row.relation, row.closest
('no', 'narrower', 'kms')
>>> row.remediation.pattern
'{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }'
>>> report.summary()
{'yes': 0, 'no': 15, 'unknown': 0}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from .. import controls as catalog
from ..remediation import FilterTarget, Remediation, remediate
from ..reporting import Case, Finding, Rule
from .checker import CheckReport, FilterResult, check
from .filterdefs import FilterDef

if TYPE_CHECKING:
    from .audit import AuditReport
    from .audit import ControlResult as AuditControl

__all__ = ["BenchmarkReport", "ControlRow", "audit_remediations", "check_benchmark"]

Verdict = Literal["yes", "no", "unknown"]
#: Relations from closest to farthest: the closest filter is the one a fix edits.
_CLOSENESS = ("equivalent", "broader", "narrower", "overlap", "unknown", "disjoint", "never")
#: Relations that make a filter *for* a control (its events are all, or include all, of
#: the control's).
_HOME = frozenset({"equivalent", "broader", "narrower"})


@dataclass(frozen=True)
class ControlRow:
    """One control of the matrix.

    Attributes:
        control: the catalog control.
        verdict: ``yes`` (a filter, or the filters of one metric, cover it), ``no`` or
            ``unknown`` (undecided: fails closed).
        covering: the filters that cover it (``metric NS/Name: a, b`` for a metric's
            filters together).
        relation: the relation of the closest filter to the control's reference.
        closest: the name of that filter (the one the remediation edits), if any.
        remediation: the fix (verdict not ``yes``), a narrowing suggestion (an over-broad
            covering filter), or ``None``.
        reason: one line saying why.
        check: the per-filter details (:class:`cwpattern.aws.checker.CheckReport`).
    """

    control: catalog.Control
    verdict: Verdict
    covering: tuple[str, ...]
    relation: str | None
    closest: str | None
    remediation: Remediation | None
    reason: str
    check: CheckReport | None

    def to_dict(self) -> dict[str, object]:
        return {
            "control": self.control.id,
            "title": self.control.title,
            "reference": self.control.effective_pattern,
            "verdict": self.verdict,
            "covered": self.verdict == "yes",
            "covering": list(self.covering),
            "relation": self.relation,
            "closest": self.closest,
            "reason": self.reason,
            "remediation": None if self.remediation is None else self.remediation.to_dict(),
            "filters": [] if self.check is None else [r.to_dict() for r in self.check.results],
        }


@dataclass(frozen=True)
class BenchmarkReport:
    """The matrix: one :class:`ControlRow` per control of ``benchmark``."""

    benchmark: str
    rows: tuple[ControlRow, ...]
    filters: tuple[FilterDef, ...]
    path: str | None = None

    def row(self, control: str) -> ControlRow:
        """The row of a control id (``4.7`` means the control of this benchmark)."""
        key = f"{self.benchmark}-{control}" if control[:1].isdigit() else control
        wanted = catalog.get(key).id
        for r in self.rows:
            if r.control.id == wanted:
                return r
        raise KeyError(control)

    def only(self, control: str) -> BenchmarkReport:
        """The report restricted to one control's row."""
        return replace(self, rows=(self.row(control),))

    def summary(self) -> dict[str, int]:
        counts = Counter(r.verdict for r in self.rows)
        return {v: counts.get(v, 0) for v in ("yes", "no", "unknown")}

    def failed(self, fail_on: str = "unknown") -> bool:
        """Whether the run fails (``--fail-on``): ``unknown`` (the default, closed) fails
        on controls not covered and on undecided ones, ``fail`` only on those not covered."""
        failing = {"no", "unknown"} if fail_on == "unknown" else {"no"}
        return any(r.verdict in failing for r in self.rows)

    def to_dict(self) -> dict[str, object]:
        return {
            "benchmark": self.benchmark,
            "input": self.path,
            "filters": len(self.filters),
            "summary": self.summary(),
            "controls": [r.to_dict() for r in self.rows],
        }

    # --- CI outputs ---------------------------------------------------------------------------

    def _finding(self, r: ControlRow) -> Finding:
        fix = r.remediation
        message = f"{r.control.id} ({r.control.title}): {r.reason}"
        if fix is not None:
            label = "fix" if fix.kind == "fix" else "suggested narrowing"
            message += f"; {label}: {fix.pattern}"
        located = next((f for f in self.filters if f.name == r.closest), None)
        props: dict[str, object] = {"verdict": r.verdict, "covering": list(r.covering)}
        if fix is not None:
            props["remediation"] = fix.to_dict()
        return Finding(
            r.control.id,
            "error" if r.verdict == "no" else "warning",
            message,
            path=self.path,
            line=located.line if located is not None else None,
            title=f"{r.control.id} not covered" if r.verdict != "yes" else r.control.id,
            logical=(r.closest,) if r.closest else (),
            properties=props,
        )

    def rules(self) -> list[Rule]:
        return [
            Rule(
                r.control.id,
                r.control.title,
                f"{r.control.title}: a metric filter whose pattern covers "
                f"{r.control.effective_pattern}",
                properties={"reference": r.control.effective_pattern},
            )
            for r in self.rows
        ]

    def findings(self) -> list[Finding]:
        """One finding per control not covered (error) or undecided (warning), and a
        note per narrowing suggestion."""
        out = []
        for r in self.rows:
            if r.verdict != "yes":
                out.append(self._finding(r))
            elif r.remediation is not None:
                f = self._finding(r)
                out.append(
                    Finding(
                        f.rule_id,
                        "note",
                        f.message,
                        f.path,
                        f.line,
                        title=f"{r.control.id} over-broad",
                        logical=f.logical,
                        properties=f.properties,
                    )
                )
        return out

    def cases(self) -> list[Case]:
        """One JUnit test case per control."""
        out = []
        for r in self.rows:
            status: Literal["pass", "fail", "error"] = (
                "pass" if r.verdict == "yes" else "fail" if r.verdict == "no" else "error"
            )
            details = r.reason
            if r.remediation is not None and r.verdict != "yes":
                details += "\n\nfix:\n" + r.remediation.cli
            out.append(Case(r.control.id, status, r.reason, details, classname=self.benchmark))
        return out


def _target(f: FilterDef | None, log_group: str | None) -> FilterTarget:
    if f is not None:
        return f.target()
    return FilterTarget(log_group=log_group)


def _homes(
    reports: dict[str, CheckReport], filters: Sequence[FilterDef], benchmark: str
) -> dict[str, set[str]]:
    """The controls each filter is *for*: those it is named for, else those whose events it
    matches only or all of (equivalent, broader, narrower).  A fix edits a filter only for
    one of its controls, never to bolt another control's events onto it."""
    from .iaclint import named_controls

    named = {
        f.name: {c.id for c in named_controls(f.name, f.metric_name, benchmark=benchmark)}
        for f in filters
    }
    homes: dict[str, set[str]] = {name: set(ids) for name, ids in named.items()}
    for control_id, report in reports.items():
        for r in report.results:
            if r.valid and r.relation in _HOME and not named.get(r.name):
                homes.setdefault(r.name, set()).add(control_id)
    return homes


def _editable(
    result: FilterResult, control_id: str, homes: dict[str, set[str]], cases: int
) -> bool:
    home = homes.get(result.name, set())
    if home:
        return control_id in home
    # a filter for no control: edit it when it already covers some required case
    return result.valid and result.relation == "overlap" and len(result.missed) < cases


def _row(
    control: catalog.Control,
    filters: Sequence[FilterDef],
    report: CheckReport | None,
    homes: dict[str, set[str]],
    log_group: str | None,
) -> ControlRow:
    if report is None:
        why = "no metric filters" if not filters else "no filter pattern is known"
        fix = remediate(None, control.id, target=_target(None, log_group))
        return ControlRow(control, "no", (), None, None, fix, why + ": add one", None)
    by_name = {f.name: f for f in filters}
    covering = [r.name for r in report.results if r.verdict == "yes"]
    covering += [
        f"metric {g.metric}: {', '.join(g.filters)}" for g in report.groups if g.verdict == "yes"
    ]
    cases = len(analyzer_cases(control.effective_pattern))
    valid = [r for r in report.results if r.valid]
    ranked = sorted(
        valid,
        key=lambda r: (
            r.verdict != "yes",
            not _editable(r, control.id, homes, cases),
            _CLOSENESS.index(r.relation) if r.relation in _CLOSENESS else len(_CLOSENESS),
            len(r.missed),
        ),
    )
    closest = ranked[0] if ranked else None
    relation = closest.relation if closest is not None else None
    if covering:
        fix = None
        single = [r for r in report.results if r.verdict == "yes"]
        if single:
            f = by_name.get(single[0].name)
            fix = remediate(single[0].pattern, control.id, target=_target(f, log_group))
        return ControlRow(
            control,
            "yes",
            tuple(covering),
            "equivalent" if relation is None else relation,
            single[0].name if single else None,
            fix,
            "covered by " + "; ".join(covering),
            report,
        )
    undecided = any(r.verdict == "unknown" for r in report.results) or any(
        g.verdict == "unknown" for g in report.groups
    )
    verdict: Verdict = "unknown" if undecided else "no"
    if closest is not None and _editable(closest, control.id, homes, cases):
        f = by_name.get(closest.name)
        fix = remediate(closest.pattern, control.id, target=_target(f, log_group))
        missed = "; ".join(closest.missed[:2]) + (" ..." if len(closest.missed) > 2 else "")
        reason = f"filter {closest.name} ({closest.relation}) misses {missed}"
        name: str | None = closest.name
    else:
        fix = remediate(None, control.id, target=_target(None, log_group))
        invalid = [r.name for r in report.results if not r.valid]
        reason = "no filter is for this control: add one"
        if invalid:
            reason += f" ({len(invalid)} invalid pattern(s): {', '.join(invalid[:3])})"
        name = None
        relation = None
    if undecided:
        reason = (
            "cannot decide: "
            + "; ".join(r.name for r in report.results if r.verdict == "unknown")
            + " undecided; "
            + reason
        )
    return ControlRow(control, verdict, (), relation, name, fix, reason, report)


def analyzer_cases(reference: str) -> tuple[str, ...]:
    """The required cases of a reference pattern (its disjunctive normal form)."""
    from ..analyzer import covers

    return tuple(c.case for c in covers(reference, reference).cases)


def check_benchmark(
    filters: Sequence[FilterDef],
    benchmark: str = "cis-aws-3.0.0",
    *,
    path: str | None = None,
    truncated: bool = False,
) -> BenchmarkReport:
    """Judge ``filters`` against every control of ``benchmark`` (see the module doc).

    A new filter's log group is the one all of the given filters share, when they share
    one (CIS filters live on the trail's log group); otherwise a variable.  With
    ``truncated`` (the listing ended with a ``nextToken``), a control no given filter
    covers is ``unknown``, not ``no``: a filter not in the input may cover it.
    """
    chosen = catalog.by_benchmark(benchmark)
    groups = {f.log_group for f in filters if f.log_group}
    log_group = next(iter(groups)) if len(groups) == 1 else None
    known = [f for f in filters if f.pattern is not None]
    reports = {c.id: check([f.to_describe() for f in known], control=c.id) for c in chosen if known}
    homes = _homes(reports, known, benchmark)
    rows = tuple(_row(c, known or filters, reports.get(c.id), homes, log_group) for c in chosen)
    if truncated:
        rows = tuple(
            replace(
                r,
                verdict="unknown",
                reason="the listing is truncated (nextToken): more filters exist; " + r.reason,
            )
            if r.verdict == "no"
            else r
            for r in rows
        )
    return BenchmarkReport(chosen[0].benchmark if chosen else benchmark, rows, tuple(filters), path)


def audit_remediations(report: AuditReport) -> dict[str, Remediation]:
    """The fix of every control of an audit whose failing link is its metric filter, from
    the filters the audit looked at (those on the trail's log group), by control id.

    Controls are judged within their benchmark, so a filter that is for another control is
    never edited: such a control gets a new filter on the trail's log group.
    """
    failing = [c for c in report.controls if c.failing_link == "metric-filter"]
    if not failing:
        return {}
    seen: dict[str, FilterDef] = {}
    groups: set[str] = set()
    for c in failing:
        evidence = c.evidence.get("metric-filter", {})
        groups.update(g for g in evidence.get("logGroups", ()) if isinstance(g, str))
        for metric in evidence.get("metrics", ()):
            for f in metric.get("filters", ()):
                key = str(f.get("location") or f.get("name"))
                if key in seen or not isinstance(f.get("pattern"), str):
                    continue
                seen[key] = FilterDef(
                    str(f.get("name")),
                    f["pattern"],
                    f.get("logGroup") if isinstance(f.get("logGroup"), str) else None,
                    metric.get("metricName") if isinstance(metric.get("metricName"), str) else None,
                    metric.get("namespace") if isinstance(metric.get("namespace"), str) else None,
                    address=key,
                )
    out: dict[str, Remediation] = {}
    by_benchmark: dict[str, list[AuditControl]] = {}
    for c in failing:
        by_benchmark.setdefault(catalog.get(c.id).benchmark, []).append(c)
    log_group = next(iter(groups)) if len(groups) == 1 else None
    for benchmark, members in by_benchmark.items():
        filters = list(seen.values())
        if log_group is not None:  # a new filter goes on the trail's log group
            filters = [f if f.log_group else replace(f, log_group=log_group) for f in filters]
        matrix = check_benchmark(filters, benchmark)
        for c in members:
            row = matrix.row(c.id)
            fix = row.remediation
            if fix is not None and fix.target.log_group is None and log_group is not None:
                fix = replace(fix, target=replace(fix.target, log_group=log_group))
            if fix is not None and fix.kind == "fix":
                out[c.id] = fix
    return out
