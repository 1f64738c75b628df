"""Metric filters: a pattern plus one metric transformation, and the datapoints they publish.

A CloudWatch Logs metric filter turns every log event that matches its pattern into one
datapoint of a CloudWatch metric (spec §7).  The transformation is validated as
``PutMetricFilter`` does (:class:`cwpattern.aws.model.MetricTransformation`, errors are
:class:`~cwpattern.MetricFilterError` with a stable ``code``); this module validates the
filter around it (:meth:`MetricFilter.from_aws` for an entry,
:meth:`MetricFilter.from_record` for a snapshot's record), resolves ``metricValue``
and dimension references against a message (``1``, ``$.latency``, ``$bytes``, ``$7``),
and turns timestamped log events into :class:`~cwpattern.aws.alarms.Datapoint` objects
(:func:`datapoints`) that :mod:`cwpattern.aws.alarms` evaluates.

>>> mf = MetricFilter('[ip, user, ..., status = 404, bytes]',
...                   MetricTransformation("NotFoundBytes", "Web", "$bytes"))
>>> mf.evaluate('10.0.0.1 ana GET /x 404 77')
Outcome(matched=True, value=77.0, dimensions=(), reason=None)
>>> [(d.timestamp, d.value) for d in datapoints(mf, [(60.0, '10.0.0.1 ana GET /x 404 77'),
...                                                 (61.5, '10.0.0.1 ana GET / 200 12')])]
[(60.0, 77.0)]
>>> MetricTransformation.from_aws({"metricName": "Errors", "metricNamespace": "App",
...                                "metricValue": "$.items[*]"})
Traceback (most recent call last):
...
cwpattern.errors.MetricFilterError: metricValue '$.items[*]' must be a number, a selector \
without wildcard, $name or $N: a selector may not contain a wildcard (field metricValue)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .. import ast
from ..errors import CWPatternError, MetricFilterError
from ..jsondoc import JsonNumber, decode
from ..parser import NUMBER_RE
from ..pattern import CompiledPattern, compile
from ..selectors import select
from ..sources import LogEvent
from . import model
from .alarms import Datapoint
from .model import MAX_DIMENSIONS, UNITS, MetricTransformation, Reference

__all__ = [
    "CODES",
    "MAX_DIMENSIONS",
    "SYSTEM_FIELDS",
    "UNITS",
    "FilterStats",
    "MetricFilter",
    "MetricTransformation",
    "Outcome",
    "Reference",
    "datapoints",
]

#: System fields ``emitSystemFieldDimensions`` may publish as dimensions.
SYSTEM_FIELDS: Final = ("@aws.account", "@aws.region", "@source.log")
#: Every ``MetricFilterError.code`` this module (and :mod:`cwpattern.aws.model`) raises.
CODES: Final[dict[str, str]] = {
    "FILTER_NAME_INVALID": "filterName missing, not 1-512 characters, or containing ':' or '*'",
    "TRANSFORMATION_COUNT": "a metric filter has exactly one metric transformation",
    "TRANSFORMATION_INVALID": "a metric transformation that is not an object",
    "METRIC_NAME_INVALID": "metricName missing, not 1-255 characters, or containing ':', '*' or '$'",
    "METRIC_NAMESPACE_INVALID": "metricNamespace missing, not 1-255 characters, or containing ':', '*' or '$'",
    "METRIC_VALUE_INVALID": "metricValue missing, over 100 characters, or not a number, a selector without wildcard, $name or $N",
    "DEFAULT_VALUE_INVALID": "defaultValue that is not a finite number",
    "DEFAULT_WITH_DIMENSIONS": "defaultValue together with dimensions (system-field dimensions included)",
    "DIMENSIONS_INVALID": "dimensions that is not an object of name to reference",
    "TOO_MANY_DIMENSIONS": "more than 3 dimensions, system-field dimensions included",
    "DIMENSION_KEY_INVALID": "a dimension name that is not 1-255 ASCII characters with a non-blank, or starts with ':'",
    "DIMENSION_VALUE_INVALID": "a dimension value that is not a selector without wildcard, $name or $N",
    "DIMENSIONS_NOT_SUPPORTED": "dimensions with a term, regex or match-all pattern",
    "SYSTEM_DIMENSION_INVALID": "emitSystemFieldDimensions with a value other than @aws.account, @aws.region, @source.log",
    "UNIT_INVALID": "a unit CloudWatch does not know",
    "SYSTEM_FIELD_UNKNOWN": "a system-field dimension whose value (account, region, log group) was not supplied",
    "NOT_SIMULATED": "fieldSelectionCriteria or applyOnTransformedLogs: not simulated",
}

_MAX_FILTER_NAME: Final = 512
_STRUCTURED: Final = ("json", "space-delimited")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- references ----------------------------------------------------------------------------


def _number(node: Any) -> float | None:
    """A metric value from a JSON leaf or extracted text (§7.2), or None."""
    if isinstance(node, JsonNumber):
        value = node.value
    elif isinstance(node, str) and NUMBER_RE.fullmatch(node):
        value = float(node)
    else:
        return None
    return value if math.isfinite(value) else None


def _dimension_text(node: Any) -> str | None:
    """A dimension value from a JSON leaf or extracted text (§7.3), or None."""
    if isinstance(node, JsonNumber):
        return node.text
    if isinstance(node, str) and node:
        return node
    return None


# --- the transformation ------------------------------------------------------------------


def _invalid(code: str, msg: str, fld: str) -> MetricFilterError:
    return MetricFilterError(code, msg, fld)


# --- the filter ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one message does to the metric.

    ``value`` is the datapoint value, or ``None`` when nothing is published: the message
    does not match and there is no default, or it matches but its value or a dimension
    cannot be resolved (``reason`` says which).
    """

    matched: bool
    value: float | None
    dimensions: tuple[tuple[str, str], ...] = ()
    reason: str | None = None


