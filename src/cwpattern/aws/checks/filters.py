"""Link 2 of the chain, the metric filters: the filters on the trail's log groups that
publish to one metric must together cover every event the control requires
(:func:`cwpattern.analyzer.covers`); invalid filters, filters whose events or values
cannot be judged, foreign and unreadable filters make the link ``fail`` or ``unknown``.

>>> from cwpattern.aws.snapshot import load_snapshot
>>> checks = FilterChecks(load_snapshot("tests/data/audit/fail_malformed_pattern.json"))
>>> [(f.name, f.usable, f.error["kind"]) for f in checks.filters if f.error]
[('CIS-4.7-KmsKeyDisableOrScheduledDeletion', False, 'pattern')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, TypedDict

from ... import ast
from ... import controls as catalog
from ...analysis.results import Coverage, Verdict
from ...errors import CWPatternError, MetricFilterError, PatternSyntaxError
from ...pattern import compile
from ..model import MetricFilter, MetricKey, by_metric
from ..publish import MetricFilter as SimFilter
from ..results import FilterWarning, LinkResult, LinkStatus
from ..snapshot import Snapshot, SnapshotError
from .alarm import PublishConfig
from .trail import LogGroupCandidate
from .trail import best_trail as best_trail_of
from .trail import trail_link as trail_link_for

__all__ = [
    "ElsewhereFilter",
    "FilterChecks",
    "FilterEvidence",
    "FilterLinkEvidence",
    "FilterOption",
    "FilterRecord",
    "FilterStage",
    "JudgedFilter",
    "MetricEvidence",
    "describe",
    "read_filter",
]

_OK: Final = frozenset({"pass", "assumed"})


class _FilterRecordFields(TypedDict):
    name: str
    logGroup: str
    location: str
    pattern: str
    valid: bool


class FilterRecord(_FilterRecordFields, total=False):
    """One filter in the evidence (:meth:`JudgedFilter.to_dict`)."""

    verdict: str
    error: dict[str, object]  # the pattern or transformation error, with its "kind"
    undecidable: str
    warnings: list[str]


class FilterLinkEvidence(TypedDict, total=False):
    """The evidence of the metric-filter link on one metric (:meth:`FilterChecks.judge`)."""

    filters: list[FilterRecord]
    verdict: str  # yes, no or unknown
    summary: str
    patternWarnings: list[dict[str, str]]  # FilterWarning.to_dict()
    analyzer: str
    missed: list[str]
    coveredCases: int
    counterexample: str
    assumptions: list[str]


class MetricEvidence(FilterLinkEvidence, total=False):
    """One metric of :class:`FilterEvidence`: its filters judged together, and each
    filter's own verdict when there are several."""

    namespace: str
    metricName: str
    filterVerdicts: dict[str, str]


class ElsewhereFilter(TypedDict):
    """A filter on another log group that would cover the control alone."""

    name: str
    logGroup: str
    location: str


class FilterEvidence(TypedDict, total=False):
    """The metric-filter evidence of one control (``evidence["metric-filter"]`` of an
    audit's control, in its JSON output)."""

    logGroups: list[str]
    metrics: list[MetricEvidence]
    locations: list[str]
    problems: list[str]
    elsewhere: list[ElsewhereFilter]
    togetherOnDifferentMetrics: list[str]


@dataclass(frozen=True)
class FilterOption:
    """One way through link 2: the trail link of the filters' log groups, the filter link,
    the metric (``("", "")`` for none) and the usable filters on it."""

    trail: LinkResult
    link: LinkResult
    metric: tuple[str, str] = ("", "")
    usable: tuple[JudgedFilter, ...] = ()


@dataclass(frozen=True)
class FilterStage:
    """Every option through link 2 for one control, and the metric-filter evidence."""

    options: tuple[FilterOption, ...]
    evidence: FilterEvidence


