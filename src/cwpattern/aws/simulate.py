"""A metric filter and an alarm over log events: would the alarm have gone to ALARM, and
when?  The engine of ``cwpattern simulate``.

The filter turns events into datapoints (:func:`cwpattern.aws.publish.datapoints`), the
alarm evaluates them period by period (:func:`cwpattern.aws.alarms.evaluations`);
:func:`simulate` returns the whole story as one JSON-ready document.  Events without a
time are skipped and counted (``untimed_event``): they cannot be placed in a period.
:func:`simulate_account` does the same for every filter of an account and every alarm on
their metrics, over one read of the events whose literals are searched for all the
filters in one pass (``cwpattern simulate --all`` / ``--snapshot``).

>>> from cwpattern.aws.publish import MetricFilter, MetricTransformation
>>> from cwpattern.sources import LogEvent
>>> mf = MetricFilter('{ $.eventName = DisableKey }', MetricTransformation("Kms", "CIS", "1"))
>>> events = [LogEvent('{"eventName": "DisableKey"}', "e#1", timestamp=1714640410000)]
>>> doc = simulate(mf, cis_alarm("CIS", "Kms"), events)
>>> doc["alarm_state_reached"], doc["first_alarm"], doc["datapoints"]
(True, '2024-05-02T09:05:00Z', 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from itertools import islice
from typing import Any, Final

from ..batch import BatchMatcher
from ..documents import DocumentError, loads
from ..errors import CWPatternError, MetricFilterError
from ..sources import LogEvent, ScanStats
from .alarms import ALARM, INSUFFICIENT_DATA, Alarm, Datapoint, State, aggregate, evaluations
from .publish import FilterStats, MetricFilter, datapoints
from .snapshot import ListingError, read_listing

__all__ = [
    "CIS_ALARM",
    "STATES",
    "AccountSimulation",
    "AlarmResult",
    "Change",
    "FilterResult",
    "Timeline",
    "alarm_dict",
    "cis_alarm",
    "cis_alarms",
    "iso",
    "load_json",
    "parse_time",
    "pick",
    "simulate",
    "simulate_account",
    "timeline",
]

#: The alarm of the CIS AWS Foundations Benchmark remediation (``put-metric-alarm
#: --statistic Sum --period 300 --threshold 1 --comparison-operator
#: GreaterThanOrEqualToThreshold --evaluation-periods 1``; TreatMissingData not set).
CIS_ALARM: dict[str, Any] = {
    "AlarmName": "cis-benchmark-alarm",
    "Statistic": "Sum",
    "Period": 300,
    "EvaluationPeriods": 1,
    "DatapointsToAlarm": 1,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "missing",
}
#: The alarm states, in the order ``--initial-state`` lists them.
STATES: Final = ("INSUFFICIENT_DATA", "OK", "ALARM")


def cis_alarm(namespace: str, metric_name: str) -> Alarm:
    """The CIS alarm (:data:`CIS_ALARM`) on one metric."""
    return Alarm.from_aws({**CIS_ALARM, "MetricName": metric_name, "Namespace": namespace})


def load_json(path: str) -> Any:
    """A JSON file, decoded strictly and depth-bounded; :class:`CWPatternError` says where."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise CWPatternError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        return loads(data)
    except DocumentError as err:
        where = f":{err.lineno}:{err.colno}" if err.lineno else ""
        raise CWPatternError(f"{path}{where}: {err.msg}") from None


def pick(doc: Any, key: str, name_key: str, wanted: str | None, what: str, path: str) -> Any:
    """One entry of a ``describe-metric-filters`` (``key="metricFilters"``) or
    ``describe-alarms`` (``key="alarms"``) output read from ``path``, or the entry itself.

    Raises :class:`CWPatternError` when ``wanted`` is not there, when there are several and
    none is named, or when the listing ends with a ``nextToken`` and none is named.
    """
    list_key = "metricFilters" if key == "metricFilters" else "MetricAlarms"
    if isinstance(doc, dict) and list_key not in doc:
        return doc
    try:
        listing = read_listing(doc, key)
    except ListingError:
        listing = None
    if listing is None or not all(isinstance(i, dict) for i in listing.entries):
        raise CWPatternError(f"{path}: expected {what} or the output listing them ({list_key})")
    items = list(listing.entries)
    more = f"the listing ends with a nextToken, so more {what}s exist than {path} holds"
    if wanted is not None:
        items = [i for i in items if i.get(name_key) == wanted]
        if not items:
            hint = f" ({more})" if listing.truncated else ""
            raise CWPatternError(f"{path}: no {what} named {wanted!r}{hint}")
    elif listing.truncated:
        raise CWPatternError(f"{path}: {more}: fetch every page, or choose one by name")
    if len(items) != 1:
        names = [i.get(name_key) for i in items]
        raise CWPatternError(f"{path}: {len(items)} {what}s ({names}); choose one by name")
    return items[0]