@dataclass
class FilterStats:
    """Counts of one :func:`datapoints` run; ``unresolved`` counts matching events that
    published nothing, by reason."""

    events: int = 0
    matched: int = 0
    published: int = 0
    defaults: int = 0
    unresolved: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "matched": self.matched,
            "published": self.published,
            "defaults": self.defaults,
            "unresolved": dict(sorted(self.unresolved.items())),
        }


def _filter_name(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= _MAX_FILTER_NAME
        or ":" in value
        or "*" in value
    ):
        raise _invalid(
            "FILTER_NAME_INVALID",
            f"filterName must be 1-512 characters without ':' or '*', got {_show(value)}",
            "filterName",
        )
    return value


@dataclass(frozen=True)
class MetricFilter:
    """A filter pattern with its metric transformation.

    ``pattern`` may be given as text; it is compiled (``PatternSyntaxError`` for a bad
    pattern).  ``system_dimensions`` is ``emitSystemFieldDimensions``.  Filters with
    ``field_selection_criteria`` or ``apply_on_transformed_logs`` can be built and
    inspected but not simulated.
    """

    pattern: CompiledPattern
    transformation: MetricTransformation
    name: str | None = None
    log_group: str | None = None
    system_dimensions: tuple[str, ...] = ()
    field_selection_criteria: str | None = None
    apply_on_transformed_logs: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.pattern, str):
            object.__setattr__(self, "pattern", compile(self.pattern))
        elif not isinstance(self.pattern, CompiledPattern):
            raise TypeError(f"pattern must be text or compiled, not {type(self.pattern).__name__}")
        t = self.transformation
        if not isinstance(t, MetricTransformation):
            raise TypeError("transformation must be a MetricTransformation")
        for sys_field in self.system_dimensions:
            if sys_field not in SYSTEM_FIELDS:
                raise _invalid(
                    "SYSTEM_DIMENSION_INVALID",
                    f"{_show(sys_field)} is not one of {', '.join(SYSTEM_FIELDS)}",
                    "emitSystemFieldDimensions",
                )
        if len(set(self.system_dimensions)) != len(self.system_dimensions):
            raise _invalid(
                "SYSTEM_DIMENSION_INVALID",
                "a system field is listed twice",
                "emitSystemFieldDimensions",
            )
        total = len(t.dimensions) + len(self.system_dimensions)
        if total > MAX_DIMENSIONS:
            raise _invalid(
                "TOO_MANY_DIMENSIONS",
                f"{len(t.dimensions)} dimensions plus {len(self.system_dimensions)} system-field "
                f"dimensions; at most {MAX_DIMENSIONS} in all",
                "dimensions",
            )
        if t.default_value is not None and self.system_dimensions:
            raise _invalid(
                "DEFAULT_WITH_DIMENSIONS",
                "defaultValue cannot be combined with system-field dimensions",
                "defaultValue",
            )
        if t.dimensions and self.pattern.family not in _STRUCTURED:
            raise _invalid(
                "DIMENSIONS_NOT_SUPPORTED",
                f"the filter pattern does not support dimensions ({self.pattern.family} pattern)",
                "dimensions",
            )

    @classmethod
    def from_aws(cls, doc: Mapping[str, Any]) -> MetricFilter:
        """Read one ``metricFilters`` entry of ``aws logs describe-metric-filters``.

        ``filterName`` and ``logGroupName`` are optional here (a bare PutMetricFilter
        body works too); a missing ``filterPattern`` is the empty (match-all) pattern only
        when the key is present with an empty string.

        Raises:
            MetricFilterError: an invalid transformation or filter field.
            PatternSyntaxError: an invalid filter pattern.
        """
        if not isinstance(doc, Mapping):
            raise CWPatternError(f"a metric filter is an object, got {_show(doc)}")
        name = doc.get("filterName")
        if name is not None:
            _filter_name(name)
        pattern = doc.get("filterPattern")
        if not isinstance(pattern, str):
            raise CWPatternError(f"filterPattern must be a string, got {_show(pattern)}")
        transformations = doc.get("metricTransformations")
        if not isinstance(transformations, list) or len(transformations) != 1:
            count = (
                len(transformations)
                if isinstance(transformations, list)
                else _show(transformations)
            )
            raise _invalid(
                "TRANSFORMATION_COUNT",
                f"a metric filter has exactly one metric transformation, got {count}",
                "metricTransformations",
            )
        transformation = MetricTransformation.from_aws(transformations[0])
        system = doc.get("emitSystemFieldDimensions") or []
        if not isinstance(system, list):
            raise _invalid(
                "SYSTEM_DIMENSION_INVALID",
                f"emitSystemFieldDimensions must be a list, got {_show(system)}",
                "emitSystemFieldDimensions",
            )
        criteria = doc.get("fieldSelectionCriteria") or None
        log_group = doc.get("logGroupName")
        return cls(
            pattern,  # type: ignore[arg-type]  # compiled in __post_init__
            transformation,
            name=name,
            log_group=log_group if isinstance(log_group, str) else None,
            system_dimensions=tuple(system),
            field_selection_criteria=str(criteria) if criteria is not None else None,
            apply_on_transformed_logs=doc.get("applyOnTransformedLogs") is True,
        )

    @classmethod
    def from_record(cls, record: model.MetricFilter) -> MetricFilter:
        """The filter a snapshot record defines (:class:`cwpattern.aws.model.MetricFilter`,
        as :mod:`cwpattern.aws.snapshot` reads it), validated as ``PutMetricFilter``
        validates it: the checks and errors of :meth:`from_aws` on the entry it was read
        from.

        Raises:
            MetricFilterError: an invalid transformation or filter field.
            PatternSyntaxError: an invalid filter pattern.
            CWPatternError: a field not known before deployment (:attr:`record.unknown
                <cwpattern.aws.model.MetricFilter.unknown>`).

        >>> from cwpattern.aws.snapshot import load_snapshot
        >>> entry = {"filterName": "kms", "logGroupName": "trail", "filterPattern": "",
        ...          "metricTransformations": [{"metricName": "Kms",
        ...                                     "metricNamespace": "CIS", "metricValue": "1"}],
        ...          "emitSystemFieldDimensions": ["@aws.region"]}
        >>> record, = load_snapshot({"metricFilters": {"metricFilters": [entry]}}).metric_filters
        >>> MetricFilter.from_record(record).dimension_names
        ('@aws.region',)
        """
        system, criteria = record.emit_system_field_dimensions, record.field_selection_criteria
        if isinstance(system, model.Unknown) or isinstance(criteria, model.Unknown):
            where, what = record.unknown or ("", system)
            raise CWPatternError(f"{record.location}{where} is {what!r}: the filter is not known")
        _filter_name(record.name)
        if len(record.transformations) != 1:
            raise _invalid(
                "TRANSFORMATION_COUNT",
                "a metric filter has exactly one metric transformation, got "
                f"{len(record.transformations)}",
                "metricTransformations",
            )
        t = record.transformations[0]
        transformation = (
            t
            if isinstance(t, MetricTransformation)
            else MetricTransformation(  # raises the error the reader recorded
                t.metric_name,
                t.metric_namespace,
                t.metric_value,
                t.default_value,
                t.dimensions,
                "None" if t.unit is None else t.unit,
            )
        )
        return cls(
            record.pattern,  # type: ignore[arg-type]  # compiled in __post_init__
            transformation,
            name=record.name,
            log_group=record.log_group,
            system_dimensions=system,
            field_selection_criteria=criteria,
            apply_on_transformed_logs=record.apply_on_transformed_logs,
        )

    def to_aws(self) -> dict[str, Any]:
        """The ``describe-metric-filters`` entry shape."""
        out: dict[str, Any] = {}
        if self.name is not None:
            out["filterName"] = self.name
        out["filterPattern"] = self.pattern.pattern
        out["metricTransformations"] = [self.transformation.to_aws()]
        if self.log_group is not None:
            out["logGroupName"] = self.log_group
        if self.system_dimensions:
            out["emitSystemFieldDimensions"] = list(self.system_dimensions)
        if self.field_selection_criteria:
            out["fieldSelectionCriteria"] = self.field_selection_criteria
        if self.apply_on_transformed_logs:
            out["applyOnTransformedLogs"] = True
        return out

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """The dimension names of the published metric (system fields included)."""
        return tuple(k for k, _ in self.transformation.dimensions) + self.system_dimensions

    def warnings(self) -> list[str]:
        """References that can never resolve with this pattern (spec §7.2: accepted by
        AWS, but the filter then never publishes a datapoint for a matching event)."""
        out = []
        refs = [("metricValue", self.transformation.value)] + [
            (f"dimension {k!r}", r) for k, r in self.transformation.dimension_refs
        ]
        names = _named_fields(self.pattern.ast)
        for what, ref in refs:
            if ref.family is not None and ref.family != self.pattern.family:
                out.append(
                    f"{what} {ref.text} needs a {ref.family} pattern, but the pattern is "
                    f"{self.pattern.family}: matching events publish nothing"
                )
            elif (
                ref.kind == "field"
                and names is not None
                and not ref.text[1].isdigit()
                and ref.text[1:] not in names
            ):
                out.append(
                    f"{what} {ref.text}: the pattern has no field named {ref.text[1:]!r}: "
                    "matching events publish nothing"
                )
        return out

    def evaluate(self, message: str | bytes, *, system: Mapping[str, str] | None = None) -> Outcome:
        """The datapoint one message publishes (spec §7.4), without a timestamp.

        Args:
            system: values of the system fields (``{"@aws.account": "123..."}``), needed
                when the filter emits system-field dimensions.
        """
        t = self.transformation
        extracted = self.pattern.extract(message)
        if extracted is None:
            return Outcome(False, t.default_value)
        doc: Any = None
        if self.pattern.family == "json" and (
            t.value.kind == "selector" or any(r.kind == "selector" for _, r in t.dimension_refs)
        ):
            doc = decode(message)

        def resolve(ref: Reference) -> tuple[Any, str | None]:
            """(node, None) or (None, why it cannot be resolved)."""
            if ref.family != self.pattern.family:
                return None, f"needs a {ref.family} pattern"
            if ref.kind == "selector":
                assert ref.selector is not None
                nodes = select(ref.selector, doc) if doc is not None else []
                return (nodes[0], None) if nodes else (None, "no such field")
            if ref.text not in extracted:
                return None, "no such field"
            return extracted[ref.text], None

        value = t.value.number
        if value is None:
            node, why = resolve(t.value)
            value = None if why else _number(node)
            if value is None:
                why = why or f"not a number: {_show(_plain(node))}"
                return Outcome(True, None, reason=f"metricValue {t.metric_value}: {why}")
        dims: list[tuple[str, str]] = []
        for key, ref in t.dimension_refs:
            node, why = resolve(ref)
            text = None if why else _dimension_text(node)
            if text is None:
                why = why or f"not a string or number: {_show(_plain(node))}"
                return Outcome(True, None, reason=f"dimension {key} ({ref.text}): {why}")
            dims.append((key, text))
        for sys_field in self.system_dimensions:
            text = (system or {}).get(sys_field)
            if not text:
                raise _invalid(
                    "SYSTEM_FIELD_UNKNOWN",
                    f"the filter emits the system field {sys_field} as a dimension; supply its "
                    "value",
                    "emitSystemFieldDimensions",
                )
            dims.append((sys_field, text))
        return Outcome(True, value, tuple(dims))

    def check_simulated(self) -> None:
        """Raise ``MetricFilterError(NOT_SIMULATED)`` for options this module cannot simulate."""
        if self.field_selection_criteria:
            raise _invalid(
                "NOT_SIMULATED",
                "fieldSelectionCriteria selects events on system fields; not simulated",
                "fieldSelectionCriteria",
            )
        if self.apply_on_transformed_logs:
            raise _invalid(
                "NOT_SIMULATED",
                "the filter applies to transformed logs; log transformation is not simulated",
                "applyOnTransformedLogs",
            )


