"""A CIS monitoring audit of a whole account, from its snapshot (or from IaC).

For each monitoring control ("Ensure a log metric filter and alarm exist for ..."),
the chain CloudWatch needs for an alert is checked link by link:

1. ``trail``: a multi-region trail, logging, recording all management events, that
   delivers to a CloudWatch Logs group (:mod:`cwpattern.aws.checks.trail`);
2. ``metric-filter``: metric filters on that log group whose patterns, *together* when
   they publish to the same metric (name and namespace), cover every event the control
   requires (:func:`cwpattern.analyzer.covers`);
3. ``alarm``: an alarm on that metric name and namespace that goes to ALARM on a single
   matching event (:mod:`cwpattern.aws.checks.alarm`);
4. ``notification``: an SNS topic in the alarm's actions with a confirmed subscription
   (:mod:`cwpattern.aws.checks.notification`).

Every way the chain can be completed is tried; the control passes when one complete
chain passes, fails when every possible chain has a failing link, and is ``unknown``
("cannot decide") otherwise: something the verdict depends on is missing, unreadable,
cut short by pagination, or beyond the analyzer.  An unknown never passes.  The report
names the first failing link of the best chain, why, and the evidence
(``docs/audit.md`` documents the JSON schema and SARIF output).  The records are in
:mod:`cwpattern.aws.results`, their renderings in :mod:`cwpattern.aws.report`.

>>> from cwpattern.aws.iac import from_cloudformation
>>> template = '''{"Resources": {"F": {"Type": "AWS::Logs::MetricFilter", "Properties": {
...   "LogGroupName": "trail", "FilterPattern": "{ $.eventName = DisableKey }",
...   "MetricTransformations": [{"MetricName": "Kms", "MetricNamespace": "CIS",
...                              "MetricValue": "1"}]}}}}'''
>>> report = audit_iac(from_cloudformation(template), controls=["4.7"],
...                    assume_log_group="trail")
>>> c = report.controls[0]
>>> c.status, c.failing_link
('fail', 'metric-filter')
>>> print(c.reason)  # doctest: +ELLIPSIS
metric-filter: filter F on metric CIS/Kms does not cover the control: misses the required \
case $.eventSource = "kms.amazonaws.com" && $.eventName = "ScheduleKeyDeletion"; for example {...}
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .. import ast
from .. import controls as catalog
from ..errors import CWPatternError, MetricFilterError, PatternSyntaxError
from ..pattern import compile
from .checks.alarm import AlarmLink, AlarmStage, PublishConfig, alarm_options
from .checks.notification import notification_link
from .checks.trail import LogGroupCandidate, trail_findings, trail_stage
from .checks.trail import best_trail as best_trail_of
from .checks.trail import trail_link as trail_link_for
from .iac import IacResources
from .model import MetricKey, by_metric
from .publish import MetricFilter as SimFilter
from .report import resource_lines
from .results import (
    LINKS,
    AuditReport,
    ControlResult,
    FilterWarning,
    LinkResult,
    LinkStatus,
    Status,
    not_checked,
)
from .snapshot import SECTIONS, Snapshot, SnapshotError, Unknown, load_snapshot, pointer

__all__ = [
    "LINKS",
    "AuditReport",
    "ControlResult",
    "FilterWarning",
    "LinkResult",
    "LinkStatus",
    "Status",
    "audit",
    "audit_iac",
    "resolve_controls",
    "resource_lines",
]

_RANK: Final = {"fail": 0, "unknown": 1, "pass": 2}
_OK: Final = frozenset({"pass", "assumed"})


# --- selecting controls --------------------------------------------------------------------


def resolve_controls(
    ids: Iterable[str] | None, benchmark: str = "cis-aws-3.0.0"
) -> tuple[catalog.Control, ...]:
    """The controls to audit: every control of ``benchmark``, or the given ids.

    An id may be a full catalog id or alias (``cis-aws-3.0.0-4.7``, ``CloudWatch.7``) or
    a bare control number of the benchmark (``4.7``).  Raises
    :class:`~cwpattern.controls.UnknownControlError`.

    >>> [c.id for c in resolve_controls(["4.7", "cis-aws-1.4.0-4.3"])]
    ['cis-aws-3.0.0-4.7', 'cis-aws-1.4.0-4.3']
    """
    if ids is None:
        return catalog.by_benchmark(benchmark)
    out: list[catalog.Control] = []
    for raw in ids:
        control = catalog.get(raw, benchmark=benchmark)
        if control not in out:
            out.append(control)
    return tuple(out)


# --- filters ---------------------------------------------------------------------------------


@dataclass
class _Filter:
    """One metric filter of the snapshot, parsed and validated once."""

    name: str
    log_group: str
    pattern: str
    location: str
    key: MetricKey  # the metric its transformation publishes to
    tree: ast.Pattern | None = None
    error: dict[str, Any] | None = None  # pattern or transformation error
    undecidable: str | None = None  # why its events or values cannot be judged
    config: PublishConfig | None = None
    warnings: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.tree is not None and self.error is None and self.undecidable is None

    def to_dict(self, verdict: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "logGroup": self.log_group,
            "location": self.location,
            "pattern": self.pattern,
            "valid": self.error is None,
        }
        if verdict is not None:
            out["verdict"] = verdict
        if self.error:
            out["error"] = self.error
        if self.undecidable:
            out["undecidable"] = self.undecidable
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def _read_filter(record: Any, raw: Any) -> _Filter:
    f = _Filter(record.name, record.log_group, record.pattern, record.location, record.metric)
    try:
        f.tree = compile(record.pattern).ast
    except PatternSyntaxError as err:
        f.error = {**err.to_dict(), "kind": "pattern"}
        return f
    unknown = _find_unknown(raw)
    if unknown:
        f.undecidable = f"{unknown[0]} is {unknown[1]!r}"
        return f
    doc = (
        raw
        if isinstance(raw, Mapping)
        else {
            "filterName": record.name,
            "filterPattern": record.pattern,
            "metricTransformations": [tt.to_aws() for tt in record.transformations],
        }
    )
    try:
        sim = SimFilter.from_aws(doc)
    except MetricFilterError as err:
        f.error = {**err.to_dict(), "kind": "transformation"}
        return f
    except CWPatternError as err:
        f.error = {"code": None, "message": str(err), "kind": "filter"}
        return f
    tr = sim.transformation
    f.warnings = tuple(sim.warnings())
    if sim.apply_on_transformed_logs or record.apply_on_transformed_logs:
        f.undecidable = "it applies to transformed logs, whose content is not known"
    elif sim.field_selection_criteria:
        f.undecidable = (
            f"its fieldSelectionCriteria {sim.field_selection_criteria!r} selects events on "
            "system fields, which is not evaluated"
        )
    elif tr.value.kind != "number":
        f.undecidable = (
            f"its metricValue {tr.metric_value} is taken from each event: events without a "
            "numeric value there publish nothing"
        )
    elif tr.dimensions:
        f.undecidable = (
            "its dimensions are taken from each event: events without them publish nothing"
        )
    assert tr.value.number is not None or f.undecidable
    f.config = PublishConfig(
        tr.value.number if tr.value.number is not None else 1.0,
        tr.default_value,
        sim.dimension_names,
        tr.unit,
    )
    return f


def _find_unknown(value: Any, path: str = "") -> tuple[str, Unknown] | None:
    """The first value not known before deployment inside a raw entry, with its pointer."""
    if isinstance(value, Unknown):
        return path or "/", value
    items = (
        value.items()
        if isinstance(value, Mapping)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _find_unknown(item, path + pointer(key))
        if found:
            return found
    return None


def _describe(names: Sequence[str]) -> str:
    quoted = [str(n) for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- chains -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Path:
    """One way to complete the chain: a status per link, in order."""

    links: tuple[LinkResult, ...]

    @property
    def status(self) -> Status:
        statuses = [link.status for link in self.links]
        if "fail" in statuses:
            return "fail"
        if "unknown" in statuses:
            return "unknown"
        return "pass"

    def rank(self) -> tuple[int, int, int]:
        statuses = [link.status for link in self.links]
        first_bad = next((i for i, s in enumerate(statuses) if s not in _OK), len(statuses))
        return (_RANK[self.status], first_bad, sum(s == "pass" for s in statuses))


def _complete(links: list[LinkResult]) -> _Path:
    names = [link.name for link in links]
    rest = LINKS[len(names) :]
    last = links[-1]
    why = (
        f"not checked: the {last.name} link {'fails' if last.status == 'fail' else 'is undecided'}"
    )
    return _Path(tuple(links) + tuple(not_checked(n, why) for n in rest))


class _Auditor:
    def __init__(
        self,
        snapshot: Snapshot,
        *,
        source: str,
        labels: Mapping[str, str] | None = None,
        assume_log_group: str | None = None,
        any_json_spelling: bool = False,
    ) -> None:
        self.snap = snapshot
        self.any_json_spelling = any_json_spelling
        self.source = source
        self.iac = source != "snapshot"
        self.assume = assume_log_group
        raw = snapshot.metric_filters.raw
        self.filters = [_read_filter(r, raw.get(r.location)) for r in snapshot.metric_filters]
        self.unreadable_filters = [
            (err, _entry_for(err.location, raw)) for err in snapshot.metric_filters.unreadable
        ]
        self.findings = trail_findings(snapshot) if not self.iac else []
        self._covers: dict[tuple[Any, ...], Any] = {}
        self._lint: dict[tuple[str, str], tuple[FilterWarning, ...]] = {}

    # -- analyzer, cached and fail-closed --

    def covers(self, control: catalog.Control, filters: Sequence[_Filter]) -> Any:
        from ..analyzer import covers

        key = (control.id, tuple(sorted({f.pattern for f in filters})))
        if key not in self._covers:
            result: Any
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
                result = _Undecided(f"the analyzer failed: {type(err).__name__}: {err}")
            self._covers[key] = result
        return self._covers[key]

    def lint(self, control: catalog.Control, f: _Filter) -> tuple[FilterWarning, ...]:
        """The analyzer's warnings about filter ``f`` against the control's reference."""
        from ..analyzer import warnings

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

    # -- link 1: trail --

    # -- link 2: metric filters --

    def filter_paths(
        self, control: catalog.Control, groups: list[LogGroupCandidate]
    ) -> tuple[list[tuple[LinkResult, LinkResult, tuple[str, str], list[_Filter]]], dict[str, Any]]:
        """(trail link, filter link, metric key, filters used) per way through link 2."""
        by_group = {g.name: g for g in groups}
        local = [
            f for f in self.filters if f.log_group in by_group and not by_group[f.log_group].foreign
        ]
        keys = by_metric(local, key=lambda f: f.key)
        out: list[tuple[LinkResult, LinkResult, tuple[str, str], list[_Filter]]] = []
        metrics_evidence = []
        for key, members in keys.items():
            ns, name = key
            levels: list[tuple[LinkStatus, list[_Filter]]] = []
            for wanted in (_OK, {"unknown"}, {"fail"}):
                chosen = [f for f in members if by_group[f.log_group].status in wanted]
                if chosen:
                    base = levels[-1][1] if levels else []
                    status = next(by_group[f.log_group].status for f in chosen)
                    levels.append((status, base + chosen))
            metric_ev: dict[str, Any] = {"namespace": ns, "metricName": name}
            for status, used in levels:
                usable = [f for f in used if f.usable]
                trail_link = trail_link_for(status, [f.log_group for f in used], by_group)
                link, _ = self.judge(control, key, used, usable)
                out.append((trail_link, link, key, usable))
                metric_ev.update(link.evidence)
            if len(members) > 1:
                for f in members:
                    if f.usable:
                        single = self.covers(control, [f])
                        f_verdict = str(getattr(single, "verdict", "unknown"))
                    else:
                        f_verdict = "invalid" if f.error else "unknown"
                    metric_ev.setdefault("filterVerdicts", {})[f.name] = f_verdict
            metrics_evidence.append(metric_ev)
        evidence: dict[str, Any] = {
            "logGroups": [g.name for g in groups],
            "metrics": metrics_evidence,
            "locations": [f.location for f in local],
        }
        best_trail = best_trail_of(groups)
        for g in groups:
            if g.foreign:
                out.append(
                    (
                        LinkResult("trail", g.status, g.reason),
                        LinkResult(
                            "metric-filter",
                            "unknown",
                            f"the metric filters of log group {g.name} are not in the "
                            f"snapshot: {g.foreign}",
                        ),
                        ("", ""),
                        [],
                    )
                )
        problems = self.filter_problems(by_group)
        if problems:
            evidence["problems"] = problems
            out.append(
                (
                    best_trail,
                    LinkResult(
                        "metric-filter",
                        "unknown",
                        "cannot decide: " + "; ".join(problems) + " (a filter there may cover the "
                        "control)",
                    ),
                    ("", ""),
                    [],
                )
            )
        if not keys and not any(g.foreign for g in groups):
            elsewhere = self.elsewhere(control, by_group)
            where = _describe(sorted(by_group))
            if elsewhere:
                evidence["elsewhere"] = elsewhere
            out.append(
                (
                    best_trail,
                    LinkResult("metric-filter", "fail", f"no metric filter on log group {where}"),
                    ("", ""),
                    [],
                )
            )
        elif not any(link.status == "pass" for _, link, _, _ in out):
            elsewhere = self.elsewhere(control, by_group)
            if elsewhere:
                evidence["elsewhere"] = elsewhere
        return out, evidence

    def judge(
        self,
        control: catalog.Control,
        key: tuple[str, str],
        used: list[_Filter],
        usable: list[_Filter],
    ) -> tuple[LinkResult, str]:
        """The metric-filter link for the filters ``used`` on one metric."""
        ns, name = key
        metric = f"{ns}/{name}"
        evidence: dict[str, Any] = {"filters": [f.to_dict() for f in used]}
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
            return LinkResult(
                "metric-filter", status, f"on metric {metric}: " + "; ".join(notes), evidence
            ), evidence["verdict"]
        result = self.covers(control, usable)
        verdict = str(result.verdict)
        found = [w for f in usable for w in self.lint(control, f)]
        if found:
            evidence["patternWarnings"] = [w.to_dict() for w in found]
        cases = getattr(result, "cases", ())
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
        assumed = list(getattr(result, "assumptions", ()))
        if assumed:
            evidence["assumptions"] = assumed
        names = _describe([f.name for f in usable])
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
            return LinkResult("metric-filter", "pass", why, evidence), verdict
        if verdict == "unknown" or undecidable:
            why = (
                f"cannot decide whether {'filters' if plural else 'filter'} {names} on metric "
                f"{metric} cover{'' if plural else 's'} the control: {result.reason}"
            )
            if notes:
                why += "; " + "; ".join(notes)
            return LinkResult("metric-filter", "unknown", why, evidence), "unknown"
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
        return LinkResult("metric-filter", "fail", why, evidence), verdict

    def filter_problems(self, by_group: Mapping[str, LogGroupCandidate]) -> list[str]:
        section = self.snap.metric_filters
        problems = [str(e) for e in section.errors]
        for err, group in self.unreadable_filters:
            if group is None or group in by_group:
                problems.append(f"unreadable metric filter {err}")
        return problems

    def elsewhere(
        self, control: catalog.Control, by_group: Mapping[str, LogGroupCandidate]
    ) -> list[dict[str, str]]:
        """Filters outside the candidate log groups that would cover the control alone."""
        out = []
        for f in self.filters:
            if f.log_group in by_group or not f.usable:
                continue
            if getattr(self.covers(control, [f]), "verdict", None) == "yes":
                out.append({"name": f.name, "logGroup": f.log_group, "location": f.location})
        return out

    # -- links 3 and 4: alarm and notification --

    def alarm_paths(self, key: tuple[str, str], usable: Sequence[_Filter]) -> AlarmStage:
        """Links 3 and 4 for the metric ``key`` the ``usable`` filters publish to."""
        configs = sorted({f.config for f in usable if f.config is not None}, key=repr)
        return alarm_options(self.snap, key[0], key[1], configs, self.notification)

    def notification(self, link: AlarmLink) -> LinkResult:
        return notification_link(
            link,
            source=self.source,
            assumed=self.assume is not None,
            subscriptions=self.snap.subscriptions.present,
        )

    # -- one control --

    def control(self, control: catalog.Control) -> ControlResult:
        try:
            tree: ast.Pattern | None = compile(control.effective_pattern).ast
        except PatternSyntaxError:
            tree = None
        stage = trail_stage(
            self.snap,
            tree,
            source=self.source,
            assume_log_group=self.assume,
            findings=self.findings,
            filter_log_groups=[f.log_group for f in self.filters],
            unreadable_log_groups=[g for _, g in self.unreadable_filters if g],
        )
        groups, trail_ev, no_group = list(stage.groups), dict(stage.evidence), stage.link
        paths: list[_Path] = []
        filter_ev: dict[str, Any] = {}
        if tree is None:
            paths.append(
                _complete(
                    [
                        not_checked("trail", "not checked: the reference pattern is invalid"),
                        LinkResult(
                            "metric-filter",
                            "unknown",
                            f"the control's reference pattern is invalid: "
                            f"{control.effective_pattern}",
                        ),
                    ]
                )
            )
        elif no_group is not None:
            trail_link = no_group
            if (
                trail_link.status == "unknown"
                and not self.filters
                and self.snap.metric_filters.complete
            ):
                where = "snapshot" if not self.iac else f"{self.source} input"
                paths.append(
                    _complete(
                        [
                            trail_link,
                            LinkResult(
                                "metric-filter", "fail", f"there is no metric filter in the {where}"
                            ),
                        ]
                    )
                )
            else:
                paths.append(_complete([trail_link]))
        else:
            options, filter_ev = self.filter_paths(control, groups)
            if options and all(o[1].status == "fail" for o in options):
                options = [self.merge_misses(control, options, groups, filter_ev)]
            for trail_link, filter_link, key, usable in options:
                if filter_link.status == "fail" or not key[1]:
                    paths.append(_complete([trail_link, filter_link]))
                    continue
                for option in self.alarm_paths(key, usable).options:
                    paths.append(
                        _Path((trail_link, filter_link, option.alarm, option.notification))
                    )
        best = max(paths, key=lambda p: p.rank())
        evidence = {"trail": trail_ev, "metric-filter": filter_ev}
        links = tuple(
            LinkResult(
                link.name,
                link.status,
                link.reason,
                evidence.get(link.name) or dict(link.evidence),
            )
            for link in best.links
        )
        status_ = best.status
        failing = None
        if status_ != "pass":
            failing = next(link.name for link in links if link.status == status_)
        if failing:
            reason = f"{failing}: {next(li.reason for li in links if li.name == failing)}"
        else:
            reason = "; ".join(f"{link.name}: {link.reason}" for link in links)
        found = tuple(
            FilterWarning(w["filter"], w["code"], w["message"])
            for link in best.links
            if link.name == "metric-filter"
            for w in link.evidence.get("patternWarnings", ())
        )
        return ControlResult(
            control.id,
            control.title,
            control.effective_pattern,
            status_,
            failing,
            reason,
            links,
            found,
        )

    def merge_misses(
        self,
        control: catalog.Control,
        options: list[Any],
        groups: list[LogGroupCandidate],
        evidence: dict[str, Any],
    ) -> Any:
        """One metric-filter failure out of the failures of every metric on the log groups:
        invalid filters and near misses first, metrics about other events only counted,
        then filters that would cover together on different metrics, or elsewhere."""
        trail = best_trail_of(groups)
        if len(options) == 1 and not evidence.get("elsewhere"):
            return options[0]
        metric_options = [o for o in options if o[2][1]]
        why = (
            _merged_reason(metric_options, groups)
            if metric_options
            else "; ".join(o[1].reason for o in options)
        )
        names = {g.name for g in groups if not g.foreign}
        usable = [f for f in self.filters if f.log_group in names and f.usable]
        metrics = {f.key for f in usable}
        if len(metrics) > 1 and getattr(self.covers(control, usable), "verdict", "") == "yes":
            near = [
                f
                for f in usable
                if getattr(self.covers(control, [f]), "verdict", "") != "no"
                or _covers_some(self.covers(control, [f]))
            ]
            shown = near or usable
            why += (
                f"; filters {_describe([f.name for f in shown])} would cover it together, but "
                f"they publish to different metrics ({_describe(sorted({'/'.join(f.key) for f in shown}))}) "
                "and an alarm watches one metric"
            )
            evidence["togetherOnDifferentMetrics"] = [f.name for f in shown]
        if evidence.get("elsewhere"):
            why += "; filters on other log groups cover it: " + ", ".join(
                f"{e['name']} (log group {e['logGroup']})" for e in evidence["elsewhere"]
            )
        return (trail, LinkResult("metric-filter", "fail", why), ("", ""), [])


def _error_text(error: Mapping[str, Any]) -> str:
    """``syntax-error [CODE]: message at column N`` (as every command words a pattern
    error), or ``error [CODE] in FIELD: message`` for a transformation error."""
    code = f" [{error['code']}]" if error.get("code") else ""
    if error.get("kind") == "pattern":
        return f"syntax-error{code}: {error.get('message')} at column {error.get('column')}"
    field_ = f" in {error['field']}" if error.get("field") else ""
    return f"error{code}{field_}: {error.get('message')}"


def _covers_some(result: Any) -> bool:
    return any(c.covered is True for c in getattr(result, "cases", ()))


def _merged_reason(options: list[Any], groups: list[LogGroupCandidate]) -> str:
    near: list[tuple[int, str]] = []
    unrelated: list[str] = []
    for _, link, _, _ in options:
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
            f"{'filter' if one else 'filters'} {_describe(unrelated)} "
            f"{'matches' if one else 'match'} none of the required events"
        )
    where = _describe(sorted({g.name for g in groups}))
    if not parts:
        return f"no metric filter on log group {where}"
    return f"no metric filter on log group {where} covers the control: {'; '.join(parts)}"


class _Undecided:
    """An analyzer failure, shaped like an ``unknown`` Coverage."""

    verdict = "unknown"
    counterexample = None
    cases = ()

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _entry_for(location: str, raw: Mapping[str, Any]) -> str | None:
    """The log group of the raw filter entry an error location points into, if readable."""
    for where, entry in raw.items():
        if location == where or location.startswith(where + "/"):
            group = entry.get("logGroupName") if isinstance(entry, Mapping) else None
            return group if isinstance(group, str) else None
    return None


# --- entry points -----------------------------------------------------------------------------


def _guarded(auditor: _Auditor, control: catalog.Control) -> ControlResult:
    """One control's result; an unexpected failure of the audit itself is "unknown"."""
    try:
        return auditor.control(control)
    except Exception as err:  # noqa: BLE001 - a bug must not turn into a crash or a pass
        why = f"internal error while auditing: {type(err).__name__}: {err} (please report it)"
        links = tuple(LinkResult(name, "unknown", why) for name in LINKS)
        return ControlResult(
            control.id, control.title, control.effective_pattern, "unknown", None, why, links
        )


