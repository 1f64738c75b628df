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

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ... import ast
from ..model import AdvancedSelector, EventSelectors, Trail, Unknown
from ..results import LinkResult, LinkStatus
from ..snapshot import Snapshot

__all__ = [
    "LogGroupCandidate",
    "ManagementCoverage",
    "Qualification",
    "TrailFinding",
    "TrailStage",
    "best_trail",
    "log_group_elsewhere",
    "management_coverage",
    "qualifies_for",
    "qualifying_log_groups",
    "source_matters",
    "trail_findings",
    "trail_link",
    "trail_stage",
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


# --- the trail link of a control's chain -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogGroupCandidate:
    """A log group a qualifying (or undecided, or failing) trail delivers to, with the
    status of the trail link for it; ``foreign`` says why its metric filters are not in
    the snapshot (another region or account)."""

    name: str
    status: LinkStatus
    reason: str
    foreign: str | None = None


@dataclass(frozen=True, slots=True)
class TrailStage:
    """Link 1 for one control: the candidate log groups, the trail evidence, and the trail
    link itself when there is no candidate log group (then the chain stops there)."""

    groups: tuple[LogGroupCandidate, ...]
    evidence: Mapping[str, object]
    link: LinkResult | None = None


def trail_stage(
    snapshot: Snapshot,
    tree: ast.Pattern | None,
    *,
    source: str = "snapshot",
    assume_log_group: str | None = None,
    findings: Sequence[TrailFinding] | None = None,
    filter_log_groups: Sequence[str] = (),
    unreadable_log_groups: Collection[str] = (),
) -> TrailStage:
    """Link 1 for the control whose reference pattern is ``tree``: the candidate log
    groups (with the trail link's status for each), the trail evidence, and the trail
    link when there is no candidate log group.

    ``source`` is ``snapshot`` or the IaC kind (no trail in the input: the log groups of
    the filters, ``filter_log_groups`` and ``unreadable_log_groups``, are ``unknown``,
    or ``assume_log_group`` is ``assumed``); ``findings`` defaults to
    :func:`trail_findings` of the snapshot.
    """
    iac = source != "snapshot"
    if findings is None:
        findings = [] if iac else trail_findings(snapshot)
    if assume_log_group is not None:
        reason = (
            f"assumed: the trail is not in the {source} input; it is assumed to "
            f"deliver all management events to log group {assume_log_group} "
            "(--assume-trail-log-group)"
        )
        return TrailStage(
            (LogGroupCandidate(assume_log_group, "assumed", reason),),
            {"assumedLogGroup": assume_log_group},
        )
    if iac:
        names = sorted(set(filter_log_groups) | {g for g in unreadable_log_groups if g})
        reason = (
            f"the trail is not in the {source} input (give "
            "--assume-trail-log-group NAME to audit only the filter and alarm links)"
        )
        link = None if names else LinkResult("trail", "unknown", reason)
        return TrailStage(
            tuple(LogGroupCandidate(g, "unknown", reason) for g in names),
            {"logGroups": names},
            link,
        )
    trails: list[dict[str, Any]] = []
    groups: dict[str, LogGroupCandidate] = {}
    failing: list[str] = []
    for finding in findings:
        qualification = qualifies_for(snapshot, finding, tree)
        qualifies, reasons = qualification.qualifies, qualification.reasons
        entry = finding.to_dict()
        entry["qualifies"] = qualifies
        entry["reasons"] = list(reasons)
        trails.append(entry)
        name = finding.log_group_name
        label = finding.trail_name or finding.location
        if not name:
            if qualifies is False:
                failing.append(f"{label}: " + "; ".join(reasons))
            continue
        foreign = log_group_elsewhere(snapshot, finding.log_group_arn)
        if qualifies is True:
            why = (
                f"trail {label} is multi-region, logging, records all management events "
                f"and delivers to log group {name}"
            )
            if reasons:
                why += " (" + "; ".join(reasons) + ")"
            groups[name] = LogGroupCandidate(name, "pass", why, foreign)
        elif (
            qualifies is None
            and groups.get(name, LogGroupCandidate("", "fail", "")).status != "pass"
        ):
            groups[name] = LogGroupCandidate(
                name,
                "unknown",
                f"cannot decide whether trail {label} qualifies: " + "; ".join(reasons),
                foreign,
            )
        else:
            failing.append(f"{label}: " + "; ".join(reasons))
    evidence: dict[str, Any] = {
        "trails": trails,
        "locations": [t["location"] for t in trails if t["location"]],
    }
    complete = snapshot.trails.complete
    if not complete:
        problems = [str(e) for e in snapshot.trails.problems]
        evidence["problems"] = problems
        why = (
            "the trail listing is incomplete (" + "; ".join(problems) + "): an unseen "
            "trail may deliver to this log group"
        )
        for g in filter_log_groups:
            groups.setdefault(g, LogGroupCandidate(g, "unknown", why))
    undecided_trails = [t for t in trails if t["qualifies"] is None and not t["logGroupName"]]
    if groups:
        return TrailStage(tuple(groups.values()), evidence)
    if undecided_trails or not complete:
        open_ = [
            f"{t['trail'] or t['location']}: {'; '.join(t['reasons'])}" for t in undecided_trails
        ]
        if not complete:
            open_.append("the trail listing is incomplete")
        return TrailStage(
            (), evidence, LinkResult("trail", "unknown", "cannot decide: " + "; ".join(open_))
        )
    if not findings:
        return TrailStage(
            (), evidence, LinkResult("trail", "fail", "no trail: describe-trails lists none")
        )
    why = "no trail qualifies: " + "; ".join(failing)
    failed = [
        LogGroupCandidate(
            f.log_group_name, "fail", why, log_group_elsewhere(snapshot, f.log_group_arn)
        )
        for f in findings
        if f.log_group_name
    ]
    return TrailStage(tuple(failed), evidence, None if failed else LinkResult("trail", "fail", why))


def log_group_elsewhere(snapshot: Snapshot, arn: str | None) -> str | None:
    """Why the filters of the log group ``arn`` are not in ``snapshot`` (another region
    or account than its ``metadata`` says), or ``None``."""
    meta = snapshot.metadata
    mine_region = meta.get("region") if isinstance(meta.get("region"), (str, Unknown)) else None
    mine_account = meta.get("account") if isinstance(meta.get("account"), (str, Unknown)) else None
    parts = (arn or "").split(":")
    if len(parts) < 6:
        return None
    region, account = parts[3], parts[4]
    for what, mine in (("region", mine_region), ("account", mine_account)):
        if isinstance(mine, Unknown):
            return f"the snapshot's {what} is {mine!r}"
    if mine_region and region and region != mine_region:
        return f"the log group is in {region}, the snapshot is of {mine_region}"
    if mine_account and account and account != mine_account:
        return f"the log group is in account {account}, the snapshot is of {mine_account}"
    return None


def best_trail(groups: Sequence[LogGroupCandidate]) -> LinkResult:
    """The trail link of the best candidate log groups (pass or assumed, then unknown,
    then fail), with the reasons of every group of that status."""
    order = {"pass": 0, "assumed": 0, "unknown": 1, "fail": 2}
    best = min(groups, key=lambda g: order[g.status])
    same = [g for g in groups if g.status == best.status]
    return LinkResult("trail", best.status, "; ".join(sorted({g.reason for g in same})))


def trail_link(
    status: LinkStatus, log_groups: Iterable[str], by_group: Mapping[str, LogGroupCandidate]
) -> LinkResult:
    """The trail link of a chain through filters on ``log_groups``: the reasons of those
    of them whose trail link has ``status``."""
    groups = sorted({g for g in log_groups if by_group[g].status == status})
    reasons = sorted({by_group[g].reason for g in groups})
    return LinkResult("trail", status, "; ".join(reasons))
