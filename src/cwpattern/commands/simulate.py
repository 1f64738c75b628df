"""``cwpattern simulate``: for these logs, would this metric filter and alarm have gone to
ALARM, and when?

The metric filter is ``--pattern P`` with ``--metric-value`` (default ``1``),
``--default-value``, ``--dimension NAME=REF`` and ``--unit``, or ``--metric-filter FILE``
(a ``describe-metric-filters`` entry or output).  The alarm is ``--alarm FILE`` (a
``describe-alarms`` MetricAlarms entry or output) or ``--cis-alarm`` (the alarm the CIS
benchmark prescribes: Sum >= 1 over one period of 300 s).  LOGS are ``aws logs
filter-log-events`` output or CloudTrail records (their ``eventTime`` places them in time).

Prints the datapoints per period and the alarm's state changes.  Input that is not events
(a README beside the logs, a CloudTrail digest file, an event without a time) is skipped,
counted and reported; the run goes on.  Exit status 0 when the alarm would have gone to
ALARM, 1 when not, 2 for bad input — including skipped input, since the verdict did not
see it, unless ``--skip-ok`` accepts that.  Directory walks take ``-g/--glob``,
``--exclude``, ``--follow`` and ``--hidden`` as ``cwpattern grep`` does.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from ..aws.alarms import ALARM, Alarm, AlarmError, aggregate, evaluations
from ..aws.publish import FilterStats, MetricFilter, MetricTransformation, datapoints
from ..aws.snapshot import ListingError, read_listing
from ..cli import print_error
from ..documents import DocumentError, loads
from ..errors import CWPatternError
from ..sources import FORMATS, LogEvent, ScanStats, iter_events

NAME = "simulate"
HELP = "would this metric filter and alarm have gone to ALARM for these logs, and when?"

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
_STATES = ("INSUFFICIENT_DATA", "OK", "ALARM")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "logs",
        nargs="*",
        metavar="LOGS",
        help="filter-log-events JSON, CloudTrail files or records (default: stdin)",
    )
    flt = parser.add_mutually_exclusive_group(required=True)
    flt.add_argument("--pattern", "-p", help="the filter pattern")
    flt.add_argument(
        "--metric-filter", metavar="FILE", help="a describe-metric-filters entry or output (JSON)"
    )
    parser.add_argument("--filter-name", help="the filter to use when FILE holds several")
    parser.add_argument(
        "--metric-value",
        help="metricValue: a number, $.selector, $name or $N (default 1)",
    )
    parser.add_argument("--default-value", type=float, help="defaultValue")
    parser.add_argument(
        "--dimension",
        action="append",
        default=[],
        metavar="NAME=REF",
        help="a dimension ($.selector, $name or $N); repeatable",
    )
    parser.add_argument("--unit", help="the metric unit (default None)")
    parser.add_argument("--metric-name", help="metric name (default: the alarm's)")
    parser.add_argument("--namespace", help="metric namespace (default: the alarm's)")
    alarm = parser.add_mutually_exclusive_group(required=True)
    alarm.add_argument(
        "--alarm", metavar="FILE", help="a describe-alarms MetricAlarms entry or output (JSON)"
    )
    alarm.add_argument(
        "--cis-alarm", action="store_true", help="the CIS alarm: Sum >= 1 over one period of 300 s"
    )
    parser.add_argument("--alarm-name", help="the alarm to use when FILE holds several")
    parser.add_argument(
        "--input-format",
        choices=FORMATS,
        default="auto",
        help="format of LOGS (default: sniffed per file)",
    )
    parser.add_argument(
        "--start",
        help="first period start (ISO 8601 or epoch seconds; "
        "default: the period of the first event)",
    )
    parser.add_argument(
        "--end", help="last evaluation (default: a few periods after the last event)"
    )
    parser.add_argument(
        "--step",
        type=float,
        help="seconds between evaluations (default: the period; CloudWatch evaluates every 60)",
    )
    parser.add_argument("--initial-state", choices=_STATES, default="INSUFFICIENT_DATA")
    parser.add_argument("--account", help="value of @aws.account (system-field dimension)")
    parser.add_argument("--region", help="value of @aws.region (system-field dimension)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--skip-ok",
        action="store_true",
        help="input that was skipped (not events, no timestamp, unreadable) does not make "
        "the exit status 2",
    )
    walk = parser.add_argument_group("directory walks (as cwpattern grep)")
    walk.add_argument("-g", "--glob", action="append", default=[], metavar="GLOB")
    walk.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    walk.add_argument("-L", "--follow", action="store_true")
    walk.add_argument("--hidden", action="store_true")


# --- inputs ---------------------------------------------------------------------------------


def _load_json(path: str) -> Any:
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


def _pick(doc: Any, key: str, name_key: str, wanted: str | None, what: str, path: str) -> Any:
    """One entry out of a CLI output (or a list of its pages), or the entry itself."""
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


def _metric_filter(args: argparse.Namespace, metric: tuple[str, str]) -> MetricFilter:
    """The filter of --metric-filter, or of --pattern publishing to ``metric``
    (namespace, name) unless --namespace/--metric-name say otherwise."""
    if args.metric_filter:
        given = [
            option
            for option, value in (
                ("--metric-value", args.metric_value),
                ("--default-value", args.default_value),
                ("--dimension", args.dimension or None),
                ("--unit", args.unit),
                ("--metric-name", args.metric_name),
                ("--namespace", args.namespace),
            )
            if value is not None
        ]
        if given:
            raise CWPatternError(f"{', '.join(given)}: with --pattern only (FILE defines them)")
        doc = _pick(
            _load_json(args.metric_filter),
            "metricFilters",
            "filterName",
            args.filter_name,
            "metric filter",
            args.metric_filter,
        )
        return MetricFilter.from_aws(doc)
    dims = []
    for item in args.dimension:
        key, sep, ref = item.partition("=")
        if not sep:
            raise CWPatternError(f"--dimension {item!r}: expected NAME=REFERENCE")
        dims.append((key, ref))
    transformation = MetricTransformation(
        args.metric_name or metric[1],
        args.namespace or metric[0],
        "1" if args.metric_value is None else args.metric_value,
        default_value=args.default_value,
        dimensions=tuple(dims),
        unit="None" if args.unit is None else args.unit,
    )
    return MetricFilter(args.pattern, transformation)


def _alarm(args: argparse.Namespace, mf: MetricFilter | None) -> Alarm:
    """The alarm of --alarm, or the CIS alarm on the filter's metric (``mf``)."""
    if args.cis_alarm:
        assert mf is not None
        doc = dict(CIS_ALARM)
        doc["MetricName"] = mf.transformation.metric_name
        doc["Namespace"] = mf.transformation.metric_namespace
        return Alarm.from_aws(doc)
    doc = _pick(_load_json(args.alarm), "alarms", "AlarmName", args.alarm_name, "alarm", args.alarm)
    return Alarm.from_aws(doc)


