"""Kept for one release: this module moved to :mod:`cwpattern.aws.publish`.

Import from ``cwpattern.aws.publish`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.publish import (
    CODES,
    MAX_DIMENSIONS,
    SYSTEM_FIELDS,
    UNITS,
    FilterStats,
    MetricFilter,
    MetricTransformation,
    Outcome,
    Reference,
    TimedEvent,
    datapoints,
)

__all__ = [
    "CODES",
    "MAX_DIMENSIONS",
    "SYSTEM_FIELDS",
    "UNITS",
    "datapoints",
    "FilterStats",
    "MetricFilter",
    "MetricTransformation",
    "Outcome",
    "Reference",
    "TimedEvent",
]