def _report(
    auditor: _Auditor,
    selected: Sequence[catalog.Control],
    path: str | None,
    warnings: Sequence[str] = (),
) -> AuditReport:
    results = tuple(_guarded(auditor, c) for c in selected)
    problems = tuple(
        {"location": p.location, "message": p.msg}
        for p in auditor.snap.problems
        if not (
            auditor.iac
            and p.location in ("/trails", "/trailStatus", "/eventSelectors", "/subscriptions")
        )
    )
    assumptions: tuple[str, ...] = ()
    if auditor.assume is not None:
        assumptions = (
            (
                f"a multi-region, logging trail records all management events and delivers them "
                f"to log group {auditor.assume}"
            ),
            "the SNS topics in the alarms' actions get confirmed subscriptions",
        )
    assumptions += tuple(
        f"{c.id} passes assuming {a}" for c in results if c.status == "pass" for a in c.assumptions
    )
    return AuditReport(
        results,
        auditor.source,
        path,
        problems,
        tuple(auditor.snap.warnings) + tuple(warnings),
        assumptions,
    )


def audit(
    snapshot: Snapshot | Mapping[str, Any] | str | os.PathLike[str],
    *,
    controls: Iterable[str] | None = None,
    benchmark: str = "cis-aws-3.0.0",
    any_json_spelling: bool = False,
) -> AuditReport:
    """Audit the monitoring controls of ``benchmark`` (or the ``controls`` ids) on an
    account snapshot (``docs/audit-snapshot.md``): a path, a decoded document or a
    loaded :class:`~cwpattern.aws.snapshot.Snapshot`.  ``any_json_spelling``: judge filters
    for every RFC 8259 spelling of the records (:func:`cwpattern.analyzer.covers`).

    Raises:
        SnapshotError: the snapshot cannot be read at all (missing file, not JSON), or
            is not a snapshot: it has none of the keys of :data:`~cwpattern.aws.snapshot.SECTIONS`
            (a snapshot with only some of them is audited: what is missing is unknown).
        UnknownControlError: an unknown control or benchmark id.
    """
    selected = resolve_controls(controls, benchmark)
    path = None
    if isinstance(snapshot, (str, os.PathLike)):
        path = os.fspath(snapshot)
        snapshot = load_snapshot(path)
    elif isinstance(snapshot, Mapping):
        snapshot = load_snapshot(snapshot)
    elif not isinstance(snapshot, Snapshot):
        raise SnapshotError(f"the snapshot must be a JSON object, got {type(snapshot).__name__}")
    if not any(key in snapshot.raw for key in SECTIONS):
        raise SnapshotError(
            f"not an account snapshot: none of the keys {', '.join(SECTIONS)} "
            "(docs/audit-snapshot.md)",
            path or "",
        )
    auditor = _Auditor(snapshot, source="snapshot", any_json_spelling=any_json_spelling)
    return _report(auditor, selected, path)