def _time(text: str | None, option: str) -> float | None:
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

    def watch(self, events: Iterator[LogEvent], scan: ScanStats) -> Iterator[LogEvent]:
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


# --- the simulation ---------------------------------------------------------------------------


def simulate(args: argparse.Namespace) -> dict[str, Any]:
    """Run the simulation; returns the JSON document (raises CWPatternError on bad input)."""
    if args.cis_alarm:
        mf = _metric_filter(args, ("CISBenchmark", "SimulatedCount"))
        alarm = _alarm(args, mf)
    else:
        alarm = _alarm(args, None)
        mf = _metric_filter(args, (alarm.namespace, alarm.metric_name))
    t = mf.transformation
    warnings = list(mf.warnings())
    same_metric = (t.metric_name, t.metric_namespace) == (alarm.metric_name, alarm.namespace)
    if not same_metric:
        warnings.append(
            f"the alarm watches {alarm.namespace}/{alarm.metric_name} but the filter publishes "
            f"{t.metric_namespace}/{t.metric_name}: the alarm sees none of its datapoints"
        )
    scan = ScanStats()
    span = _Span()
    stats = FilterStats()
    system = {k: v for k, v in (("@aws.account", args.account), ("@aws.region", args.region)) if v}
    logs = iter_events(
        args.logs or None,
        fmt=args.input_format,
        stats=scan,
        follow=args.follow,
        hidden=args.hidden,
        globs=args.glob,
        excludes=args.exclude,
    )
    points = datapoints(mf, span.watch(logs, scan), system=system, stats=stats)
    if scan.skipped:
        first = f" (first: {scan.problems[0]})" if scan.problems else ""
        warnings.append(f"input left out: {dict(sorted(scan.skipped.items()))}{first}")
    if scan.ignored:
        warnings.append(f"entries ignored: {dict(sorted(scan.ignored.items()))}")
    start, end = _time(args.start, "--start"), _time(args.end, "--end")
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
        alarm, seen, start=start, end=end, step=args.step, initial_state=args.initial_state
    )
    changes = []
    previous = args.initial_state
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
        "alarm": _alarm_dict(alarm),
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


