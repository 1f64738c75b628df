"""Kept for one release: this module moved to :mod:`cwpattern.aws.snapshot`.

Import from ``cwpattern.aws.snapshot`` (the trail and alarm checks: from
:mod:`cwpattern.aws.checks`) instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.checks.alarm import AlarmLink, AlarmLinks, alarm_links
from .aws.checks.notification import TopicCheck
from .aws.checks.trail import (
    ManagementCoverage,
    TrailFinding,
    management_coverage,
    qualifying_log_groups,
    trail_findings,
)
from .aws.snapshot import (
    SECTIONS,
    AdvancedSelector,
    AlarmEntry,
    ClassicSelector,
    EventSelectors,
    FieldSelector,
    FilterDefinitions,
    Listing,
    ListingError,
    MetricFilter,
    MetricTransformation,
    Section,
    Snapshot,
    SnapshotError,
    Subscription,
    Trail,
    TrailStatus,
    Unknown,
    load_snapshot,
    loads_snapshot,
    log_group_name,
    pointer,
    read_filter_definition,
    read_filter_definitions,
    read_listing,
)

__all__ = [
    "SECTIONS",
    "AdvancedSelector",
    "alarm_links",
    "AlarmEntry",
    "AlarmLink",
    "AlarmLinks",
    "ClassicSelector",
    "EventSelectors",
    "FieldSelector",
    "FilterDefinitions",
    "Listing",
    "ListingError",
    "load_snapshot",
    "loads_snapshot",
    "log_group_name",
    "management_coverage",
    "ManagementCoverage",
    "MetricFilter",
    "MetricTransformation",
    "pointer",
    "qualifying_log_groups",
    "read_filter_definition",
    "read_filter_definitions",
    "read_listing",
    "Section",
    "Snapshot",
    "SnapshotError",
    "Subscription",
    "TopicCheck",
    "Trail",
    "trail_findings",
    "TrailFinding",
    "TrailStatus",
    "Unknown",
]
