"""The records of an audit: one :class:`LinkResult` per link of a control's chain
(trail → metric filter → alarm → notification), one :class:`ControlResult` per control,
and the :class:`AuditReport`.  The checks (:mod:`cwpattern.aws.checks`) return links, the
chain (:mod:`cwpattern.aws.audit`) composes them, :mod:`cwpattern.aws.report` renders.

>>> not_checked("alarm", "not checked: no metric").to_dict()
{'name': 'alarm', 'status': 'not-checked', 'reason': 'not checked: no metric'}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "LINKS",
    "AuditReport",
    "ControlResult",
    "FilterWarning",
    "LinkResult",
    "LinkStatus",
    "Status",
    "not_checked",
]

#: The links of a monitoring chain, in order.
LINKS: Final = ("trail", "metric-filter", "alarm", "notification")
Status = Literal["pass", "fail", "unknown"]
#: ``assumed`` counts as pass (IaC with --assume-trail-log-group); ``not-checked``
#: follows a link with nothing to check after it.
LinkStatus = Literal["pass", "fail", "unknown", "assumed", "not-checked"]


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkResult:
    """One link of a control's chain: its status, why, and the evidence looked at."""

    name: str
    status: LinkStatus
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class FilterWarning:
    """An analyzer warning (:func:`cwpattern.analyzer.warnings`) about a metric filter
    the control's verdict rests on, e.g. ``over-broad`` or ``mixed-precedence``."""

    filter: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"filter": self.filter, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class ControlResult:
    """The verdict on one control.

    ``status`` is ``pass``, ``fail`` or ``unknown``; ``failing_link`` is the first link
    of the best chain that fails (``fail``) or cannot be decided (``unknown``), ``None``
    for a pass.  ``links`` holds the four links of that chain.
    """

    id: str
    title: str
    reference: str
    status: Status
    failing_link: str | None
    reason: str
    links: tuple[LinkResult, ...]
    warnings: tuple[FilterWarning, ...] = ()

    @property
    def evidence(self) -> dict[str, Any]:
        """The evidence of every link, by link name."""
        return {link.name: dict(link.evidence) for link in self.links}

    @property
    def assumptions(self) -> tuple[str, ...]:
        """What the metric-filter verdict rests on (``Coverage.assumptions``), e.g. the
        spelling of the records."""
        out: list[str] = []
        for link in self.links:
            if link.name != "metric-filter":
                continue
            for metric in (link.evidence or {}).get("metrics", ()):
                for a in metric.get("assumptions", ()) if isinstance(metric, dict) else ():
                    if a not in out:
                        out.append(a)
        return tuple(out)

    def link(self, name: str) -> LinkResult:
        """The link called ``name`` (one of :data:`LINKS`)."""
        for link in self.links:
            if link.name == name:
                return link
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "failing_link": self.failing_link,
            "reason": self.reason,
            "evidence": self.evidence,
            "links": [link.to_dict() for link in self.links],
            "reference": self.reference,
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass(frozen=True)
class AuditReport:
    """The result of :func:`audit`: one :class:`ControlResult` per selected control.

    ``problems`` are the snapshot's located problems (``{"location", "message"}``),
    ``warnings`` its warnings (unknown keys, IaC notes), ``assumptions`` what an IaC
    audit with an assumed log group took for granted.
    """

    controls: tuple[ControlResult, ...]
    source: str = "snapshot"
    path: str | None = None
    problems: tuple[Mapping[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    #: IaC: the 1-based line of each resource (``Resources/KmsFilter``) in the input file.
    lines: Mapping[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every selected control passes (the CLI's exit status 0)."""
        return bool(self.controls) and all(c.status == "pass" for c in self.controls)

    def summary(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "unknown": 0}
        for c in self.controls:
            out[c.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document (schema in ``docs/audit.md``)."""
        return {
            "controls": [c.to_dict() for c in self.controls],
            "summary": self.summary(),
            "source": self.source,
            "input": self.path,
            "problems": [dict(p) for p in self.problems],
            "warnings": list(self.warnings),
            "assumptions": list(self.assumptions),
        }

    def to_sarif(self) -> dict[str, Any]:
        """A SARIF 2.1.0 log (:func:`cwpattern.aws.report.to_sarif`): one rule per control,
        one result per failing or unknown control, reason and evidence included."""
        from .report import to_sarif  # report.py formats these records

        return to_sarif(self)


def not_checked(name: str, why: str) -> LinkResult:
    """A link left unchecked because an earlier link fails or there is nothing to follow."""
    return LinkResult(name, "not-checked", why)
