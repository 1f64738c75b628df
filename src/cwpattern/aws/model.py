"""What an AWS account holds, as typed records: the one model of the ``aws`` package.

Trails (:class:`Trail`, :class:`TrailStatus`, :class:`EventSelectors`), metric filters
(:class:`MetricFilter`, whose :class:`MetricTransformation` is validated as
``PutMetricFilter`` validates it, or is an :class:`InvalidTransformation` carrying the
error AWS would give), alarms (:class:`AlarmEntry`) and SNS subscriptions
(:class:`Subscription`).  What a snapshot or an IaC plan does not determine is an explicit
:class:`Unknown`, never a guess.  The readers (:mod:`cwpattern.aws.snapshot`, and
:mod:`cwpattern.aws.iac` through it) build these records; the checks read them.

Filters that publish to one metric (namespace *and* name) feed one alarm, so they cover a
control together; :func:`by_metric` is the one grouping.  The key is a pair, never a joined
string: namespaces and metric names may both contain ``/``.

>>> a = MetricTransformation("x/y", "CIS", "1")
>>> b = MetricTransformation("y", "CIS/x", "1")
>>> str(a.metric) == str(b.metric), a.metric == b.metric
(True, False)
>>> sorted(by_metric([a, b, a], key=lambda t: t.metric).values(), key=len)
[[MetricTransformation(metric_name='y', ...)], [MetricTransformation(metric_name='x/y', ...), \
MetricTransformation(metric_name='x/y', ...)]]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NamedTuple, TypeVar

from .. import ast
from ..documents import finite_number
from ..errors import MetricFilterError, PatternSyntaxError
from ..parser import NUMBER_RE, parse_selector
from .alarms import Alarm

__all__ = [
    "MAX_DIMENSIONS",
    "UNITS",
    "AdvancedSelector",
    "AlarmEntry",
    "ClassicSelector",
    "EventSelectors",
    "FieldSelector",
    "FilterDefinition",
    "InvalidTransformation",
    "MetricDefinition",
    "MetricFilter",
    "MetricKey",
    "MetricTransformation",
    "Reference",
    "Subscription",
    "Trail",
    "TrailStatus",
    "Unknown",
    "by_metric",
    "log_group_name",
    "pointer",
]

T = TypeVar("T")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the snapshot (or an IaC plan) does not determine, and why.

    Truth-testing it raises ``TypeError``: code must decide what "unknown" means.
    """

    reason: str

    def __repr__(self) -> str:
        return f"unknown ({self.reason})"

    def __bool__(self) -> bool:
        raise TypeError(f"the truth of an unknown value is undecided: {self.reason}")


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901): ``pointer("a", "x/y", 0) == "/a/x~1y/0"``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --- metrics ---------------------------------------------------------------------------

#: Units a metric transformation accepts (spec §7.1); ``None`` is the default unit.
UNITS: Final = (
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
    "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
    "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
    "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
)  # fmt: skip
#: Dimensions per metric filter, system-field dimensions included.
MAX_DIMENSIONS: Final = 3

_FORBIDDEN_METRIC_CHARS: Final = frozenset(":*$")
_FIELD_REF: Final = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_-]*|[1-9][0-9]*)")
_MAX_METRIC_VALUE: Final = 100
_MAX_NAME: Final = 255


