"""Kept for one release: this module moved to :mod:`cwpattern.aws.checker`.

Import from ``cwpattern.aws.checker`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.checker import (
    CheckInput,
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
    read_input,
)

__all__ = [
    "check",
    "CheckInput",
    "CheckReport",
    "FilterInput",
    "FilterInputError",
    "FilterResult",
    "Filters",
    "filters_from",
    "InputMode",
    "MetricGroup",
    "read_filters",
    "read_input",
    "Source",
]
