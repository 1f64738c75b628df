"""Kept for one release: this module moved to :mod:`cwpattern.aws.checker`.

Import from ``cwpattern.aws.checker`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.checker import (
    CheckReport,
    FilterInput,
    FilterInputError,
    FilterResult,
    Filters,
    InputMode,
    MetricGroup,
    Source,
    check,
    filters_from,
    read_filters,
)

__all__ = [
    "check",
    "CheckReport",
    "FilterInput",
    "FilterInputError",
    "FilterResult",
    "Filters",
    "filters_from",
    "InputMode",
    "MetricGroup",
    "read_filters",
    "Source",
]