class MetricKey(NamedTuple):
    """A CloudWatch metric: ``(namespace, name)``.  ``str()`` is ``namespace/name``, for
    display only (both parts may contain ``/``)."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


def by_metric(items: Iterable[T], key: Callable[[T], MetricKey | None]) -> dict[MetricKey, list[T]]:
    """Group ``items`` by the metric they publish to (``key`` returns ``None`` for an item
    that publishes to no known metric: it is left out), in first-seen order."""
    out: dict[MetricKey, list[T]] = {}
    for item in items:
        k = key(item)
        if k is not None:
            out.setdefault(k, []).append(item)
    return out


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed ``metricValue`` or dimension value (spec §7.2, §7.3).

    ``kind`` is ``"number"`` (``number`` holds the value), ``"selector"`` (``selector``
    holds the wildcard-free JSON selector) or ``"field"`` (``text`` is the
    ``extractedValues`` key, ``$name`` or ``$N``).
    """

    kind: Literal["number", "selector", "field"]
    text: str
    number: float | None = None
    selector: ast.Selector | None = None

    @property
    def family(self) -> str | None:
        """The pattern family the reference needs (``None`` for a number)."""
        return {"selector": "json", "field": "space-delimited"}.get(self.kind)

    @classmethod
    def parse(cls, text: str, *, allow_number: bool) -> Reference:
        """Parse a reference; raises ``ValueError`` saying what is wrong."""
        if allow_number and NUMBER_RE.fullmatch(text):
            value = float(text)
            if not math.isfinite(value):
                raise ValueError("the number is out of range")
            return cls("number", text, number=value)
        if text.startswith("$."):
            try:
                selector = parse_selector(text)
            except PatternSyntaxError as err:
                raise ValueError(f"bad selector: {err.msg} at column {err.colno}") from None
            if selector.has_wildcard:
                raise ValueError("a selector may not contain a wildcard")
            return cls("selector", text, selector=selector)
        if _FIELD_REF.fullmatch(text):
            return cls("field", text)
        if text.startswith("$"):
            raise ValueError(
                "after '$' comes '.' (a selector), a field name or a field number from 1"
            )
        raise ValueError("a literal is not a reference" if not allow_number else "not a reference")


def _invalid(code: str, msg: str, fld: str) -> MetricFilterError:
    return MetricFilterError(code, msg, fld)


def _check_metric_text(value: Any, fld: str, code: str) -> str:
    if not isinstance(value, str) or not value:
        raise _invalid(code, f"{fld} must be a non-empty string, got {_show(value)}", fld)
    if len(value) > _MAX_NAME:
        raise _invalid(code, f"{fld} is {len(value)} characters long; at most {_MAX_NAME}", fld)
    bad = sorted(set(value) & _FORBIDDEN_METRIC_CHARS)
    if bad:
        raise _invalid(code, f"{fld} {value!r} contains {', '.join(map(repr, bad))}", fld)
    return value


def _check_dimension_key(key: Any) -> str:
    fld = f"dimensions.{key}"
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= _MAX_NAME
        or not key.isascii()
        or not key.strip()
        or key.startswith(":")
    ):
        raise _invalid(
            "DIMENSION_KEY_INVALID",
            f"dimension name {_show(key)} must be 1-255 ASCII characters, not all blank, "
            "not starting with ':'",
            fld,
        )
    return key


