"""Judge many metric filters against one control at once: ``cwpattern.check``.

Filters on the same metric (name and namespace) feed one alarm, so they are also judged
together: a control is covered when one filter covers it, or when the filters of one
metric do together.

>>> report = check(['{ $.eventName = DisableKey }', '{ $.eventName = ScheduleKeyDeletion }'],
...                control="cis-aws-3.0.0-4.7")
>>> [r.verdict for r in report.results], report.covered
(['no', 'no'], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import PatternSyntaxError

__all__ = ["check", "CheckReport", "FilterResult", "MetricGroup", "filters_from"]


@dataclass(frozen=True)
class FilterResult:
    """One filter's verdict against the control."""

    name: str
    pattern: str
    metric: str | None
    valid: bool
    verdict: str  # "yes" | "no" | "unknown" | "invalid"
    relation: str | None
    missed: tuple[str, ...] = ()
    counterexample: str | None = None
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pattern": self.pattern,
            "metric": self.metric,
            "valid": self.valid,
            "covers": self.verdict == "yes",
            "verdict": self.verdict,
            "relation": self.relation,
            "missed": list(self.missed),
            "counterexample": self.counterexample,
            "error": self.error,
        }


@dataclass(frozen=True)
class MetricGroup:
    """The valid filters feeding one metric, judged together (their union)."""

    metric: str
    filters: tuple[str, ...]
    verdict: str
    counterexample: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "filters": list(self.filters),
            "covers": self.verdict == "yes",
            "verdict": self.verdict,
            "counterexample": self.counterexample,
        }


@dataclass(frozen=True)
class CheckReport:
    control: str
    reference: str
    results: tuple[FilterResult, ...]
    groups: tuple[MetricGroup, ...] = field(default=())

    @property
    def covered(self) -> bool:
        """True when one filter, or the filters of one metric together, cover the control."""
        return any(r.verdict == "yes" for r in self.results) or any(
            g.verdict == "yes" for g in self.groups
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "reference": self.reference,
            "covers": self.covered,
            "filters": [r.to_dict() for r in self.results],
            "metrics": [g.to_dict() for g in self.groups],
        }


def filters_from(source: Any) -> list[dict[str, Any]]:
    """Normalize the accepted inputs into ``[{"name", "pattern", "metric"}]``: a list of
    pattern strings, a list of metric-filter dicts, or the JSON output of
    ``aws logs describe-metric-filters`` (``{"metricFilters": [...]}``, or a list of pages)."""
    if isinstance(source, str):
        source = [source]
    if isinstance(source, Mapping):
        if "metricFilters" not in source:
            raise ValueError(
                "expected the output of 'aws logs describe-metric-filters' "
                "(an object with a 'metricFilters' list)"
            )
        source = source["metricFilters"]
    out: list[dict[str, Any]] = []
    for i, item in enumerate(source):
        if isinstance(item, str):
            out.append({"name": f"pattern {i + 1}", "pattern": item, "metric": None})
        elif isinstance(item, Mapping) and "metricFilters" in item:  # a page
            out.extend(filters_from(item))
        elif isinstance(item, Mapping) and isinstance(item.get("filterPattern"), str):
            transforms = item.get("metricTransformations") or [{}]
            metric = None
            if isinstance(transforms, list) and transforms and isinstance(transforms[0], Mapping):
                t = transforms[0]
                if t.get("metricName"):
                    metric = f"{t.get('metricNamespace', '')}/{t.get('metricName')}"
            out.append(
                {
                    "name": str(item.get("filterName") or f"filter {i + 1}"),
                    "pattern": item["filterPattern"],
                    "metric": metric,
                }
            )
        else:
            raise ValueError(
                f"item {i + 1}: expected a pattern string or a metric filter with a 'filterPattern'"
            )
    return out


def check(patterns: Iterable[Any] | Mapping[str, Any] | str, *, control: str) -> CheckReport:
    """Judge each filter, and each metric's filters together, against ``control``.

    Args:
        patterns: pattern strings, metric-filter dicts, or describe-metric-filters output.
        control: a catalog id such as ``cis-aws-3.0.0-4.7``.

    Invalid patterns are reported as such (verdict ``"invalid"``); they never stop the check.
    """
    from . import controls
    from .analyzer import covers, relation

    ctrl = controls.get(control)
    reference = ctrl.effective_pattern
    results: list[FilterResult] = []
    by_metric: dict[str, list[FilterResult]] = {}
    for f in filters_from(patterns):
        try:
            from .pattern import compile

            tree = compile(f["pattern"]).ast
        except PatternSyntaxError as err:
            results.append(
                FilterResult(
                    f["name"],
                    f["pattern"],
                    f["metric"],
                    False,
                    "invalid",
                    None,
                    error=err.to_dict(),
                )
            )
            continue
        cov = covers(tree, reference)
        rel = relation(tree, reference)
        missed = tuple(c.case for c in cov.cases if c.covered is not True)
        result = FilterResult(
            f["name"],
            f["pattern"],
            f["metric"],
            True,
            cov.verdict,
            rel.kind,
            missed,
            cov.counterexample,
        )
        results.append(result)
        if f["metric"]:
            by_metric.setdefault(f["metric"], []).append(result)
    groups = []
    for metric, members in by_metric.items():
        if len(members) < 2:
            continue
        cov = covers([m.pattern for m in members], reference)
        groups.append(
            MetricGroup(metric, tuple(m.name for m in members), cov.verdict, cov.counterexample)
        )
    if not by_metric and len(results) > 1:  # bare patterns: judge them together too
        valid = [r for r in results if r.valid]
        if len(valid) > 1:
            cov = covers([r.pattern for r in valid], reference)
            groups.append(
                MetricGroup(
                    "(all patterns together)",
                    tuple(r.name for r in valid),
                    cov.verdict,
                    cov.counterexample,
                )
            )
    return CheckReport(ctrl.id, reference, tuple(results), tuple(groups))