@dataclass(frozen=True)
class JudgedFilter:
    """One metric filter of the snapshot, parsed and validated once: its pattern's tree,
    or the ``error`` that makes it invalid, or why its events or values cannot be judged
    (``undecidable``), and how it publishes (``config``)."""

    name: str
    log_group: str
    pattern: str
    location: str
    key: MetricKey  # the metric its transformation publishes to
    tree: ast.Pattern | None = None
    error: Mapping[str, object] | None = None  # pattern or transformation error
    undecidable: str | None = None  # why its events or values cannot be judged
    config: PublishConfig | None = None
    warnings: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.tree is not None and self.error is None and self.undecidable is None

    def to_dict(self, verdict: str | None = None) -> FilterRecord:
        out: FilterRecord = {
            "name": self.name,
            "logGroup": self.log_group,
            "location": self.location,
            "pattern": self.pattern,
            "valid": self.error is None,
        }
        if verdict is not None:
            out["verdict"] = verdict
        if self.error:
            out["error"] = dict(self.error)
        if self.undecidable:
            out["undecidable"] = self.undecidable
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def read_filter(record: MetricFilter) -> JudgedFilter:
    """Parse and validate ``record`` once (:meth:`cwpattern.aws.publish.MetricFilter.from_record`)."""
    f = JudgedFilter(record.name, record.log_group, record.pattern, record.location, record.metric)
    try:
        f = replace(f, tree=compile(record.pattern).ast)
    except PatternSyntaxError as err:
        f = replace(f, error={**err.to_dict(), "kind": "pattern"})
        return f
    unknown = record.unknown
    if unknown:
        f = replace(f, undecidable=f"{unknown[0]} is {unknown[1]!r}")
        return f
    try:
        sim = SimFilter.from_record(record)
    except MetricFilterError as err:
        f = replace(f, error={**err.to_dict(), "kind": "transformation"})
        return f
    except CWPatternError as err:
        f = replace(f, error={"code": None, "message": str(err), "kind": "filter"})
        return f
    tr = sim.transformation
    f = replace(f, warnings=tuple(sim.warnings()))
    if sim.apply_on_transformed_logs:
        f = replace(f, undecidable="it applies to transformed logs, whose content is not known")
    elif sim.field_selection_criteria:
        f = replace(
            f,
            undecidable=(
                f"its fieldSelectionCriteria {sim.field_selection_criteria!r} selects events on "
                "system fields, which is not evaluated"
            ),
        )
    elif tr.value.kind != "number":
        f = replace(
            f,
            undecidable=(
                f"its metricValue {tr.metric_value} is taken from each event: events without a "
                "numeric value there publish nothing"
            ),
        )
    elif tr.dimensions:
        f = replace(
            f,
            undecidable=(
                "its dimensions are taken from each event: events without them publish nothing"
            ),
        )
    assert tr.value.number is not None or f.undecidable
    f = replace(
        f,
        config=PublishConfig(
            tr.value.number if tr.value.number is not None else 1.0,
            tr.default_value,
            sim.dimension_names,
            tr.unit,
        ),
    )
    return f