def _alarm_dict(alarm: Alarm) -> dict[str, Any]:
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


def _write_text(doc: dict[str, Any]) -> None:
    f, a, inp = doc["filter"], doc["alarm"], doc["input"]
    t = f["metricTransformations"][0]
    out = sys.stdout
    out.write(
        f"filter:  {f['filterPattern']!r} -> {t['metricNamespace']}/{t['metricName']}, "
        f"metricValue {t['metricValue']}"
        + (f", defaultValue {t['defaultValue']:g}" if "defaultValue" in t else "")
        + "\n"
    )
    out.write(
        f"alarm:   {a['name']}: {a['statistic']} {_op(a['comparisonOperator'])} "
        f"{a['threshold']:g} in {a['datapointsToAlarm']} of {a['evaluationPeriods']} "
        f"period(s) of {a['period']} s, TreatMissingData={a['treatMissingData']}\n"
    )
    unresolved = sum(inp["filter_unresolved"].values())
    out.write(
        f"events:  {inp['filter_events']} read, {inp['filter_matched']} matched, "
        f"{doc['datapoints']} datapoint(s) published"
        + (f", {unresolved} matching event(s) published nothing" if unresolved else "")
        + "\n"
    )
    out.write(f"window:  {doc['start']} .. {doc['end']}\n")
    if doc["periods"]:
        out.write(f"\nperiods with data ({a['statistic']}):\n")
        for p in doc["periods"]:
            out.write(f"  {p['start']}  {p['value']:g}\n")
    out.write("\nstate changes:\n" if doc["changes"] else "\nno state change\n")
    for c in doc["changes"]:
        out.write(f"  {c['time']}  {c['from']} -> {c['to']}: {c['reason']}\n")
    for w in doc["warnings"]:
        out.write(f"warning: {w}\n")
    for reason, count in inp["filter_unresolved"].items():
        out.write(f"note: {count} matching event(s): {reason}\n")
    if doc["alarm_state_reached"]:
        out.write(f"\nresult: ALARM at {doc['first_alarm']}\n")
    else:
        out.write("\nresult: the alarm would not have gone to ALARM\n")


def _op(name: str) -> str:
    return {
        "GreaterThanOrEqualToThreshold": ">=",
        "GreaterThanThreshold": ">",
        "LessThanThreshold": "<",
        "LessThanOrEqualToThreshold": "<=",
    }.get(name, name)


def run(args: argparse.Namespace) -> int:
    try:
        doc = simulate(args)
    except (CWPatternError, AlarmError) as err:
        print_error(err, NAME)  # the one error format of every command
        return 2
    if args.format == "json":
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _write_text(doc)
    lost = sum(n for reason, n in doc["input"]["skipped"].items() if reason != "empty_line")
    if lost and not args.skip_ok:
        skipped = CWPatternError(
            f"{lost} piece(s) of input skipped (see the warnings): exit status 2 "
            "(--skip-ok accepts them)"
        )
        print_error(skipped, NAME)  # the one error format of every command
        return 2
    return 0 if doc["alarm_state_reached"] else 1