@dataclass(frozen=True, slots=True)
class MetricTransformation:
    """One ``metricTransformations`` entry, validated (spec §7.1).

    ``dimensions`` is a tuple of ``(name, reference)`` pairs; ``unit`` defaults to
    ``"None"``.  Build it directly or with :meth:`from_aws`; both validate.

    >>> MetricTransformation("Kms", "CIS", "1", default_value=0).value.number
    1.0
    >>> MetricTransformation("Kms", "CIS", "1", default_value=0, dimensions=(("Key", "$.k"),))
    Traceback (most recent call last):
    ...
    cwpattern.errors.MetricFilterError: defaultValue cannot be combined with dimensions \
(field defaultValue)
    """

    metric_name: str
    metric_namespace: str
    metric_value: str
    default_value: float | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str = "None"
    value: Reference = field(init=False, repr=False, compare=False)
    dimension_refs: tuple[tuple[str, Reference], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_metric_text(self.metric_name, "metricName", "METRIC_NAME_INVALID")
        _check_metric_text(self.metric_namespace, "metricNamespace", "METRIC_NAMESPACE_INVALID")
        mv = self.metric_value
        if not isinstance(mv, str) or not mv:
            raise _invalid(
                "METRIC_VALUE_INVALID",
                f"metricValue must be a non-empty string, got {_show(mv)}",
                "metricValue",
            )
        if len(mv) > _MAX_METRIC_VALUE:
            raise _invalid(
                "METRIC_VALUE_INVALID",
                f"metricValue is {len(mv)} characters long; at most {_MAX_METRIC_VALUE}",
                "metricValue",
            )
        try:
            value = Reference.parse(mv, allow_number=True)
        except ValueError as err:
            raise _invalid(
                "METRIC_VALUE_INVALID",
                f"metricValue {mv!r} must be a number, a selector without wildcard, $name or "
                f"$N: {err}",
                "metricValue",
            ) from None
        default = self.default_value
        if default is not None:
            number = finite_number(default)
            if number is None:
                raise _invalid(
                    "DEFAULT_VALUE_INVALID",
                    f"defaultValue must be a finite number, got {_show(default)}",
                    "defaultValue",
                )
            object.__setattr__(self, "default_value", number)
        if not isinstance(self.dimensions, tuple):
            raise _invalid(
                "DIMENSIONS_INVALID",
                f"dimensions must be (name, reference) pairs, got {_show(self.dimensions)}",
                "dimensions",
            )
        if len(self.dimensions) > MAX_DIMENSIONS:
            raise _invalid(
                "TOO_MANY_DIMENSIONS",
                f"{len(self.dimensions)} dimensions; at most {MAX_DIMENSIONS}",
                "dimensions",
            )
        refs = []
        for pair in self.dimensions:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise _invalid(
                    "DIMENSIONS_INVALID",
                    f"expected a (name, reference) pair, got {_show(pair)}",
                    "dimensions",
                )
            key, ref = _check_dimension_key(pair[0]), pair[1]
            if not isinstance(ref, str) or not ref or len(ref) > _MAX_NAME:
                raise _invalid(
                    "DIMENSION_VALUE_INVALID",
                    f"dimension {key!r}: the value must be a reference of 1-255 characters, "
                    f"got {_show(ref)}",
                    f"dimensions.{key}",
                )
            try:
                refs.append((key, Reference.parse(ref, allow_number=False)))
            except ValueError as err:
                raise _invalid(
                    "DIMENSION_VALUE_INVALID",
                    f"dimension {key!r}: {ref!r} must be a selector without wildcard, $name or "
                    f"$N: {err}",
                    f"dimensions.{key}",
                ) from None
        if len({k for k, _ in refs}) != len(refs):
            raise _invalid("DIMENSIONS_INVALID", "duplicate dimension name", "dimensions")
        if default is not None and refs:
            raise _invalid(
                "DEFAULT_WITH_DIMENSIONS",
                "defaultValue cannot be combined with dimensions",
                "defaultValue",
            )
        if self.unit not in UNITS:
            raise _invalid("UNIT_INVALID", f"unknown unit {_show(self.unit)}", "unit")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "dimension_refs", tuple(refs))

    @property
    def metric(self) -> MetricKey:
        """The metric this transformation publishes to."""
        return MetricKey(self.metric_namespace, self.metric_name)

    @classmethod
    def from_aws(cls, doc: Mapping[str, Any]) -> MetricTransformation:
        """Read one entry of ``metricTransformations`` (``describe-metric-filters`` or the
        ``PutMetricFilter`` request).  Unknown fields are ignored.  A number given as
        ``metricValue`` (as in CloudFormation) is read as its text.

        Raises:
            MetricFilterError: with the code and field of the first problem.
        """
        if not isinstance(doc, Mapping):
            raise _invalid(
                "TRANSFORMATION_INVALID",
                f"a metric transformation is an object, got {_show(doc)}",
                "metricTransformations",
            )
        value = doc.get("metricValue")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = repr(value) if isinstance(value, float) else str(value)
        dims = doc.get("dimensions") or {}
        if not isinstance(dims, Mapping):
            raise _invalid(
                "DIMENSIONS_INVALID",
                f"dimensions must be an object of name to reference, got {_show(dims)}",
                "dimensions",
            )
        unit = doc.get("unit")
        return cls(
            metric_name=doc.get("metricName"),  # type: ignore[arg-type]  # validated
            metric_namespace=doc.get("metricNamespace"),  # type: ignore[arg-type]
            metric_value=value,  # type: ignore[arg-type]
            default_value=doc.get("defaultValue"),
            dimensions=tuple(dims.items()),
            unit="None" if unit is None else unit,
        )

    def to_aws(self) -> dict[str, Any]:
        """The ``describe-metric-filters`` shape (``unit`` only when not ``None``)."""
        return _transformation_doc(self, None if self.unit == "None" else self.unit)


