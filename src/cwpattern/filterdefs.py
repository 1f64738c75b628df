"""Kept for one release: this module moved to :mod:`cwpattern.aws.filterdefs`.

Import from ``cwpattern.aws.filterdefs`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.filterdefs import (
    FilterDef,
    FilterFileError,
    Source,
    as_check_input,
    load_metric_filters,
    read_metric_filters,
)

__all__ = [
    "as_check_input",
    "FilterDef",
    "FilterFileError",
    "load_metric_filters",
    "read_metric_filters",
    "Source",
]
