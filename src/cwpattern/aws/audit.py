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
from typing import Any, Final, Literal

from .. import ast
from .. import controls as catalog
from ..errors import CWPatternError, PatternSyntaxError
from ..pattern import compile
from .checks.alarm import AlarmLink, AlarmStage, alarm_options
from .checks.filters import FilterChecks, FilterEvidence, JudgedFilter
from .checks.notification import notification_link
from .checks.trail import trail_findings, trail_stage
from .iac import IacResources, from_cloudformation, from_terraform_plan, load_iac
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
from .snapshot import SECTIONS, Snapshot, SnapshotError, load_snapshot

__all__ = [
    "LINKS",
    "AuditReport",
    "ControlResult",
    "FilterWarning",
    "LinkResult",
    "LinkStatus",
    "Status",
    "IacSource",
    "audit",
    "audit_iac",
    "audit_iac_file",
    "audit_iac_text",
    "resolve_controls",
    "resource_lines",
]

#: The kinds of IaC input: ``terraform show -json`` output, or a CloudFormation template.
IacSource = Literal["terraform", "cloudformation"]

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
        assume_log_group: str | None = None,
        any_json_spelling: bool = False,
    ) -> None:
        self.snap = snapshot
        self.any_json_spelling = any_json_spelling
        self.source = source
        self.iac = source != "snapshot"
        self.assume = assume_log_group
        self.checks = FilterChecks(snapshot, source=source, any_json_spelling=any_json_spelling)
        self.filters = self.checks.filters
        self.unreadable_filters = self.checks.unreadable_filters
        self.findings = trail_findings(snapshot) if not self.iac else []

    # -- links 3 and 4: alarm and notification --

    def alarm_paths(self, key: tuple[str, str], usable: Sequence[JudgedFilter]) -> AlarmStage:
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
        filter_ev: FilterEvidence = {}
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
            filter_stage = self.checks.filter_paths(control, groups)
            options, filter_ev = list(filter_stage.options), filter_stage.evidence
            if options and all(o.link.status == "fail" for o in options):
                options = [self.checks.merge_misses(control, options, groups, filter_ev)]
            for option in options:
                trail_link, filter_link, key = option.trail, option.link, option.metric
                if filter_link.status == "fail" or not key[1]:
                    paths.append(_complete([trail_link, filter_link]))
                    continue
                for alarm in self.alarm_paths(key, option.usable).options:
                    paths.append(_Path((trail_link, filter_link, alarm.alarm, alarm.notification)))
        best = max(paths, key=lambda p: p.rank())
        evidence: dict[str, Mapping[str, object]] = {"trail": trail_ev, "metric-filter": filter_ev}
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
    notes = [
        f"{r.address}: {n}" for r in (*resources.metric_filters, *resources.alarms) for n in r.notes
    ]
    auditor = _Auditor(
        resources.to_snapshot(),
        source=resources.source,
        assume_log_group=assume_log_group,
        any_json_spelling=any_json_spelling,
    )
    report = _report(auditor, selected, path, notes)
    if text is None:
        return report
    addresses = [r.address for r in (*resources.metric_filters, *resources.alarms)]
    return dataclasses.replace(report, lines=resource_lines(text, addresses))


def audit_iac_file(
    path: str | os.PathLike[str],
    source: IacSource,
    *,
    parameters: Mapping[str, str] | None = None,
    controls: Iterable[str] | None = None,
    benchmark: str = "cis-aws-3.0.0",
    assume_log_group: str | None = None,
    any_json_spelling: bool = False,
) -> AuditReport:
    """:func:`audit_iac` of a file (``cwpattern audit --terraform PLAN.json`` or
    ``--cloudformation TEMPLATE``): ``source`` says which kind it must be, ``parameters``
    are the CloudFormation parameters (:func:`cwpattern.aws.iac.from_cloudformation`); the
    report locates each resource by its line in the file.

    Raises:
        IacError: the file cannot be read, or is not IaC.
        CWPatternError: a file of the other kind (a CloudFormation template given as a
            Terraform plan, or the reverse).
    """
    name = os.fspath(path)
    if source == "terraform":
        resources = load_iac(path)
        if resources.source != "terraform":
            raise CWPatternError(f"{name}: not `terraform show -json` output")
    else:
        resources = load_iac(path, parameters=parameters)
        if resources.source != "cloudformation":
            raise CWPatternError(
                f"{name}: a Terraform plan, not a CloudFormation template (use --terraform)"
            )
    with open(path, encoding="utf-8", errors="replace") as fh:  # to locate resources by line
        text = fh.read()
    return audit_iac(
        resources,
        controls=controls,
        benchmark=benchmark,
        assume_log_group=assume_log_group,
        path=name,
        text=text,
        any_json_spelling=any_json_spelling,
    )


def audit_iac_text(
    text: str,
    source: IacSource,
    *,
    parameters: Mapping[str, str] | None = None,
    controls: Iterable[str] | None = None,
    benchmark: str = "cis-aws-3.0.0",
    assume_log_group: str | None = None,
    any_json_spelling: bool = False,
) -> AuditReport:
    """:func:`audit_iac` of a Terraform plan's or CloudFormation template's text (what
    ``cwpattern audit --terraform -`` reads from stdin), resources located by line.

    Raises:
        IacError: the text is not IaC of that ``source``.
    """
    resources = (
        from_terraform_plan(text)
        if source == "terraform"
        else from_cloudformation(text, parameters=parameters)
    )
    return audit_iac(
        resources,
        controls=controls,
        benchmark=benchmark,
        assume_log_group=assume_log_group,
        text=text,
        any_json_spelling=any_json_spelling,
    )
