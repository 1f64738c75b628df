"""The account snapshot: AWS CLI outputs, unchanged, in one JSON document.

An audit of the CIS monitoring controls needs six AWS answers (``docs/audit-snapshot.md``
gives the commands)::

    {"trails":         <aws cloudtrail describe-trails>,
     "trailStatus":    {"<trail ARN>": <aws cloudtrail get-trail-status>, ...},
     "eventSelectors": {"<trail ARN>": <aws cloudtrail get-event-selectors>, ...},
     "metricFilters":  <aws logs describe-metric-filters>,
     "alarms":         <aws cloudwatch describe-alarms>,
     "subscriptions":  <aws sns list-subscriptions>}

This module is the one reader of those outputs: it reads the document into the typed,
located records of :mod:`cwpattern.aws.model`, and :func:`read_listing` reads a
``describe-metric-filters`` or ``describe-alarms`` listing on its own (pages merged, the
same ``nextToken`` rule) for ``cwpattern check``, ``lint`` and ``simulate``;
:func:`read_filter_definitions` reads the filters of such a listing loosely (an entry may
lack its log group or transformations) into :class:`~cwpattern.aws.model.FilterDefinition`
records, for ``check`` and ``lint``.  The checks
that need no pattern reasoning (which trails deliver every management event to a
CloudWatch Logs group, which alarms fire on one event and notify a confirmed subscriber)
are in :mod:`cwpattern.aws.checks`; their old names here (``trail_findings``,
``alarm_links``, ...) still import, with their types.

It never guesses.  A missing key, an unreadable entry or a listing cut short by
pagination makes the affected answer *unknown* (:class:`Unknown`, ``None`` verdicts,
``Section.complete == False``) with a JSON-pointer location, so that an audit says
"cannot decide" instead of passing silently.  Unknown fields are ignored; AWS CLI
pagination fragments (a list of pages) are merged.

>>> snap = load_snapshot({"trails": {"trailList": []}})
>>> snap.trails.complete, snap.alarms.present
(True, False)
>>> [str(p) for p in snap.problems][:2]
['/trailStatus: missing: the snapshot has no trailStatus key', \
'/eventSelectors: missing: the snapshot has no eventSelectors key']
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from ..documents import DocumentError, check_depth, finite_number, loads
from ..errors import CWPatternError, MetricFilterError
from .alarms import Alarm, AlarmError
from .model import (
    AdvancedSelector,
    AlarmEntry,
    ClassicSelector,
    EventSelectors,
    FieldSelector,
    FilterDefinition,
    InvalidTransformation,
    MetricDefinition,
    MetricFilter,
    MetricTransformation,
    Subscription,
    Trail,
    TrailStatus,
    Unknown,
    log_group_name,
    pointer,
)

if TYPE_CHECKING:  # the moved checks, resolved lazily below (__getattr__), with their types
    from .checks.alarm import AlarmLink as AlarmLink
    from .checks.alarm import AlarmLinks as AlarmLinks
    from .checks.alarm import alarm_links as alarm_links
    from .checks.notification import TopicCheck as TopicCheck
    from .checks.trail import ManagementCoverage as ManagementCoverage
    from .checks.trail import TrailFinding as TrailFinding
    from .checks.trail import management_coverage as management_coverage
    from .checks.trail import qualifying_log_groups as qualifying_log_groups
    from .checks.trail import trail_findings as trail_findings

__all__ = [
    "SECTIONS",
    "AdvancedSelector",
    "AlarmEntry",
    "ClassicSelector",
    "EventSelectors",
    "FieldSelector",
    "FilterDefinitions",
    "Listing",
    "ListingError",
    "MetricFilter",
    "MetricTransformation",
    "Section",
    "Snapshot",
    "SnapshotError",
    "Subscription",
    "Trail",
    "TrailStatus",
    "Unknown",
    "load_snapshot",
    "log_group_name",
    "pointer",
    "read_filter_definition",
    "read_filter_definitions",
    "read_listing",
]

SECTIONS: Final = (
    "trails",
    "trailStatus",
    "eventSelectors",
    "metricFilters",
    "alarms",
    "subscriptions",
)
_OPTIONAL_KEYS: Final = frozenset({"metadata", "$schema"})
T = TypeVar("T")


class SnapshotError(CWPatternError):
    """A snapshot piece that is missing or malformed, with its JSON-pointer ``location``."""

    def __init__(self, msg: str, location: str = "", *, raw: Any = None) -> None:
        self.msg = msg
        self.location = location
        self.raw = raw
        super().__init__(f"{location}: {msg}" if location else msg)

    def to_dict(self) -> dict[str, Any]:
        return {"location": self.location, "message": self.msg}


@dataclass(frozen=True, slots=True)
class Section(Generic[T]):
    """The readable entries of one snapshot key, and why the rest could not be read.

    ``present`` is False when the key is absent.  ``errors`` are problems of the key
    itself (absent, not CLI output, a listing cut short by pagination); ``unreadable``
    are entries that could not be read.  ``complete`` is False in all those cases, and
    then the absence of something from ``items`` proves nothing.
    """

    key: str
    present: bool
    items: tuple[T, ...] = ()
    errors: tuple[SnapshotError, ...] = ()
    unreadable: tuple[SnapshotError, ...] = ()
    #: every entry as the snapshot holds it (readable or not), by its location
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def complete(self) -> bool:
        return self.present and not self.errors and not self.unreadable

    @property
    def problems(self) -> tuple[SnapshotError, ...]:
        return self.errors + self.unreadable

    def entry_text(self, location: str, key: str) -> str | None:
        """The text of ``key`` in the entry ``location`` points into (the location of an
        :attr:`unreadable` entry's error), if it is a string: what can still be told of an
        entry that could not be read (the log group of a filter, the metric of an alarm).

        >>> section = load_snapshot({"metricFilters": {"metricFilters": [
        ...     {"logGroupName": "trail", "filterPattern": ""}]}}).metric_filters
        >>> err, = section.unreadable
        >>> err.location, section.entry_text(err.location, "logGroupName")
        ('/metricFilters/metricFilters/0/metricTransformations', 'trail')
        """
        for where, entry in self.raw.items():
            if location == where or location.startswith(where + "/"):
                value = entry.get(key) if isinstance(entry, Mapping) else None
                return value if isinstance(value, str) else None
        return None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# --- reading ------------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Entry:
    """Typed field access to one object, raising located SnapshotErrors."""

    def __init__(self, doc: Any, location: str) -> None:
        if not isinstance(doc, Mapping):
            raise SnapshotError(f"expected an object, got {_show(doc)}", location, raw=doc)
        self.doc = doc
        self.location = location

    def fail(self, key: str, msg: str) -> SnapshotError:
        return SnapshotError(msg, self.location + pointer(key), raw=self.doc)

    def get(self, key: str, kind: type | tuple[type, ...], what: str, *, required: bool) -> Any:
        value = self.doc.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing")
            return None
        if isinstance(value, Unknown):
            raise self.fail(key, repr(value))
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(key, f"must be {what}, got {_show(value)}")
        return value

    def text(self, key: str, *, required: bool = True) -> Any:
        return self.get(key, str, "a string", required=required)

    def flag(self, key: str, *, required: bool = True) -> Any:
        return self.get(key, bool, "true or false", required=required)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, "a list of strings", required=False) or []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise SnapshotError(
                    f"must be a string, got {_show(item)}",
                    self.location + pointer(key, i),
                    raw=self.doc,
                )
        return tuple(value)


_LISTINGS: Final[dict[str, tuple[str, str]]] = {
    # key: (list key in the CLI output, the command)
    "trails": ("trailList", "aws cloudtrail describe-trails"),
    "metricFilters": ("metricFilters", "aws logs describe-metric-filters"),
    "alarms": ("MetricAlarms", "aws cloudwatch describe-alarms"),
    "subscriptions": ("Subscriptions", "aws sns list-subscriptions"),
}
_TOKENS: Final = ("NextToken", "nextToken")


@dataclass
class _Listing:
    items: list[tuple[Any, str]] = field(default_factory=list)  # (entry, location)
    errors: list[SnapshotError] = field(default_factory=list)
    pages: list[Mapping[str, Any]] = field(default_factory=list)


def _read_listing(value: Any, key: str) -> _Listing:
    """Merge one page or a list of pages of a paginated CLI output."""
    list_key, command = _LISTINGS[key]
    out = _Listing()
    if isinstance(value, Mapping):
        pages = [(value, pointer(key))]
    elif isinstance(value, list):
        pages = [(page, pointer(key, i)) for i, page in enumerate(value)]
    else:
        out.errors.append(
            SnapshotError(
                f"expected the output of {command} (an object with {list_key}) or a list of its "
                f"pages, got {_show(value)}",
                pointer(key),
            )
        )
        return out
    if not pages:
        out.errors.append(SnapshotError(f"empty list of pages of {command}", pointer(key)))
        return out
    tokens: list[bool] = []
    for page, loc in pages:
        if not isinstance(page, Mapping) or not isinstance(page.get(list_key), list):
            hint = ""
            if isinstance(page, Mapping) and "Trails" in page and key == "trails":
                hint = " (this is list-trails output; describe-trails is needed)"
            out.errors.append(
                SnapshotError(
                    f"expected a page of {command} with a {list_key} list, got {_show(page)}{hint}",
                    loc,
                )
            )
            continue
        out.pages.append(page)
        tokens.append(_has_token(page))
        out.items.extend(
            (item, loc + pointer(list_key, i)) for i, item in enumerate(page[list_key])
        )
    if tokens and tokens[-1]:
        which = "every page" if all(tokens) else "the last page"
        out.errors.append(
            SnapshotError(
                f"incomplete listing: {which} of {command} carries a NextToken, so more "
                "pages exist; fetch them (or omit --max-items/--no-paginate)",
                pointer(key),
            )
        )
    return out


def _has_token(page: Mapping[str, Any]) -> bool:
    return any(page.get(t) for t in _TOKENS)


class ListingError(CWPatternError):
    """A document that is not the output of the ``describe-*`` command asked for."""


@dataclass(frozen=True)
class Listing:
    """The entries of a paginated ``describe-*`` output, pages merged in order.

    ``pages`` counts the pages read (0 for a bare list of entries); ``truncated`` is true
    when the last page carries a ``nextToken``: more entries exist than the input holds,
    so the absence of something proves nothing.
    """

    entries: tuple[Any, ...]
    pages: int = 0
    truncated: bool = False


def read_listing(doc: Any, key: str = "metricFilters") -> Listing:
    """The entries of ``aws logs describe-metric-filters`` (``key="metricFilters"``) or
    ``aws cloudwatch describe-alarms`` (``key="alarms"``) output, as ``cwpattern check``,
    ``check --benchmark``, ``lint`` and ``simulate`` read it: one page, a list of pages, a
    list of entries (``--query metricFilters``), or pages and entries mixed.  The entries
    are returned as they are (each reader checks its own fields); snapshots read their
    sections with the same page and ``nextToken`` rules (:func:`load_snapshot`).

    Raises:
        ListingError: an object that is not a page of that output, or a page whose list
            is not a list.

    >>> page = {"metricFilters": [{"filterName": "a"}], "nextToken": "more"}
    >>> read_listing([{"filterName": "z"}, page])
    Listing(entries=({'filterName': 'z'}, {'filterName': 'a'}), pages=1, truncated=True)
    >>> read_listing({"filters": []})
    Traceback (most recent call last):
    ...
    cwpattern.aws.snapshot.ListingError: expected the output of 'aws logs describe-metric-filters' \
(an object with a 'metricFilters' list)
    """
    list_key, command = _LISTINGS[key]
    if isinstance(doc, Mapping) and list_key not in doc:
        raise ListingError(
            f"expected the output of '{command}' (an object with a '{list_key}' list)"
        )
    entries: list[Any] = []
    pages, truncated = 0, False
    for item in doc if isinstance(doc, list) else [doc]:
        if isinstance(item, Mapping) and list_key in item:
            listed = item[list_key]
            if not isinstance(listed, list):
                raise ListingError(f"'{list_key}' is not a list")
            entries.extend(listed)
            pages, truncated = pages + 1, _has_token(item)
        else:
            entries.append(item)
    return Listing(tuple(entries), pages, truncated)


@dataclass(frozen=True)
class FilterDefinitions:
    """The filter definitions of a ``describe-metric-filters`` listing, pages merged in
    order (:func:`read_filter_definitions`): each entry a :class:`FilterDefinition`, or a
    pattern string as it is (a ``--query 'metricFilters[].filterPattern'`` list).
    ``pages`` and ``truncated`` are as in :class:`Listing`."""

    entries: tuple[FilterDefinition | str, ...]
    pages: int = 0
    truncated: bool = False


def read_filter_definitions(doc: Any) -> FilterDefinitions:
    """The filters of a ``describe-metric-filters`` listing (any shape
    :func:`read_listing` takes; a page among the entries, as in an account snapshot's
    ``metricFilters`` list of pages, is merged in its place), read loosely, as
    ``cwpattern check`` and ``lint`` need them: an entry may lack its log group, its transformations or even its pattern (each
    read by :func:`read_filter_definition`, located by its index in the merged entries,
    ``/0``); a string is a bare pattern.  The audit's reader is :func:`load_snapshot`,
    which requires every field of a deployed filter.

    Raises:
        ListingError: not such a listing, or an entry that is neither a pattern string
            nor an object.

    >>> page = {"metricFilters": [{"filterPattern": "ERROR"}, "WARN"], "nextToken": "t"}
    >>> read_filter_definitions(page)
    FilterDefinitions(entries=(FilterDefinition(pattern='ERROR', location='/0', name=None, \
log_group=None, transformations=()), 'WARN'), pages=1, truncated=True)
    """
    merged, pages, truncated = _merged_entries(doc)
    entries: list[FilterDefinition | str] = []
    for i, entry in enumerate(merged):
        if isinstance(entry, str):
            entries.append(entry)
        elif isinstance(entry, Mapping):
            entries.append(read_filter_definition(entry, pointer(i)))
        else:
            raise ListingError(
                f"item {i + 1}: expected a pattern string or a metric filter with a "
                "'filterPattern' string"
            )
    return FilterDefinitions(tuple(entries), pages, truncated)


def _merged_entries(doc: Any) -> tuple[list[Any], int, bool]:
    """The entries of a listing, with the entries of a page found among them (an account
    snapshot's ``metricFilters``: a list of pages) in its place; the pages read, and
    whether the last one read carries a ``nextToken``."""
    listing = read_listing(doc, "metricFilters")
    entries: list[Any] = []
    pages, truncated = listing.pages, listing.truncated
    for entry in listing.entries:
        if isinstance(entry, Mapping) and "metricFilters" in entry:
            inner, count, cut = _merged_entries(entry)
            entries.extend(inner)
            if count:
                pages, truncated = pages + count, cut
        else:
            entries.append(entry)
    return entries, pages, truncated


def read_filter_definition(doc: Any, location: str = "") -> FilterDefinition:
    """One filter definition: a ``describe-metric-filters`` entry (or an IaC resource's
    body, :class:`cwpattern.aws.iac.IacResource`), read loosely.  A field that is absent
    or null is ``None`` (``()`` for ``metricTransformations``); an :class:`Unknown` stays
    one; a field of the wrong type becomes an :class:`Unknown` that says so.  Other fields
    are not read.

    Raises:
        SnapshotError: ``doc`` is not an object.

    >>> d = read_filter_definition({"filterName": 7, "filterPattern": "ERROR",
    ...     "metricTransformations": [{"metricName": "Errors", "metricValue": 1}, "x"]})
    >>> d.name, d.log_group, d.transformation
    (unknown (filterName must be a string, got 7), None, \
MetricDefinition(metric_name='Errors', metric_namespace=None, metric_value='1'))
    >>> d.transformations[1]
    unknown (metricTransformations/1 must be an object, got 'x')
    """
    if not isinstance(doc, Mapping):
        raise SnapshotError(f"expected an object, got {_show(doc)}", location, raw=doc)
    raw = doc.get("metricTransformations")
    transformations: tuple[MetricDefinition | Unknown, ...] | Unknown
    if raw is None:
        transformations = ()
    elif isinstance(raw, Unknown):
        transformations = raw
    elif isinstance(raw, list):
        transformations = tuple(
            _metric_definition(t, f"metricTransformations/{i}") for i, t in enumerate(raw)
        )
    else:
        transformations = Unknown(f"metricTransformations must be a list, got {_show(raw)}")
    return FilterDefinition(
        pattern=_loose_text(doc.get("filterPattern"), "filterPattern"),
        location=location,
        name=_loose_text(doc.get("filterName"), "filterName"),
        log_group=_loose_text(doc.get("logGroupName"), "logGroupName"),
        transformations=transformations,
    )


def _metric_definition(doc: Any, where: str) -> MetricDefinition | Unknown:
    if isinstance(doc, Unknown):
        return doc
    if not isinstance(doc, Mapping):
        return Unknown(f"{where} must be an object, got {_show(doc)}")
    value = doc.get("metricValue")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = repr(value) if isinstance(value, float) else str(value)
    return MetricDefinition(
        _loose_text(doc.get("metricName"), f"{where}/metricName"),
        _loose_text(doc.get("metricNamespace"), f"{where}/metricNamespace"),
        _loose_text(value, f"{where}/metricValue"),
    )


def _loose_text(value: Any, path: str) -> str | Unknown | None:
    """A field of a filter definition: a string, ``None`` (absent or null), or
    :class:`Unknown` (given as one, or not a string)."""
    if value is None or isinstance(value, (str, Unknown)):
        return value
    return Unknown(f"{path} must be a string, got {_show(value)}")


def _read_trail(doc: Any, loc: str) -> Trail:
    e = _Entry(doc, loc)
    arn = e.text("TrailARN")
    return Trail(
        name=e.text("Name"),
        arn=arn,
        is_multi_region=e.flag("IsMultiRegionTrail"),
        home_region=e.text("HomeRegion", required=False),
        log_group_arn=e.text("CloudWatchLogsLogGroupArn", required=False) or None,
        is_organization_trail=bool(e.flag("IsOrganizationTrail", required=False)),
        location=loc,
    )


def _read_status(doc: Any, loc: str) -> TrailStatus:
    e = _Entry(doc, loc)
    error = e.doc.get("LatestCloudWatchLogsDeliveryError")
    return TrailStatus(
        is_logging=e.flag("IsLogging"),
        delivery_error=str(error) if error else None,
        location=loc,
    )


_SELECTOR_OPS: Final = (
    "Equals",
    "NotEquals",
    "StartsWith",
    "NotStartsWith",
    "EndsWith",
    "NotEndsWith",
)


def _read_selectors(doc: Any, loc: str) -> EventSelectors:
    e = _Entry(doc, loc)
    classic_raw = e.get("EventSelectors", list, "a list", required=False)
    advanced_raw = e.get("AdvancedEventSelectors", list, "a list", required=False)
    if classic_raw is None and advanced_raw is None:
        raise SnapshotError(
            "neither EventSelectors nor AdvancedEventSelectors: not get-event-selectors output",
            loc,
            raw=doc,
        )
    classic = []
    for i, sel in enumerate(classic_raw or []):
        s = _Entry(sel, loc + pointer("EventSelectors", i))
        rw = s.text("ReadWriteType", required=False)
        rw = "All" if rw is None else rw
        if rw not in ("ReadOnly", "WriteOnly", "All"):
            raise s.fail("ReadWriteType", f"must be ReadOnly, WriteOnly or All, got {rw!r}")
        include = s.flag("IncludeManagementEvents", required=False)
        classic.append(
            ClassicSelector(
                rw, True if include is None else include, s.texts("ExcludeManagementEventSources")
            )
        )
    advanced = []
    for i, sel in enumerate(advanced_raw or []):
        s = _Entry(sel, loc + pointer("AdvancedEventSelectors", i))
        fields_raw = s.get("FieldSelectors", list, "a list", required=True)
        fields = []
        for j, fs in enumerate(fields_raw):
            f = _Entry(fs, s.location + pointer("FieldSelectors", j))
            values = {op: f.texts(op) for op in _SELECTOR_OPS}
            fields.append(
                FieldSelector(
                    f.text("Field"),
                    values["Equals"],
                    values["NotEquals"],
                    values["StartsWith"],
                    values["NotStartsWith"],
                    values["EndsWith"],
                    values["NotEndsWith"],
                )
            )
        advanced.append(AdvancedSelector(s.text("Name", required=False), tuple(fields)))
    return EventSelectors(tuple(classic), tuple(advanced), loc)


def _read_filter(doc: Any, loc: str) -> MetricFilter:
    e = _Entry(doc, loc)
    raw = e.get("metricTransformations", list, "a list", required=True)
    if not raw:
        raise e.fail("metricTransformations", "empty: a metric filter has one transformation")
    transformations: list[MetricTransformation | InvalidTransformation] = []
    for i, t in enumerate(raw):
        te = _Entry(t, loc + pointer("metricTransformations", i))
        default = te.get("defaultValue", (int, float), "a number", required=False)
        if default is not None and finite_number(default) is None:
            raise te.fail("defaultValue", f"must be a finite number, got {_show(default)}")
        dims = te.get("dimensions", Mapping, "an object", required=False) or {}
        for name, value in dims.items():
            if not isinstance(value, str):
                raise SnapshotError(
                    f"must be a string, got {_show(value)}",
                    te.location + pointer("dimensions", name),
                    raw=doc,
                )
        fields = {
            "metric_name": te.text("metricName"),
            "metric_namespace": te.text("metricNamespace"),
            "metric_value": te.text("metricValue"),
            "default_value": finite_number(default),
            "dimensions": tuple(dims.items()),
        }
        unit = te.text("unit", required=False)
        try:
            valid = MetricTransformation(**fields, unit="None" if unit is None else unit)
        except MetricFilterError as err:
            transformations.append(InvalidTransformation(**fields, unit=unit, error=err))
        else:
            transformations.append(valid)
    if "filterPattern" not in e.doc:
        raise e.fail("filterPattern", "missing")
    pattern = e.get("filterPattern", str, "a string", required=False)
    if pattern is None:
        raise e.fail("filterPattern", "must be a string, got None")
    return MetricFilter(
        name=e.text("filterName"),
        log_group=e.text("logGroupName"),
        pattern=pattern,
        transformations=tuple(transformations),
        location=loc,
        apply_on_transformed_logs=bool(e.flag("applyOnTransformedLogs", required=False)),
        emit_system_field_dimensions=_system_dimensions(e),
        field_selection_criteria=_selection_criteria(e),
    )


def _system_dimensions(e: _Entry) -> tuple[str, ...] | Unknown:
    """``emitSystemFieldDimensions``: a list of strings (absent or empty: none), or the
    first :class:`Unknown` in it (which values are valid is the filter's check)."""
    value = e.doc.get("emitSystemFieldDimensions")
    found = _first_unknown(value, "")
    if found:
        return found[1]
    return e.texts("emitSystemFieldDimensions") if value else ()


def _selection_criteria(e: _Entry) -> str | Unknown | None:
    """``fieldSelectionCriteria``: a string (absent or empty: ``None``), or Unknown."""
    value = e.doc.get("fieldSelectionCriteria")
    if isinstance(value, Unknown):
        return value
    return e.text("fieldSelectionCriteria", required=False) or None


_ACTION_FIELDS: Final = ("AlarmActions", "OKActions", "InsufficientDataActions", "ActionsEnabled")


def _first_unknown(value: Any, path: str) -> tuple[str, Unknown] | None:
    """The location and value of the first Unknown inside ``value``, if any."""
    if isinstance(value, Unknown):
        return path, value
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _first_unknown(item, f"{path}/{i}")
            if found:
                return found
    return None


def _read_alarm(doc: Any, loc: str) -> AlarmEntry:
    e = _Entry(doc, loc)
    unknown = {k: u for k in _ACTION_FIELDS if (u := _first_unknown(e.doc.get(k), k))}
    body = {k: v for k, v in e.doc.items() if k not in unknown}
    for k, v in body.items():
        found = _first_unknown(v, k)
        if found:
            raise SnapshotError(repr(found[1]), f"{loc}/{found[0]}", raw=doc)
    try:
        alarm = Alarm.from_aws(body)
    except AlarmError as err:
        field_path = "".join(pointer(p) for p in re.split(r"[\[\]]+", err.field or "") if p)
        raise SnapshotError(err.msg, loc + field_path, raw=doc) from None
    if unknown:
        return AlarmEntry(alarm, loc, "; ".join(f"{path} is {u!r}" for path, u in unknown.values()))
    return AlarmEntry(alarm, loc)


def _read_subscription(doc: Any, loc: str) -> Subscription:
    e = _Entry(doc, loc)
    return Subscription(
        arn=e.text("SubscriptionArn"),
        topic_arn=e.text("TopicArn"),
        protocol=e.text("Protocol", required=False),
        endpoint=e.text("Endpoint", required=False),
        location=loc,
    )


def _section(
    doc: Mapping[str, Any], key: str, reader: Callable[[Any, str], T], label: Callable[[str], str]
) -> Section[T]:
    if key not in doc:
        return Section(
            key,
            False,
            (),
            (SnapshotError(f"missing: the snapshot has no {key} key", pointer(key)),),
        )
    listing = _read_listing(doc[key], key)
    items: list[T] = []
    unreadable = []
    raw: dict[str, Any] = {}
    for entry, loc in listing.items:
        raw[label(loc)] = entry
        try:
            items.append(reader(entry, label(loc)))
        except SnapshotError as err:
            unreadable.append(err)
    return Section(key, True, tuple(items), tuple(listing.errors), tuple(unreadable), raw)


@dataclass(frozen=True)
class _Keyed(Generic[T]):
    present: bool
    entries: Mapping[str, T | SnapshotError]
    errors: tuple[SnapshotError, ...]


def _keyed(doc: Mapping[str, Any], key: str, reader: Callable[[Any, str], T]) -> _Keyed[T]:
    if key not in doc:
        return _Keyed(
            False, {}, (SnapshotError(f"missing: the snapshot has no {key} key", pointer(key)),)
        )
    value = doc[key]
    if not isinstance(value, Mapping):
        err = SnapshotError(
            f"expected an object mapping trail ARN to output, got {_show(value)}", pointer(key)
        )
        return _Keyed(True, {}, (err,))
    entries: dict[str, T | SnapshotError] = {}
    errors = []
    for arn, body in value.items():
        try:
            entries[str(arn)] = reader(body, pointer(key, arn))
        except SnapshotError as err:
            entries[str(arn)] = err
            errors.append(err)
    return _Keyed(True, entries, tuple(errors))


class Snapshot:
    """A loaded snapshot.  Build it with :func:`load_snapshot`.

    Attributes:
        trails, metric_filters, alarms, subscriptions: :class:`Section` of typed records.
        composite_alarms: the raw ``CompositeAlarms`` entries of describe-alarms.
        problems: every :class:`SnapshotError` found (missing keys, unreadable entries,
            incomplete listings), in document order.
        warnings: unknown top-level keys and duplicate JSON keys (probably typos).
        metadata: the optional ``metadata`` object (written by ``cwpattern snapshot``);
            a malformed ``region`` or ``account`` is an :class:`Unknown` (and a problem).
    """

    def __init__(
        self,
        doc: Mapping[str, Any],
        *,
        labels: Mapping[str, str] | None = None,
        warnings: Iterable[str] = (),
    ) -> None:
        names = dict(labels or {})

        def label(loc: str) -> str:
            return names.get(loc, loc)

        self.raw = doc
        self.trails: Section[Trail] = _section(doc, "trails", _read_trail, label)
        self._status = _keyed(doc, "trailStatus", _read_status)
        self._selectors = _keyed(doc, "eventSelectors", _read_selectors)
        self.metric_filters: Section[MetricFilter] = _section(
            doc, "metricFilters", _read_filter, label
        )
        self.alarms: Section[AlarmEntry] = _section(doc, "alarms", _read_alarm, label)
        self.subscriptions: Section[Subscription] = _section(
            doc, "subscriptions", _read_subscription, label
        )
        composite: list[Mapping[str, Any]] = []
        if "alarms" in doc:
            for page in _read_listing(doc["alarms"], "alarms").pages:
                listed = page.get("CompositeAlarms")
                if isinstance(listed, list):
                    composite.extend(c for c in listed if isinstance(c, Mapping))
        self.composite_alarms: tuple[Mapping[str, Any], ...] = tuple(composite)
        self.metadata: Mapping[str, Any]
        self.metadata, meta_errors = _read_metadata(doc.get("metadata"))
        self.warnings: tuple[str, ...] = tuple(warnings) + tuple(
            f"unknown top-level key {k!r} ignored"
            for k in doc
            if k not in SECTIONS and k not in _OPTIONAL_KEYS
        )
        by_key = {
            "trails": self.trails.problems,
            "trailStatus": self._status.errors,
            "eventSelectors": self._selectors.errors,
            "metricFilters": self.metric_filters.problems,
            "alarms": self.alarms.problems,
            "subscriptions": self.subscriptions.problems,
        }
        self.problems: tuple[SnapshotError, ...] = tuple(meta_errors) + tuple(
            e for k in SECTIONS for e in by_key[k]
        )

    def _lookup(self, keyed: _Keyed[T], key: str, command: str, trail: Trail | str) -> T | Unknown:
        if not keyed.present:
            return Unknown(f"the snapshot has no {key} key")
        names = (trail.arn, trail.name) if isinstance(trail, Trail) else (trail,)
        for name in names:
            if name in keyed.entries:
                found = keyed.entries[name]
                if isinstance(found, SnapshotError):
                    return Unknown(str(found))
                return found
        if keyed.errors and not keyed.entries:
            return Unknown(str(keyed.errors[0]))
        return Unknown(f"no {command} output for {names[0]} under {pointer(key)}")

    def trail_status(self, trail: Trail | str) -> TrailStatus | Unknown:
        """The get-trail-status output for a trail (looked up by ARN, then by name)."""
        return self._lookup(self._status, "trailStatus", "get-trail-status", trail)

    def event_selectors(self, trail: Trail | str) -> EventSelectors | Unknown:
        """The get-event-selectors output for a trail (looked up by ARN, then by name)."""
        return self._lookup(self._selectors, "eventSelectors", "get-event-selectors", trail)

    def __repr__(self) -> str:
        return (
            f"<Snapshot trails={len(self.trails)} metric_filters={len(self.metric_filters)} "
            f"alarms={len(self.alarms)} subscriptions={len(self.subscriptions)} "
            f"problems={len(self.problems)}>"
        )


def _read_metadata(meta: Any) -> tuple[Mapping[str, Any], list[SnapshotError]]:
    """The optional ``metadata`` object and its problems.  ``region``/``account``, when
    present, must be non-empty strings (an audit uses them to tell which log groups the
    snapshot holds); a malformed one becomes :class:`Unknown`, never "absent"."""
    if meta is None:
        return {}, []
    if not isinstance(meta, Mapping):
        err = SnapshotError(f"must be an object, got {_show(meta)}", pointer("metadata"))
        return {"region": Unknown(str(err)), "account": Unknown(str(err))}, [err]
    out, errors = dict(meta), []
    for key in ("region", "account"):
        value = meta.get(key)
        if key in meta and (not isinstance(value, str) or not value):
            err = SnapshotError(
                f"must be a non-empty string, got {_show(value)}", pointer("metadata", key)
            )
            errors.append(err)
            out[key] = Unknown(str(err))
    return out, errors


def _pairs_hook(seen: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                seen.append(f"duplicate JSON key {k!r}: the last value is used")
            out[k] = v
        return out

    return hook


def loads_snapshot(
    data: str | bytes, name: str = "<stdin>", warnings: list[str] | None = None
) -> Any:
    """Decode the JSON text of a snapshot (duplicate keys are noted in ``warnings``).

    Raises:
        SnapshotError: not UTF-8, not JSON, or nested deeper than
            :data:`cwpattern.documents.MAX_DEPTH` levels, located at ``name``.
    """
    hook = _pairs_hook(warnings if warnings is not None else [])
    try:
        return loads(data, object_pairs_hook=hook)
    except DocumentError as e:
        raise SnapshotError(e.msg, f"{name}:{e.lineno}:{e.colno}" if e.lineno else name) from None


def load_snapshot(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    strict: bool = False,
    labels: Mapping[str, str] | None = None,
) -> Snapshot:
    """Load a snapshot from a JSON file path or an already decoded object.

    Args:
        strict: raise the first problem instead of recording it in ``problems``.
        labels: human names for entry locations (``{"/alarms/MetricAlarms/0":
            "aws_cloudwatch_metric_alarm.kms"}``), used by the IaC extractors.

    Raises:
        SnapshotError: the file cannot be read, is not JSON, nests deeper than
            :data:`cwpattern.documents.MAX_DEPTH` levels, or is not a JSON object, or its
            ``metadata`` is malformed; with ``strict``, also any missing key or malformed entry.
    """
    warnings: list[str] = []
    if isinstance(source, Mapping):
        doc: Any = source
        try:
            check_depth(doc)
        except DocumentError as e:
            raise SnapshotError(e.msg) from None
    else:
        try:
            with open(source, "rb") as fh:
                data = fh.read()
        except OSError as e:
            raise SnapshotError(
                f"cannot read the snapshot: {e.strerror or e}", os.fspath(source)
            ) from None
        doc = loads_snapshot(data, os.fspath(source), warnings)
    if not isinstance(doc, Mapping):
        raise SnapshotError(f"the snapshot must be a JSON object, got {type(doc).__name__}", "")
    snap = Snapshot(doc, labels=labels, warnings=warnings)
    if strict and snap.problems:
        raise snap.problems[0]
    return snap


# --- the checks that used to live here --------------------------------------------------------

#: Names that moved to :mod:`cwpattern.aws.checks` (trail, alarm and notification checks),
#: still importable from here.
_MOVED: Final = {
    "ManagementCoverage": "trail",
    "TrailFinding": "trail",
    "management_coverage": "trail",
    "qualifying_log_groups": "trail",
    "trail_findings": "trail",
    "AlarmLink": "alarm",
    "AlarmLinks": "alarm",
    "alarm_links": "alarm",
    "TopicCheck": "notification",
}


def __getattr__(name: str) -> object:
    """The checks that moved to :mod:`cwpattern.aws.checks`, imported on first use (they
    read snapshots: importing them here eagerly would be a cycle)."""
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f".checks.{_MOVED[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