@dataclass(frozen=True, slots=True)
class InvalidTransformation:
    """A ``metricTransformations`` entry whose fields have the right types but that
    ``PutMetricFilter`` rejects (``error`` says why, as :class:`MetricTransformation` would).

    A snapshot of IaC not yet deployed can hold one; it publishes nothing.
    """

    metric_name: str
    metric_namespace: str
    metric_value: str
    default_value: float | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    error: MetricFilterError | None = field(default=None, compare=False, repr=False)

    @property
    def metric(self) -> MetricKey:
        return MetricKey(self.metric_namespace, self.metric_name)

    def to_aws(self) -> dict[str, Any]:
        """The ``describe-metric-filters`` shape (``unit`` only when given)."""
        return _transformation_doc(self, self.unit)


def _transformation_doc(
    t: MetricTransformation | InvalidTransformation, unit: str | None
) -> dict[str, Any]:
    """The ``describe-metric-filters`` shape of a transformation, valid or not; ``unit`` is
    left out when ``None``."""
    out: dict[str, Any] = {
        "metricName": t.metric_name,
        "metricNamespace": t.metric_namespace,
        "metricValue": t.metric_value,
    }
    if t.default_value is not None:
        out["defaultValue"] = t.default_value
    if t.dimensions:
        out["dimensions"] = dict(t.dimensions)
    if unit is not None:
        out["unit"] = unit
    return out


# --- account records -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trail:
    """One ``trailList`` entry of ``describe-trails``."""

    name: str
    arn: str
    is_multi_region: bool
    home_region: str | None
    log_group_arn: str | None
    is_organization_trail: bool
    location: str

    @property
    def log_group_name(self) -> str | None:
        return log_group_name(self.log_group_arn) if self.log_group_arn else None


@dataclass(frozen=True, slots=True)
class TrailStatus:
    """``get-trail-status`` of one trail (the fields the audit uses)."""

    is_logging: bool
    delivery_error: str | None
    location: str


@dataclass(frozen=True, slots=True)
class ClassicSelector:
    """One ``EventSelectors`` entry."""

    read_write_type: str
    include_management_events: bool
    excluded_sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """One ``FieldSelectors`` entry of an advanced event selector."""

    field: str
    equals: tuple[str, ...] = ()
    not_equals: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdvancedSelector:
    """One ``AdvancedEventSelectors`` entry: its field selectors are AND-ed."""

    name: str | None
    fields: tuple[FieldSelector, ...]


@dataclass(frozen=True, slots=True)
class EventSelectors:
    """``get-event-selectors`` of one trail (either shape)."""

    classic: tuple[ClassicSelector, ...]
    advanced: tuple[AdvancedSelector, ...]
    location: str