def parse_time(text: str | None, option: str) -> float | None:
    """ISO 8601 (UTC when no zone is given) or epoch seconds; ``option`` names it in errors.

    >>> parse_time("2024-05-02T09:00:00Z", "--start"), parse_time("1714640400", "--end")
    (1714640400.0, 1714640400.0)
    """
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise CWPatternError(f"{option} {text!r}: expected ISO 8601 or epoch seconds") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        value = dt.timestamp()
    if not math.isfinite(value):
        raise CWPatternError(f"{option} {text!r}: not a time")
    return value


def iso(ts: float) -> str:
    """UTC ISO 8601 with a ``Z``; milliseconds only when needed."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    text = dt.isoformat(timespec="milliseconds" if ts % 1 else "seconds")
    return text.replace("+00:00", "Z")


class _Span:
    """Records the first and last event time while the events stream through."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None

    def watch(self, events: Iterable[LogEvent], scan: ScanStats) -> Iterator[LogEvent]:
        """The events that have a time; the others are skipped (``untimed_event``): they
        cannot be placed in a period."""
        for event in events:
            if event.timestamp is None:
                scan.skip(
                    "untimed_event",
                    event.location,
                    "the event has no timestamp (give filter-log-events output or "
                    "CloudTrail records with eventTime)",
                )
                continue
            ts = event.timestamp / 1000.0
            self.first = ts if self.first is None else min(self.first, ts)
            self.last = ts if self.last is None else max(self.last, ts)
            yield event


