"""Kept for one release: this module moved to :mod:`cwpattern.aws.iaclint`.

Import from ``cwpattern.aws.iaclint`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.iaclint import (
    Kind,
    LintFinding,
    LintReport,
    lint_files,
    named_controls,
)

__all__ = [
    "Kind",
    "lint_files",
    "LintFinding",
    "LintReport",
    "named_controls",
]
