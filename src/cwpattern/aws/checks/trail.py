"""Link 1 of the chain, the trail: which trails deliver every management event to a
CloudWatch Logs group (:func:`trail_findings`), and whether a trail qualifies for one
control (:func:`qualifies_for`: a trail that only drops events of sources the control
needs no event from still qualifies).

>>> from cwpattern.aws.snapshot import load_snapshot
>>> snap = load_snapshot("tests/data/audit/pass_cis_4_7.json")
>>> [(f.trail_name, f.qualifies) for f in trail_findings(snap)]
[('management-events', True), ('eu-data-events', False)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from ... import ast
from ..model import AdvancedSelector, EventSelectors, Trail, Unknown
from ..snapshot import Snapshot

__all__ = [
    "ManagementCoverage",
    "Qualification",
    "TrailFinding",
    "management_coverage",
    "qualifies_for",
    "qualifying_log_groups",
    "source_matters",
    "trail_findings",
]


@dataclass(frozen=True, slots=True)
class ManagementCoverage:
    """Which management events a trail's selectors record.

    ``excluded_sources`` are event sources (``kms.amazonaws.com``) whose management
    events are dropped; ``notes`` explain selectors that were not counted.
    """

    read: bool
    write: bool
    excluded_sources: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.read and self.write and not self.excluded_sources


_RW: Final = {"ReadOnly": {"true"}, "WriteOnly": {"false"}, "All": {"true", "false"}}


def _advanced_scope(sel: AdvancedSelector) -> tuple[set[str], frozenset[str], str | None]:
    """(readOnly values covered, excluded sources, why not counted) for management events."""
    label = repr(sel.name) if sel.name else "unnamed"
    by_field = {f.field: f for f in sel.fields}
    category = by_field.get("eventCategory")
    if category is None:
        return set(), frozenset(), f"advanced selector {label} has no eventCategory"
    if (
        category.starts_with
        or category.ends_with
        or category.not_starts_with
        or category.not_ends_with
    ):
        return (
            set(),
            frozenset(),
            f"advanced selector {label}: eventCategory prefix/suffix match not evaluated",
        )
    if category.equals and "Management" not in category.equals:
        return set(), frozenset(), None
    if "Management" in category.not_equals or not (category.equals or category.not_equals):
        return set(), frozenset(), None
    readonly: set[str] = {"true", "false"}
    excluded: frozenset[str] = frozenset()
    for f in sel.fields:
        if f.field == "eventCategory":
            continue
        if f.field == "readOnly":
            if f.equals:
                readonly &= set(f.equals)
            readonly -= set(f.not_equals)
            if f.starts_with or f.ends_with or f.not_starts_with or f.not_ends_with:
                return (
                    set(),
                    frozenset(),
                    f"advanced selector {label}: readOnly prefix match not evaluated",
                )
        elif f.field == "eventSource" and not (
            f.equals or f.starts_with or f.ends_with or f.not_starts_with or f.not_ends_with
        ):
            excluded |= frozenset(f.not_equals)
        else:
            return (
                set(),
                frozenset(),
                (
                    f"advanced selector {label} restricts {f.field}, so it records only some "
                    "management events"
                ),
            )
    return readonly, excluded, None


def management_coverage(selectors: EventSelectors) -> ManagementCoverage:
    """Combine a trail's selectors (they are OR-ed) into management-event coverage.

    A readOnly value (read or write) is covered when some selector records management
    events with that value; a source is excluded for it when *every* covering selector
    excludes it.  Selectors that filter on other fields (eventName, userIdentity.arn,
    ...) are not counted: they record only some events.
    """
    scopes: list[tuple[set[str], frozenset[str]]] = []
    notes: list[str] = []
    for c in selectors.classic:
        if c.include_management_events:
            scopes.append((set(_RW[c.read_write_type]), frozenset(c.excluded_sources)))
    for a in selectors.advanced:
        readonly, excluded, note = _advanced_scope(a)
        if note:
            notes.append(note)
        elif readonly:
            scopes.append((readonly, excluded))
    if selectors.classic and selectors.advanced:
        notes.append("both EventSelectors and AdvancedEventSelectors present; both counted")
    covered: dict[str, bool] = {}
    excluded_all: set[str] = set()
    for value in ("true", "false"):
        matching = [ex for ro, ex in scopes if value in ro]
        covered[value] = bool(matching)
        if matching:
            excluded_all |= frozenset.intersection(*matching)
    return ManagementCoverage(
        covered["true"], covered["false"], frozenset(excluded_all), tuple(notes)
    )


@dataclass(frozen=True, slots=True)
class TrailFinding:
    """Whether one trail delivers all management events to a CloudWatch Logs group.

    ``qualifies`` is True, False, or None (cannot decide: ``reasons`` say why).
    """

    trail_name: str | None
    trail_arn: str | None
    log_group_name: str | None
    log_group_arn: str | None
    qualifies: bool | None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    coverage: ManagementCoverage | None = None
    location: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "trail": self.trail_name,
            "trailArn": self.trail_arn,
            "logGroupName": self.log_group_name,
            "qualifies": self.qualifies,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "excludedEventSources": sorted(self.coverage.excluded_sources) if self.coverage else [],
            "location": self.location,
        }


def _trail_finding(snap: Snapshot, trail: Trail) -> TrailFinding:
    fails: list[str] = []
    undecided: list[str] = []
    warnings: list[str] = []
    if not trail.is_multi_region:
        fails.append("not a multi-region trail (IsMultiRegionTrail is false)")
    group = trail.log_group_name
    if not trail.log_group_arn:
        fails.append("does not deliver to CloudWatch Logs (no CloudWatchLogsLogGroupArn)")
    elif group is None:
        fails.append(f"CloudWatchLogsLogGroupArn {trail.log_group_arn!r} is not a log group ARN")
    status = snap.trail_status(trail)
    if isinstance(status, Unknown):
        undecided.append(f"logging status unknown: {status.reason}")
    elif not status.is_logging:
        fails.append("not logging (IsLogging is false)")
    elif status.delivery_error:
        warnings.append(f"latest CloudWatch Logs delivery failed: {status.delivery_error}")
    selectors = snap.event_selectors(trail)
    coverage = None
    if isinstance(selectors, Unknown):
        undecided.append(f"event selectors unknown: {selectors.reason}")
    else:
        coverage = management_coverage(selectors)
        missing = [w for w, ok in (("read", coverage.read), ("write", coverage.write)) if not ok]
        if missing:
            fails.append(f"does not record {' and '.join(missing)} management events")
        if coverage.excluded_sources:
            fails.append(
                "excludes management events from " + ", ".join(sorted(coverage.excluded_sources))
            )
        if coverage.notes and missing:
            warnings.extend(coverage.notes)
    qualifies = False if fails else (None if undecided else True)
    return TrailFinding(
        trail.name,
        trail.arn,
        group,
        trail.log_group_arn,
        qualifies,
        tuple(fails + undecided),
        tuple(warnings),
        coverage,
        trail.location,
    )


def trail_findings(snapshot: Snapshot) -> list[TrailFinding]:
    """One finding per trail, plus undecided findings for what could not be read.

    A trail qualifies when it is multi-region, logging, records read and write
    management events from every source, and delivers to a CloudWatch Logs group.
    If the ``trails`` key is missing or some entries are unreadable, findings with
    ``qualifies=None`` say so: absence of a qualifying trail is then not proven.
    """
    out = [_trail_finding(snapshot, t) for t in snapshot.trails]
    for err in snapshot.trails.problems:
        out.append(TrailFinding(None, None, None, None, None, (str(err),), location=err.location))
    return out


def qualifying_log_groups(findings: Iterable[TrailFinding]) -> tuple[str, ...]:
    """The log group names of the qualifying trails, sorted, without duplicates."""
    return tuple(
        sorted({f.log_group_name for f in findings if f.qualifies is True and f.log_group_name})
    )


@dataclass(frozen=True, slots=True)
class Qualification:
    """Whether a trail qualifies for one control: ``qualifies`` is True, False or None
    (cannot decide), ``reasons`` say why."""

    qualifies: bool | None
    reasons: tuple[str, ...] = ()


def qualifies_for(
    snapshot: Snapshot, finding: TrailFinding, tree: ast.Pattern | None
) -> Qualification:
    """A trail's qualification for the control whose reference pattern is ``tree``: a
    trail that only excludes event sources still qualifies for a control none of whose
    events come from them (``None`` when that cannot be decided)."""
    if finding.qualifies is not False or finding.coverage is None:
        return Qualification(finding.qualifies, finding.reasons)
    excluded = sorted(finding.coverage.excluded_sources)
    trail = next((t for t in snapshot.trails if t.arn == finding.trail_arn), None)
    if not excluded or trail is None or tree is None:
        return Qualification(False, finding.reasons)
    status = snapshot.trail_status(trail)
    logging = None if isinstance(status, Unknown) else status.is_logging
    cov = finding.coverage
    if not (
        trail.is_multi_region
        and finding.log_group_name
        and cov.read
        and cov.write
        and logging is not False
    ):
        return Qualification(False, finding.reasons)
    relevant = [src for src in excluded if source_matters(tree, src) is not False]
    undecided = [src for src in relevant if source_matters(tree, src) is None]
    if relevant and len(undecided) < len(relevant):
        return Qualification(False, finding.reasons)
    others = tuple(r for r in finding.reasons if not r.startswith("excludes management"))
    if undecided:
        return Qualification(
            None,
            others
            + (
                f"cannot decide whether events of {', '.join(undecided)} (excluded) are "
                "required by this control",
            ),
        )
    note = (
        f"it excludes {', '.join(excluded)}, which cannot produce events this control requires",
    )
    return Qualification(None if logging is None else True, others + note)


def source_matters(tree: ast.Pattern, source: str) -> bool | None:
    """Whether some event the control ``tree`` requires can come from event source
    ``source`` (``None``: cannot decide).

    >>> from cwpattern import compile
    >>> kms = compile("{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }").ast
    >>> source_matters(kms, "s3.amazonaws.com"), source_matters(kms, "kms.amazonaws.com")
    (False, True)
    """
    from ...analyzer import is_satisfiable

    if not isinstance(tree, ast.JsonPattern):
        return None
    pin = ast.Comparison(
        ast.Selector((ast.Member("eventSource"),)), ast.Op.EQ, ast.StringValue(source)
    )
    operands = tree.expr.operands if isinstance(tree.expr, ast.And) else (tree.expr,)
    try:
        return is_satisfiable(ast.JsonPattern(ast.And((*operands, pin))))
    except Exception:  # noqa: BLE001 - an analyzer failure means "cannot decide"
        return None