def simulate(
    mf: MetricFilter,
    alarm: Alarm,
    events: Iterable[LogEvent],
    *,
    scan: ScanStats | None = None,
    start: float | None = None,
    end: float | None = None,
    step: float | None = None,
    initial_state: State = INSUFFICIENT_DATA,
    system: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``events`` through ``mf`` and evaluate ``alarm`` on what it publishes.

    ``scan`` collects what the reading of the events skipped (it is reported in
    ``input``); ``start``/``end`` bound the evaluations (default: the period of the first
    event, and a few periods after the last one); ``step`` is the time between
    evaluations (default: the period); ``system`` gives ``@aws.account``/``@aws.region``
    for system-field dimensions.  Raises :class:`CWPatternError` when no event was read
    and ``start`` or ``end`` is missing, or ``end`` is before ``start``.
    """
    scan = scan if scan is not None else ScanStats()
    t = mf.transformation
    warnings = list(mf.warnings())
    same_metric = (t.metric_name, t.metric_namespace) == (alarm.metric_name, alarm.namespace)
    if not same_metric:
        warnings.append(
            f"the alarm watches {alarm.namespace}/{alarm.metric_name} but the filter publishes "
            f"{t.metric_namespace}/{t.metric_name}: the alarm sees none of its datapoints"
        )
    span = _Span()
    stats = FilterStats()
    points = datapoints(mf, span.watch(events, scan), system=dict(system or {}), stats=stats)
    if scan.skipped:
        first = f" (first: {scan.problems[0]})" if scan.problems else ""
        warnings.append(f"input left out: {dict(sorted(scan.skipped.items()))}{first}")
    if scan.ignored:
        warnings.append(f"entries ignored: {dict(sorted(scan.ignored.items()))}")
    _need_events(span, scan, start, end)
    seen = points if same_metric else []
    line = timeline(
        alarm,
        seen,
        _window(alarm, span, start, end),
        step=step,
        initial_state=initial_state,
    )
    return {
        "filter": mf.to_aws(),
        "alarm": alarm_dict(alarm),
        "input": {**scan.to_dict(), **{f"filter_{k}": v for k, v in stats.to_dict().items()}},
        "datapoints": len(points),
        **line.to_dict(),
        "warnings": warnings,
    }


def _need_events(span: _Span, scan: ScanStats, start: float | None, end: float | None) -> None:
    if span.first is None and (start is None or end is None):
        left = f" ({scan.problems[0]})" if scan.problems else ""
        raise CWPatternError(f"no log events were read{left}; give LOGS (or --start and --end)")


def _window(
    alarm: Alarm, span: _Span, start: float | None, end: float | None
) -> tuple[float, float]:
    """The evaluations' window: ``start``/``end`` when given, else from the period of the
    first event to a few periods after the last one (``span`` saw the events)."""
    period = alarm.period
    if start is None:
        assert span.first is not None
        start = math.floor(span.first / period) * period
    if end is None:
        assert span.last is not None
        end = (math.floor(span.last / period) + alarm.evaluation_periods + 3) * period
    if end < start:
        raise CWPatternError("--end is before --start")
    return start, end


@dataclass(frozen=True, slots=True)
class Change:
    """One state change of an alarm."""

    timestamp: float
    previous: State
    state: State
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": iso(self.timestamp),
            "from": self.previous,
            "to": self.state,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """What an alarm did over a window: the value of each period with data (its
    statistic over the datapoints it watches), its state changes, its first ALARM."""

    start: float
    end: float
    periods: tuple[tuple[float, float], ...]
    changes: tuple[Change, ...]
    first_alarm: float | None

    @property
    def alarm_state_reached(self) -> bool:
        return self.first_alarm is not None

    def to_dict(self) -> dict[str, Any]:
        """The keys :func:`simulate` reports them under."""
        return {
            "periods": [{"start": iso(ts), "value": value} for ts, value in self.periods],
            "changes": [c.to_dict() for c in self.changes],
            "alarm_state_reached": self.alarm_state_reached,
            "first_alarm": None if self.first_alarm is None else iso(self.first_alarm),
            "start": iso(self.start),
            "end": iso(self.end),
        }


def timeline(
    alarm: Alarm,
    points: Sequence[Datapoint],
    span: tuple[float, float],
    *,
    step: float | None = None,
    initial_state: State = INSUFFICIENT_DATA,
) -> Timeline:
    """Evaluate ``alarm`` over ``points`` (datapoints of its metric) from ``span[0]`` to
    ``span[1]``."""
    start, end = span
    evaluated = evaluations(
        alarm, points, start=start, end=end, step=step, initial_state=initial_state
    )
    changes = []
    previous = initial_state
    for ev in evaluated:
        if ev.state != previous:
            changes.append(Change(ev.timestamp, previous, ev.state, ev.reason))
            previous = ev.state
    in_alarm = [ev.timestamp for ev in evaluated if ev.state == ALARM]
    watched = [
        p
        for p in points
        if frozenset(p.dimensions) == frozenset(alarm.dimensions)
        and (alarm.unit is None or p.unit == alarm.unit)
    ]
    periods = aggregate(watched, alarm.period, alarm.statistic)
    return Timeline(
        start, end, tuple(periods.items()), tuple(changes), in_alarm[0] if in_alarm else None
    )


def alarm_dict(alarm: Alarm) -> dict[str, Any]:
    """The alarm's settings as ``simulate`` reports them."""
    return {
        "name": alarm.name,
        "namespace": alarm.namespace,
        "metricName": alarm.metric_name,
        "statistic": alarm.statistic,
        "period": alarm.period,
        "evaluationPeriods": alarm.evaluation_periods,
        "datapointsToAlarm": alarm.datapoints_to_alarm,
        "threshold": alarm.threshold,
        "comparisonOperator": alarm.comparison_operator,
        "treatMissingData": alarm.treat_missing_data,
        "dimensions": dict(alarm.dimensions),
    }


# --- every filter of an account, one pass -------------------------------------------------

#: Events whose messages are searched for the literals of every filter in one pass.
_BATCH: Final = 2048


@dataclass(frozen=True, slots=True)
class FilterResult:
    """One metric filter of :func:`simulate_account`: what it published.

    ``datapoints`` are exactly :func:`cwpattern.aws.publish.datapoints` of this filter
    over the same events; ``error`` says why it was not simulated (then it published
    nothing): fieldSelectionCriteria, transformed logs, a system-field dimension whose
    value was not given.
    """

    metric_filter: MetricFilter
    datapoints: tuple[Datapoint, ...]
    stats: FilterStats
    alarms: tuple[str, ...]  #: the alarms watching its metric
    warnings: tuple[str, ...] = ()
    error: str | None = None

    @property
    def label(self) -> str:
        mf = self.metric_filter
        return mf.name if mf.name is not None else repr(mf.pattern.pattern)

    def to_dict(self) -> dict[str, Any]:
        return {
            "filter": self.metric_filter.to_aws(),
            "input": self.stats.to_dict(),
            "datapoints": len(self.datapoints),
            "alarms": list(self.alarms),
            "warnings": list(self.warnings),
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class AlarmResult:
    """One alarm of :func:`simulate_account`, on the datapoints of every filter that
    publishes its metric (``filters``: their indexes in
    :attr:`AccountSimulation.filters`)."""

    alarm: Alarm
    filters: tuple[int, ...]
    datapoints: int  #: the datapoints of its metric (any dimensions)
    timeline: Timeline
    warnings: tuple[str, ...] = ()

    @property
    def alarm_state_reached(self) -> bool:
        return self.timeline.alarm_state_reached


@dataclass(frozen=True, slots=True)
class AccountSimulation:
    """:func:`simulate_account`'s result.  ``input`` is the reading's
    :meth:`~cwpattern.sources.ScanStats.to_dict`; ``not_simulated`` lists the filters
    (and entries) that were not simulated and why; ``other_alarms`` names the alarms on
    metrics no filter publishes (not simulated: nothing here feeds them)."""

    filters: tuple[FilterResult, ...]
    alarms: tuple[AlarmResult, ...]
    input: dict[str, Any]
    warnings: tuple[str, ...] = ()
    not_simulated: tuple[str, ...] = ()
    other_alarms: tuple[str, ...] = ()

    @property
    def alarm_state_reached(self) -> bool:
        """Whether any alarm would have gone to ALARM."""
        return any(a.alarm_state_reached for a in self.alarms)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; each alarm entry has the keys of :func:`simulate`'s document
        (``filters`` naming the filters that feed it instead of ``filter``)."""
        return {
            "input": self.input,
            "filters": [f.to_dict() for f in self.filters],
            "alarms": [
                {
                    "alarm": alarm_dict(a.alarm),
                    "filters": [self.filters[k].label for k in a.filters],
                    "datapoints": a.datapoints,
                    **a.timeline.to_dict(),
                    "warnings": list(a.warnings),
                }
                for a in self.alarms
            ],
            "other_alarms": list(self.other_alarms),
            "not_simulated": list(self.not_simulated),
            "alarm_state_reached": self.alarm_state_reached,
            "warnings": list(self.warnings),
        }


class _Publisher:
    """The datapoints of one filter, batch after batch, as :func:`datapoints` makes them."""

    def __init__(self, mf: MetricFilter, system: Mapping[str, str]) -> None:
        self.mf = mf
        self.fields = dict(system)
        if mf.log_group and "@source.log" not in self.fields:
            self.fields["@source.log"] = mf.log_group
        self.unit = mf.transformation.unit
        self.default = mf.transformation.default_value
        self.points: list[Datapoint] = []
        self.stats = FilterStats()
        self.error: str | None = None
        try:
            mf.check_simulated()
        except MetricFilterError as err:
            self.error = f"[{err.code}] {err}"

    def add(self, batch: Sequence[LogEvent], matching: Sequence[int]) -> None:
        """``batch``'s events; ``matching``: the indexes of those the pattern matches
        (the others match not, and publish the default value if there is one)."""
        if self.error is not None:
            return
        self.stats.events += len(batch)
        try:
            if self.default is None:
                for j in matching:
                    self._publish(batch[j])
                return
            hits = iter(matching)
            hit = next(hits, -1)
            for j, event in enumerate(batch):
                if j == hit:
                    self._publish(event)
                    hit = next(hits, -1)
                else:
                    self.stats.defaults += 1
                    ts = event.timestamp / 1000.0  # type: ignore[operator]  # timed events
                    self.points.append(Datapoint(ts, self.default, self.unit, ()))
        except MetricFilterError as err:  # SYSTEM_FIELD_UNKNOWN, on a matching event
            self.error = f"[{err.code}] {err}"
            self.points.clear()

    def _publish(self, event: LogEvent) -> None:
        outcome = self.mf.evaluate(event.message, system=self.fields)
        stats = self.stats
        if outcome.matched:
            stats.matched += 1
        if outcome.value is None:
            if outcome.reason:
                stats.unresolved[outcome.reason] = stats.unresolved.get(outcome.reason, 0) + 1
            return
        if outcome.matched:
            stats.published += 1
        else:
            stats.defaults += 1
        ts = event.timestamp / 1000.0  # type: ignore[operator]  # timed events
        self.points.append(Datapoint(ts, outcome.value, self.unit, outcome.dimensions))


def cis_alarms(filters: Iterable[MetricFilter]) -> list[Alarm]:
    """The CIS alarm (:func:`cis_alarm`) on each metric the filters publish, in order,
    each named for its metric (``cis-benchmark-alarm (CIS/Kms)``)."""
    metrics = dict.fromkeys(
        (f.transformation.metric_namespace, f.transformation.metric_name) for f in filters
    )
    return [
        replace(cis_alarm(namespace, name), name=f"{CIS_ALARM['AlarmName']} ({namespace}/{name})")
        for namespace, name in metrics
    ]


def simulate_account(
    filters: Sequence[MetricFilter],
    alarms: Sequence[Alarm],
    events: Iterable[LogEvent],
    *,
    scan: ScanStats | None = None,
    start: float | None = None,
    end: float | None = None,
    step: float | None = None,
    initial_state: State = INSUFFICIENT_DATA,
    system: Mapping[str, str] | None = None,
    problems: Iterable[str] = (),
) -> AccountSimulation:
    """Every filter of ``filters`` and every alarm of ``alarms`` that watches one of
    their metrics, over ONE read of ``events``.

    The events are read once, in batches; each batch is searched in one pass for the
    literals of every filter's pattern (:class:`cwpattern.batch.BatchMatcher`), and each
    filter evaluates only the events that may match it.  Each filter's datapoints are
    exactly those :func:`simulate` (:func:`~cwpattern.aws.publish.datapoints`) gives for
    it alone; an alarm fed by one filter gets exactly :func:`simulate`'s timeline.  An
    alarm on a metric several filters publish sees all their datapoints.

    ``problems`` (entries the caller could not read) are reported in ``not_simulated``
    with the filters that could not be simulated.  Other arguments are those of
    :func:`simulate`.  Raises :class:`CWPatternError` as :func:`simulate` does.
    """
    scan = scan if scan is not None else ScanStats()
    span = _Span()
    pubs = [_Publisher(mf, system or {}) for mf in filters]
    live = [p for p in pubs if p.error is None]
    matcher = BatchMatcher([p.mf.pattern for p in live]) if live else None
    timed = span.watch(events, scan)
    while batch := list(islice(timed, _BATCH)):
        if matcher is not None:
            found = matcher.matching([event.message for event in batch])
            for pub, matching in zip(live, found):
                pub.add(batch, matching)
    warnings: list[str] = []
    if scan.skipped:
        first = f" (first: {scan.problems[0]})" if scan.problems else ""
        warnings.append(f"input left out: {dict(sorted(scan.skipped.items()))}{first}")
    if scan.ignored:
        warnings.append(f"entries ignored: {dict(sorted(scan.ignored.items()))}")
    _need_events(span, scan, start, end)

    def metric(mf: MetricFilter) -> tuple[str, str]:
        return mf.transformation.metric_namespace, mf.transformation.metric_name

    fed: dict[tuple[str, str], list[int]] = {}
    for k, pub in enumerate(pubs):
        fed.setdefault(metric(pub.mf), []).append(k)
    alarm_results, other = [], []
    watchers: dict[int, list[str]] = {}
    for alarm in alarms:
        feeding = fed.get((alarm.namespace, alarm.metric_name))
        if not feeding:
            other.append(alarm.name)
            continue
        points: list[Datapoint] = []
        notes = []
        for k in feeding:
            watchers.setdefault(k, []).append(alarm.name)
            points.extend(pubs[k].points)
            if pubs[k].error is not None:
                notes.append(
                    f"filter {_label(pubs[k].mf)} was not simulated ({pubs[k].error}): "
                    "the alarm misses its datapoints"
                )
        line = timeline(
            alarm, points, _window(alarm, span, start, end), step=step, initial_state=initial_state
        )
        alarm_results.append(AlarmResult(alarm, tuple(feeding), len(points), line, tuple(notes)))
    results = []
    for k, pub in enumerate(pubs):
        results.append(
            FilterResult(
                pub.mf,
                tuple(pub.points),
                pub.stats,
                tuple(watchers.get(k, ())),
                tuple(pub.mf.warnings()),
                pub.error,
            )
        )
        if alarms and k not in watchers:
            ns, name = metric(pub.mf)
            warnings.append(f"no alarm watches {ns}/{name} (filter {_label(pub.mf)})")
    not_simulated = list(problems) + [
        f"filter {_label(p.mf)}: {p.error}" for p in pubs if p.error is not None
    ]
    return AccountSimulation(
        tuple(results),
        tuple(alarm_results),
        scan.to_dict(),
        tuple(warnings),
        tuple(not_simulated),
        tuple(other),
    )


def _label(mf: MetricFilter) -> str:
    return repr(mf.name) if mf.name is not None else repr(mf.pattern.pattern)