def audit_iac(
    resources: IacResources,
    *,
    controls: Iterable[str] | None = None,
    benchmark: str = "cis-aws-3.0.0",
    assume_log_group: str | None = None,
    path: str | None = None,
    text: str | None = None,
    any_json_spelling: bool = False,
) -> AuditReport:
    """Audit the metric filters and alarms of a Terraform plan or CloudFormation
    template (:mod:`cwpattern.aws.iac`) before they are deployed.

    The trail and the SNS subscriptions are not in such inputs: their links are
    ``unknown``, so no control passes, unless ``assume_log_group`` names the log group
    the account's trail delivers to.  Then the trail link is ``assumed``, only filters on
    that log group count, and an alarm that notifies an SNS topic has its notification
    link ``assumed``; the report lists these assumptions.  ``text``, the input file's
    content, locates each resource by line (:attr:`AuditReport.lines`, SARIF regions).
    """
    selected = resolve_controls(controls, benchmark)
    labels: dict[str, str] = {}
    for i, r in enumerate(resources.metric_filters):
        labels[pointer("metricFilters", "metricFilters", i)] = r.address
    notes = [
        f"{r.address}: {n}" for r in (*resources.metric_filters, *resources.alarms) for n in r.notes
    ]
    auditor = _Auditor(
        resources.to_snapshot(),
        source=resources.source,
        labels=labels,
        assume_log_group=assume_log_group,
        any_json_spelling=any_json_spelling,
    )
    report = _report(auditor, selected, path, notes)
    if text is None:
        return report
    addresses = [r.address for r in (*resources.metric_filters, *resources.alarms)]
    return dataclasses.replace(report, lines=resource_lines(text, addresses))