def _plain(node: Any) -> Any:
    return node.text if isinstance(node, JsonNumber) else node


def _named_fields(tree: ast.Pattern) -> frozenset[str] | None:
    """Field names of a space-delimited pattern (None for other families)."""
    if not isinstance(tree, ast.DelimitedPattern):
        return None
    return frozenset(
        e.name for e in tree.entries if isinstance(e, ast.Field) and e.name is not None
    )


# --- events to datapoints --------------------------------------------------------------------

TimedEvent = LogEvent | tuple[float, str | bytes]


def _timed(event: Any) -> tuple[float, str | bytes, str]:
    """(seconds, message, location) of a LogEvent (ms) or a ``(seconds, message)`` pair."""
    if isinstance(event, LogEvent):
        if event.timestamp is None:
            raise CWPatternError(
                f"{event.location}: the event has no timestamp (give filter-log-events "
                "output or CloudTrail records with eventTime)"
            )
        return event.timestamp / 1000.0, event.message, event.location
    if isinstance(event, tuple) and len(event) == 2:
        ts, message = event
        if (
            isinstance(ts, (int, float))
            and not isinstance(ts, bool)
            and math.isfinite(ts)
            and isinstance(message, (str, bytes))
        ):
            return float(ts), message, f"event at {ts}"
    raise CWPatternError(f"expected a LogEvent or a (seconds, message) pair, got {_show(event)}")


