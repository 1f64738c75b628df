"""``cwpattern simulate``: for these logs, would this metric filter and alarm have gone to
ALARM, and when?

The metric filter is ``--pattern P`` with ``--metric-value`` (default ``1``),
``--default-value``, ``--dimension NAME=REF`` and ``--unit``, or ``--metric-filter FILE``
(a ``describe-metric-filters`` entry or output).  The alarm is ``--alarm FILE`` (a
``describe-alarms`` MetricAlarms entry or output) or ``--cis-alarm`` (the alarm the CIS
benchmark prescribes: Sum >= 1 over one period of 300 s).  LOGS are ``aws logs
filter-log-events`` output or CloudTrail records (their ``eventTime`` places them in time).

``--metric-filter FILE --all`` simulates every filter of a ``describe-metric-filters``
output, and ``--snapshot FILE`` every filter of an account snapshot (``cwpattern
snapshot``), with every alarm on their metrics (``--alarm FILE``, the snapshot's alarms,
or ``--cis-alarm`` on each metric), over ONE read of LOGS: the patterns of all filters
are matched in one pass (:func:`cwpattern.aws.simulate.simulate_account`), each filter
publishing exactly what it publishes alone.  Exit status 0 when some alarm would have gone
to ALARM, 1 when none would, 2 as below or when a filter (or an alarm on one of their
metrics) could not be read or simulated, unless ``--skip-ok``.

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
import sys
from typing import Any

from ..aws.alarms import Alarm, AlarmError
from ..aws.publish import MetricFilter, MetricTransformation
from ..aws.simulate import CIS_ALARM, STATES, cis_alarm, iso, load_json, parse_time, pick, simulate
from ..cli import print_error
from ..errors import CWPatternError
from ..sources import FORMATS, ScanStats
from ._simulate_account import FILTER_OPTIONS, logs, options_given, run_account

__all__ = ["CIS_ALARM", "HELP", "NAME", "configure", "iso", "run"]

NAME = "simulate"
HELP = "would this metric filter and alarm have gone to ALARM for these logs, and when?"
_STATES = STATES


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
    flt.add_argument(
        "--snapshot",
        metavar="FILE",
        help="an account snapshot (cwpattern snapshot): every metric filter and every alarm "
        "on their metrics, over one read of LOGS",
    )
    parser.add_argument("--filter-name", help="the filter to use when FILE holds several")
    parser.add_argument(
        "--all",
        action="store_true",
        help="every filter of --metric-filter FILE, with every alarm on their metrics, "
        "over one read of LOGS",
    )
    parser.add_argument(
        "--log-group",
        metavar="NAME",
        help="with --all or --snapshot: only the filters on this log group (LOGS are its events)",
    )
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
    alarm = parser.add_mutually_exclusive_group()
    alarm.add_argument(
        "--alarm", metavar="FILE", help="a describe-alarms MetricAlarms entry or output (JSON)"
    )
    alarm.add_argument(
        "--cis-alarm",
        action="store_true",
        help="the CIS alarm: Sum >= 1 over one period of 300 s (with --all or --snapshot: "
        "one on each metric of the filters)",
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
        help="input that was skipped (not events, no timestamp, unreadable), and with --all "
        "or --snapshot filters or alarms that could not be read or simulated, do not make "
        "the exit status 2",
    )
    walk = parser.add_argument_group("directory walks (as cwpattern grep)")
    walk.add_argument("-g", "--glob", action="append", default=[], metavar="GLOB")
    walk.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    walk.add_argument("-L", "--follow", action="store_true")
    walk.add_argument("--hidden", action="store_true")


def _metric_filter(args: argparse.Namespace, metric: tuple[str, str]) -> MetricFilter:
    """The filter of --metric-filter, or of --pattern publishing to ``metric``
    (namespace, name) unless --namespace/--metric-name say otherwise."""
    if args.metric_filter:
        given = options_given(args, *FILTER_OPTIONS)
        if given:
            raise CWPatternError(f"{', '.join(given)}: with --pattern only (FILE defines them)")
        doc = pick(
            load_json(args.metric_filter),
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
        return cis_alarm(mf.transformation.metric_namespace, mf.transformation.metric_name)
    doc = pick(load_json(args.alarm), "alarms", "AlarmName", args.alarm_name, "alarm", args.alarm)
    return Alarm.from_aws(doc)


def _simulate(args: argparse.Namespace) -> dict[str, Any]:
    """The filter and alarm the options name, over LOGS (raises CWPatternError)."""
    for option, value in (("--all", args.all), ("--log-group", args.log_group)):
        if value:
            raise CWPatternError(f"{option}: with --metric-filter FILE or --snapshot FILE only")
    if not args.alarm and not args.cis_alarm:
        raise CWPatternError("give --alarm FILE or --cis-alarm")
    if args.cis_alarm:
        mf = _metric_filter(args, ("CISBenchmark", "SimulatedCount"))
        alarm = _alarm(args, mf)
    else:
        alarm = _alarm(args, None)
        mf = _metric_filter(args, (alarm.namespace, alarm.metric_name))
    scan = ScanStats()
    events = logs(args, scan)
    system = {k: v for k, v in (("@aws.account", args.account), ("@aws.region", args.region)) if v}
    return simulate(
        mf,
        alarm,
        events,
        scan=scan,
        start=parse_time(args.start, "--start"),
        end=parse_time(args.end, "--end"),
        step=args.step,
        initial_state=args.initial_state,
        system=system,
    )


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
    if args.all or args.snapshot:
        return run_account(args)
    try:
        doc = _simulate(args)
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
