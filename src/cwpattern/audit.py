"""Kept for one release: this module moved to :mod:`cwpattern.aws.audit`.

Import from ``cwpattern.aws.audit`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.audit import (
    LINKS,
    AuditReport,
    ControlResult,
    FilterWarning,
    IacSource,
    LinkResult,
    LinkStatus,
    Status,
    audit,
    audit_iac,
    audit_iac_file,
    audit_iac_text,
    resolve_controls,
    resource_lines,
)

__all__ = [
    "LINKS",
    "audit",
    "audit_iac",
    "audit_iac_file",
    "audit_iac_text",
    "AuditReport",
    "ControlResult",
    "FilterWarning",
    "IacSource",
    "LinkResult",
    "LinkStatus",
    "resolve_controls",
    "resource_lines",
    "Status",
]