def datapoints(
    metric_filter: MetricFilter,
    events: Iterable[TimedEvent],
    *,
    system: Mapping[str, str] | None = None,
    stats: FilterStats | None = None,
) -> list[Datapoint]:
    """The datapoints ``metric_filter`` publishes for timestamped ``events`` (spec §7.4).

    One datapoint per matching event whose value and dimensions resolve; with a
    ``defaultValue``, one datapoint of that value per non-matching event; nothing for a
    matching event that cannot be resolved (counted in ``stats.unresolved``).

    Args:
        events: :class:`~cwpattern.sources.LogEvent` objects (``timestamp`` in
            milliseconds, as :func:`cwpattern.sources.iter_events` yields them) or
            ``(seconds, message)`` pairs.  Datapoint timestamps are in seconds.
        system: system-field values for ``emitSystemFieldDimensions``; ``@source.log``
            defaults to the filter's log group.
        stats: filled with counts when given.

    Raises:
        MetricFilterError: ``NOT_SIMULATED`` / ``SYSTEM_FIELD_UNKNOWN``.
        CWPatternError: an event without a timestamp (it cannot be placed in a period).
    """
    metric_filter.check_simulated()
    fields = dict(system or {})
    if metric_filter.log_group and "@source.log" not in fields:
        fields["@source.log"] = metric_filter.log_group
    unit = metric_filter.transformation.unit
    out: list[Datapoint] = []
    counts = {"events": 0, "matched": 0, "published": 0, "defaults": 0}
    unresolved: dict[str, int] = {}
    for event in events:
        ts, message, _ = _timed(event)
        counts["events"] += 1
        outcome = metric_filter.evaluate(message, system=fields)
        if outcome.matched:
            counts["matched"] += 1
        if outcome.value is None:
            if outcome.reason:
                unresolved[outcome.reason] = unresolved.get(outcome.reason, 0) + 1
            continue
        counts["published" if outcome.matched else "defaults"] += 1
        out.append(Datapoint(ts, outcome.value, unit, outcome.dimensions))
    if stats is not None:
        for key, value in counts.items():
            setattr(stats, key, getattr(stats, key) + value)
        for key, value in unresolved.items():
            stats.unresolved[key] = stats.unresolved.get(key, 0) + value
    return out
