"""A metric filter and an alarm over log events: would the alarm have gone to ALARM, and
when?  The engine of ``cwpattern simulate``.

The filter turns events into datapoints (:func:`cwpattern.aws.publish.datapoints`), the
alarm evaluates them period by period (:func:`cwpattern.aws.alarms.evaluations`);
:func:`simulate` returns the whole story as one JSON-ready document.  Events without a
time are skipped and counted (``untimed_event``): they cannot be placed in a period.

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
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, Final

from ..documents import DocumentError, loads
from ..errors import CWPatternError
from ..sources import LogEvent, ScanStats
from .alarms import ALARM, INSUFFICIENT_DATA, Alarm, State, aggregate, evaluations
from .publish import FilterStats, MetricFilter, datapoints
from .snapshot import ListingError, read_listing

__all__ = [
    "CIS_ALARM",
    "STATES",
    "alarm_dict",
    "cis_alarm",
    "iso",
    "load_json",
    "parse_time",
    "pick",
    "simulate",
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
    if span.first is None and (start is None or end is None):
        left = f" ({scan.problems[0]})" if scan.problems else ""
        raise CWPatternError(f"no log events were read{left}; give LOGS (or --start and --end)")
    period = alarm.period
    if start is None:
        assert span.first is not None
        start = math.floor(span.first / period) * period
    if end is None:
        assert span.last is not None
        end = (math.floor(span.last / period) + alarm.evaluation_periods + 3) * period
    if end < start:
        raise CWPatternError("--end is before --start")
    seen = points if same_metric else []
    timeline = evaluations(
        alarm, seen, start=start, end=end, step=step, initial_state=initial_state
    )
    changes = []
    previous = initial_state
    for ev in timeline:
        if ev.state != previous:
            changes.append(
                {"time": iso(ev.timestamp), "from": previous, "to": ev.state, "reason": ev.reason}
            )
            previous = ev.state
    in_alarm = [ev.timestamp for ev in timeline if ev.state == ALARM]
    watched = [
        p
        for p in seen
        if frozenset(p.dimensions) == frozenset(alarm.dimensions)
        and (alarm.unit is None or p.unit == alarm.unit)
    ]
    periods = aggregate(watched, period, alarm.statistic)
    return {
        "filter": mf.to_aws(),
        "alarm": alarm_dict(alarm),
        "input": {**scan.to_dict(), **{f"filter_{k}": v for k, v in stats.to_dict().items()}},
        "datapoints": len(points),
        "periods": [{"start": iso(ts), "value": value} for ts, value in periods.items()],
        "changes": changes,
        "alarm_state_reached": bool(in_alarm),
        "first_alarm": iso(in_alarm[0]) if in_alarm else None,
        "start": iso(start),
        "end": iso(end),
        "warnings": warnings,
    }


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