@dataclass(frozen=True, slots=True)
class MetricFilter:
    """One ``metricFilters`` entry of ``describe-metric-filters`` (at least one
    transformation; each validated as ``PutMetricFilter`` does).

    ``emit_system_field_dimensions`` (``emitSystemFieldDimensions``) and
    ``field_selection_criteria`` (``fieldSelectionCriteria``, ``None`` when absent or
    empty) are as the entry gives them, or :class:`Unknown` when an IaC plan does not
    determine them; :meth:`cwpattern.aws.publish.MetricFilter.from_record` validates the
    whole filter.
    """

    name: str
    log_group: str
    pattern: str
    transformations: tuple[MetricTransformation | InvalidTransformation, ...]
    location: str
    apply_on_transformed_logs: bool = False
    emit_system_field_dimensions: tuple[str, ...] | Unknown = ()
    field_selection_criteria: str | Unknown | None = None

    @property
    def metric(self) -> MetricKey:
        """The metric its (first) transformation publishes to: filters on one metric
        feed one alarm, so they cover a control together (:func:`by_metric`)."""
        return self.transformations[0].metric

    @property
    def unknown(self) -> tuple[str, Unknown] | None:
        """The first field not known before deployment, as (JSON pointer in the entry,
        :class:`Unknown`), or ``None``.

        >>> MetricFilter("f", "g", "", (), "/f", field_selection_criteria=Unknown("x")).unknown
        ('/fieldSelectionCriteria', unknown (x))
        """
        for key, value in (
            ("emitSystemFieldDimensions", self.emit_system_field_dimensions),
            ("fieldSelectionCriteria", self.field_selection_criteria),
        ):
            if isinstance(value, Unknown):
                return pointer(key), value
        return None


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """One ``metricTransformations`` entry as a filter *definition* gives it, not validated
    (:func:`cwpattern.aws.snapshot.read_filter_definition` reads it): each field is its
    text (a number given as ``metricValue`` is read as its text), ``None`` when absent or
    null, or :class:`Unknown` (not known before deployment, or not a string: the reason
    says which)."""

    metric_name: str | Unknown | None = None
    metric_namespace: str | Unknown | None = None
    metric_value: str | Unknown | None = None

    @property
    def metric(self) -> MetricKey | None:
        """The metric it publishes to, when its name is a non-empty string and its
        namespace a string or absent (``""``); ``None`` otherwise.

        >>> MetricDefinition("Kms").metric, MetricDefinition(Unknown("x"), "CIS").metric
        (MetricKey(namespace='', name='Kms'), None)
        """
        name, namespace = self.metric_name, self.metric_namespace
        if not isinstance(name, str) or not name or isinstance(namespace, Unknown):
            return None
        return MetricKey(namespace or "", name)


@dataclass(frozen=True, slots=True)
class FilterDefinition:
    """A metric filter as a *definition* gives it: a ``describe-metric-filters`` entry, or
    a filter of a listing that users write by hand or an IaC resource, in which only the
    pattern is needed (no log group, no transformation: a bare filter definition).
    :func:`cwpattern.aws.snapshot.read_filter_definition` reads it, for ``cwpattern check``
    and ``lint``; :class:`MetricFilter` is the deployed filter the audit reads.

    Each field is its value, ``None`` when absent (or null), or :class:`Unknown` when not
    known before deployment or of the wrong type (the reason says which): nothing is
    dropped silently.  ``transformations`` is :class:`Unknown` when the field is not a
    list; an entry of it that is not an object is :class:`Unknown`.  ``location`` says
    where the entry was read.
    """

    pattern: str | Unknown | None
    location: str = ""
    name: str | Unknown | None = None
    log_group: str | Unknown | None = None
    transformations: tuple[MetricDefinition | Unknown, ...] | Unknown = ()

    @property
    def transformation(self) -> MetricDefinition | None:
        """The first transformation, when there is one and it is an object."""
        if isinstance(self.transformations, Unknown) or not self.transformations:
            return None
        first = self.transformations[0]
        return first if isinstance(first, MetricDefinition) else None


@dataclass(frozen=True, slots=True)
class AlarmEntry:
    """One ``MetricAlarms`` entry.  ``actions_unknown`` explains unknown action fields
    (IaC values known only after apply); the alarm then has no actions recorded."""

    alarm: Alarm
    location: str
    actions_unknown: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """One ``Subscriptions`` entry of ``sns list-subscriptions``."""

    arn: str
    topic_arn: str
    protocol: str | None
    endpoint: str | None
    location: str

    @property
    def confirmed(self) -> bool:
        """Confirmed: the SubscriptionArn is a real ARN, not PendingConfirmation/Deleted."""
        return self.arn.startswith("arn:")


def log_group_name(arn: str) -> str | None:
    """The log group name in a log group ARN (``...:log-group:NAME`` or ``...:NAME:*``).

    >>> log_group_name("arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/Default:*")
    'CloudTrail/Default'
    """
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
        return None
    name = parts[6].removesuffix(":*")
    return name or None
