"""Kept for one release: this module moved to :mod:`cwpattern.aws.matrix`.

Import from ``cwpattern.aws.matrix`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.matrix import (
    BenchmarkReport,
    ControlRow,
    Verdict,
    analyzer_cases,
    audit_remediations,
    check_benchmark,
)

__all__ = [
    "analyzer_cases",
    "audit_remediations",
    "BenchmarkReport",
    "check_benchmark",
    "ControlRow",
    "Verdict",
]
