"""Kept for one release: this module moved to :mod:`cwpattern.aws.audit`.

Import from ``cwpattern.aws.audit`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.audit import (
    LINKS,
    AuditReport,
    ControlResult,
    FilterWarning,
    LinkResult,
    LinkStatus,
    Status,
    audit,
    audit_iac,
    resolve_controls,
    resource_lines,
)

__all__ = [
    "LINKS",
    "audit",
    "audit_iac",
    "AuditReport",
    "ControlResult",
    "FilterWarning",
    "LinkResult",
    "LinkStatus",
    "resolve_controls",
    "resource_lines",
    "Status",
]