def describe(names: Sequence[str]) -> str:
    quoted = [str(n) for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


class FilterChecks:
    """The metric filters of one snapshot, read once, judged against controls (the
    analyzer's verdicts and warnings cached per control and patterns)."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        source: str = "snapshot",
        any_json_spelling: bool = False,
    ) -> None:
        self.snap = snapshot
        self.source = source
        self.any_json_spelling = any_json_spelling
        section = snapshot.metric_filters
        self.filters = [read_filter(r) for r in section]
        self.unreadable_filters: list[tuple[SnapshotError, str | None]] = [
            (err, section.entry_text(err.location, "logGroupName")) for err in section.unreadable
        ]
        self._covers: dict[tuple[str, tuple[str, ...]], Coverage] = {}
        self._lint: dict[tuple[str, str], tuple[FilterWarning, ...]] = {}

    def covers(self, control: catalog.Control, filters: Sequence[JudgedFilter]) -> Coverage:
        """Whether ``filters`` together cover ``control`` (cached; an analyzer failure is
        an ``unknown`` Coverage)."""
        from ...analyzer import covers

        key = (control.id, tuple(sorted({f.pattern for f in filters})))
        if key not in self._covers:
            result: Coverage
            trees = [f.tree for f in filters if f.tree is not None]
            try:
                if len(trees) != len(filters):
                    raise TypeError("a filter without a parsed pattern")
                result = covers(
                    trees,
                    control.effective_pattern,
                    any_json_spelling=self.any_json_spelling,
                )
            except Exception as err:  # noqa: BLE001 - an analyzer failure is "cannot decide"
                result = Coverage(
                    Verdict.UNKNOWN, f"the analyzer failed: {type(err).__name__}: {err}"
                )
            self._covers[key] = result
        return self._covers[key]

    def lint(self, control: catalog.Control, f: JudgedFilter) -> tuple[FilterWarning, ...]:
        """The analyzer's warnings about filter ``f`` against the control's reference."""
        from ...analyzer import warnings

        key = (control.id, f.pattern)
        if key not in self._lint:
            try:
                found = warnings(f.pattern, reference=control.effective_pattern)
            except Exception as err:  # noqa: BLE001 - no warning must break the audit
                found = []
                self._lint[key] = (
                    FilterWarning(f.name, "warnings-failed", f"{type(err).__name__}: {err}"),
                )
            else:
                self._lint[key] = tuple(FilterWarning(f.name, w.code, w.message) for w in found)
        return tuple(FilterWarning(f.name, w.code, w.message) for w in self._lint[key])

    def filter_paths(
        self, control: catalog.Control, groups: Sequence[LogGroupCandidate]
    ) -> FilterStage:
        """Every way through link 2 on the candidate log ``groups``: per metric, the
        filters on it judged together (with the trail link of their log groups), and
        ``unknown`` or ``fail`` options for what is foreign, unreadable or missing."""
        by_group = {g.name: g for g in groups}
        local = [
            f for f in self.filters if f.log_group in by_group and not by_group[f.log_group].foreign
        ]
        keys = by_metric(local, key=lambda f: f.key)
        out: list[FilterOption] = []
        metrics_evidence: list[MetricEvidence] = []
        for key, members in keys.items():
            ns, name = key
            levels: list[tuple[LinkStatus, list[JudgedFilter]]] = []
            for wanted in (_OK, {"unknown"}, {"fail"}):
                chosen = [f for f in members if by_group[f.log_group].status in wanted]
                if chosen:
                    base = levels[-1][1] if levels else []
                    status = next(by_group[f.log_group].status for f in chosen)
                    levels.append((status, base + chosen))
            metric_ev: MetricEvidence = {"namespace": ns, "metricName": name}
            for status, used in levels:
                usable = [f for f in used if f.usable]
                trail_link = trail_link_for(status, [f.log_group for f in used], by_group)
                status_, why, link_ev = self._judge(control, key, used, usable)
                link = LinkResult("metric-filter", status_, why, link_ev)
                out.append(FilterOption(trail_link, link, key, tuple(usable)))
                metric_ev = {**metric_ev, **link_ev}  # keys keep their first place
            if len(members) > 1:
                for f in members:
                    if f.usable:
                        single = self.covers(control, [f])
                        f_verdict = str(single.verdict)
                    else:
                        f_verdict = "invalid" if f.error else "unknown"
                    metric_ev.setdefault("filterVerdicts", {})[f.name] = f_verdict
            metrics_evidence.append(metric_ev)
        evidence: FilterEvidence = {
            "logGroups": [g.name for g in groups],
            "metrics": metrics_evidence,
            "locations": [f.location for f in local],
        }
        best_trail = best_trail_of(groups)
        for g in groups:
            if g.foreign:
                out.append(
                    FilterOption(
                        LinkResult("trail", g.status, g.reason),
                        LinkResult(
                            "metric-filter",
                            "unknown",
                            f"the metric filters of log group {g.name} are not in the "
                            f"snapshot: {g.foreign}",
                        ),
                    )
                )
        problems = self.filter_problems(by_group)
        if problems:
            evidence["problems"] = problems
            out.append(
                FilterOption(
                    best_trail,
                    LinkResult(
                        "metric-filter",
                        "unknown",
                        "cannot decide: " + "; ".join(problems) + " (a filter there may cover the "
                        "control)",
                    ),
                )
            )
        if not keys and not any(g.foreign for g in groups):
            elsewhere = self.elsewhere(control, by_group)
            where = describe(sorted(by_group))
            if elsewhere:
                evidence["elsewhere"] = elsewhere
            out.append(
                FilterOption(
                    best_trail,
                    LinkResult("metric-filter", "fail", f"no metric filter on log group {where}"),
                )
            )
        elif not any(o.link.status == "pass" for o in out):
            elsewhere = self.elsewhere(control, by_group)
            if elsewhere:
                evidence["elsewhere"] = elsewhere
        return FilterStage(tuple(out), evidence)

    def judge(
        self,
        control: catalog.Control,
        key: tuple[str, str],
        used: Sequence[JudgedFilter],
        usable: Sequence[JudgedFilter],
    ) -> LinkResult:
        """The metric-filter link for the filters ``used`` on one metric."""
        return LinkResult("metric-filter", *self._judge(control, key, used, usable))

    def _judge(
        self,
        control: catalog.Control,
        key: tuple[str, str],
        used: Sequence[JudgedFilter],
        usable: Sequence[JudgedFilter],
    ) -> tuple[LinkStatus, str, FilterLinkEvidence]:
        ns, name = key
        metric = f"{ns}/{name}"
        evidence: FilterLinkEvidence = {"filters": [f.to_dict() for f in used]}
        invalid = [f for f in used if f.error]
        undecidable = [f for f in used if f.undecidable and not f.error]
        notes = [
            f"filter {f.name} is invalid ({_error_text(f.error)}) and cannot cover"
            for f in invalid
            if f.error
        ] + [f"filter {f.name} cannot be judged: {f.undecidable}" for f in undecidable]
        if not usable:
            status: LinkStatus = "unknown" if undecidable else "fail"
            evidence["verdict"] = "unknown" if undecidable else "no"
            evidence["summary"] = "; ".join(notes)
            return status, f"on metric {metric}: " + "; ".join(notes), evidence
        result = self.covers(control, usable)
        verdict = str(result.verdict)
        found = [w for f in usable for w in self.lint(control, f)]
        if found:
            evidence["patternWarnings"] = [w.to_dict() for w in found]
        cases = result.cases
        evidence.update(
            {
                "verdict": verdict,
                "analyzer": result.reason,
                "missed": [c.case for c in cases if c.covered is not True],
                "coveredCases": sum(c.covered is True for c in cases),
            }
        )
        if result.counterexample:
            evidence["counterexample"] = result.counterexample
        assumed = list(result.assumptions)
        if assumed:
            evidence["assumptions"] = assumed
        names = describe([f.name for f in usable])
        plural = len(usable) > 1
        if verdict == "yes":
            why = (
                f"filters {names} on metric {metric} together cover the control"
                if plural
                else f"filter {names} on metric {metric} covers the control"
            )
            if notes:
                why += " (" + "; ".join(notes) + ")"
            if assumed:
                why += "; assuming " + "; ".join(assumed)
            return "pass", why, evidence
        if verdict == "unknown" or undecidable:
            why = (
                f"cannot decide whether {'filters' if plural else 'filter'} {names} on metric "
                f"{metric} cover{'' if plural else 's'} the control: {result.reason}"
            )
            if notes:
                why += "; " + "; ".join(notes)
            return "unknown", why, evidence
        missed = evidence["missed"]
        gap = f"misses the required case {missed[0]}" if missed else result.reason
        if len(missed) > 1:
            gap += f" (and {len(missed) - 1} more case(s))"
        evidence["summary"] = f"{names} (metric {metric}) {gap}"
        why = (
            f"{'filters' if plural else 'filter'} {names} on metric {metric} "
            f"{'do' if plural else 'does'} not cover the control: {gap}"
        )
        if result.counterexample and evidence["coveredCases"]:
            # a near miss: the example shows what is missing (for a filter about other
            # events it would say nothing; it stays in the evidence)
            why += f"; for example {result.counterexample}"
        if notes:
            why += "; " + "; ".join(notes)
        return "fail", why, evidence

    def filter_problems(self, by_group: Mapping[str, LogGroupCandidate]) -> list[str]:
        """Why some filter on the log groups ``by_group`` may be missing from the input."""
        section = self.snap.metric_filters
        problems = [str(e) for e in section.errors]
        for err, group in self.unreadable_filters:
            if group is None or group in by_group:
                problems.append(f"unreadable metric filter {err}")
        return problems

    def elsewhere(
        self, control: catalog.Control, by_group: Mapping[str, LogGroupCandidate]
    ) -> list[ElsewhereFilter]:
        """Filters outside the candidate log groups that would cover the control alone."""
        out: list[ElsewhereFilter] = []
        for f in self.filters:
            if f.log_group in by_group or not f.usable:
                continue
            if self.covers(control, [f]).verdict == "yes":
                out.append({"name": f.name, "logGroup": f.log_group, "location": f.location})
        return out

    def merge_misses(
        self,
        control: catalog.Control,
        options: Sequence[FilterOption],
        groups: Sequence[LogGroupCandidate],
        evidence: FilterEvidence,
    ) -> FilterOption:
        """One metric-filter failure out of the failures of every metric on the log groups:
        invalid filters and near misses first, metrics about other events only counted,
        then filters that would cover together on different metrics, or elsewhere."""
        trail = best_trail_of(groups)
        if len(options) == 1 and not evidence.get("elsewhere"):
            return options[0]
        metric_options = [o for o in options if o.metric[1]]
        why = (
            _merged_reason(metric_options, groups)
            if metric_options
            else "; ".join(o.link.reason for o in options)
        )
        names = {g.name for g in groups if not g.foreign}
        usable = [f for f in self.filters if f.log_group in names and f.usable]
        metrics = {f.key for f in usable}
        if len(metrics) > 1 and self.covers(control, usable).verdict == "yes":
            near = [
                f
                for f in usable
                if self.covers(control, [f]).verdict != "no"
                or _covers_some(self.covers(control, [f]))
            ]
            shown = near or usable
            why += (
                f"; filters {describe([f.name for f in shown])} would cover it together, but "
                f"they publish to different metrics ({describe(sorted({'/'.join(f.key) for f in shown}))}) "
                "and an alarm watches one metric"
            )
            evidence["togetherOnDifferentMetrics"] = [f.name for f in shown]
        if evidence.get("elsewhere"):
            why += "; filters on other log groups cover it: " + ", ".join(
                f"{e['name']} (log group {e['logGroup']})" for e in evidence["elsewhere"]
            )
        return FilterOption(trail, LinkResult("metric-filter", "fail", why))


def _error_text(error: Mapping[str, object]) -> str:
    """``syntax-error [CODE]: message at column N`` (as every command words a pattern
    error), or ``error [CODE] in FIELD: message`` for a transformation error."""
    code = f" [{error['code']}]" if error.get("code") else ""
    if error.get("kind") == "pattern":
        return f"syntax-error{code}: {error.get('message')} at column {error.get('column')}"
    field_ = f" in {error['field']}" if error.get("field") else ""
    return f"error{code}{field_}: {error.get('message')}"


def _covers_some(result: Coverage) -> bool:
    return any(c.covered is True for c in result.cases)


def _merged_reason(options: Sequence[FilterOption], groups: Sequence[LogGroupCandidate]) -> str:
    near: list[tuple[int, str]] = []
    unrelated: list[str] = []
    for option in options:
        link = option.link
        covered = link.evidence.get("coveredCases")
        summary = link.evidence.get("summary") or link.reason
        if covered is None:
            near.append((1 << 30, summary))
        elif covered:
            near.append((covered, summary))
        else:
            unrelated.extend(f["name"] for f in link.evidence.get("filters", ()))
    near.sort(key=lambda item: -item[0])
    parts = [summary for _, summary in near[:3]]
    if len(near) > 3:
        parts.append(f"{len(near) - 3} more near miss(es)")
    if len(unrelated) > 3:
        parts.append(f"{len(unrelated)} other filters match none of the required events")
    elif unrelated:
        one = len(unrelated) == 1
        parts.append(
            f"{'filter' if one else 'filters'} {describe(unrelated)} "
            f"{'matches' if one else 'match'} none of the required events"
        )
    where = describe(sorted({g.name for g in groups}))
    if not parts:
        return f"no metric filter on log group {where}"
    return f"no metric filter on log group {where} covers the control: {'; '.join(parts)}"
