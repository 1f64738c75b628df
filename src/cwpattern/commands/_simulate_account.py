"""``cwpattern simulate --metric-filter FILE --all`` and ``--snapshot FILE``: every metric
filter of an account, and every alarm on their metrics, over one read of the logs
(:func:`cwpattern.aws.simulate.simulate_account`).  :func:`run_account` reads the
filters and alarms, runs the simulation, prints it and returns the exit status."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from ..aws.alarms import Alarm, AlarmError
from ..aws.publish import MetricFilter
from ..aws.simulate import (
    AccountSimulation,
    cis_alarms,
    iso,
    load_json,
    parse_time,
    simulate_account,
)
from ..aws.snapshot import ListingError, load_snapshot, read_listing
from ..cli import print_error
from ..errors import CWPatternError
from ..sources import LogEvent, ScanStats, iter_events

__all__ = ["NAME", "logs", "run_account"]

NAME = "simulate"


def logs(args: argparse.Namespace, scan: ScanStats) -> Iterator[LogEvent]:
    """The events of LOGS, read as the options say (skipped input counted in ``scan``)."""
    return iter_events(
        args.logs or None,
        fmt=args.input_format,
        stats=scan,
        follow=args.follow,
        hidden=args.hidden,
        globs=args.glob,
        excludes=args.exclude,
    )


def _entries(doc: Any, key: str, what: str, path: str) -> list[Any]:
    """The entries of a describe-metric-filters (``key="metricFilters"``) or describe-alarms
    (``key="alarms"``) output, or the one entry ``doc`` is; all of them, or an error."""
    list_key = "metricFilters" if key == "metricFilters" else "MetricAlarms"
    if isinstance(doc, dict) and list_key not in doc:
        return [doc]
    try:
        listing = read_listing(doc, key)
    except ListingError as err:
        raise CWPatternError(f"{path}: {err}") from None
    if listing.truncated:
        raise CWPatternError(
            f"{path}: the listing ends with a nextToken, so more {what}s exist than it holds: "
            "fetch every page"
        )
    return list(listing.entries)


def _name(entry: Any, key: str) -> str:
    name = entry.get(key) if isinstance(entry, dict) else None
    return repr(name) if isinstance(name, str) else "(unnamed)"


def _read_filters(
    entries: list[Any], path: str, log_group: str | None, problems: list[str]
) -> list[MetricFilter]:
    out = []
    for entry in entries:
        group = entry.get("logGroupName") if isinstance(entry, dict) else None
        if log_group is not None and isinstance(group, str) and group != log_group:
            continue  # a filter of another log group: these logs never reach it
        try:
            out.append(MetricFilter.from_aws(entry))
        except CWPatternError as err:
            problems.append(f"{path}: filter {_name(entry, 'filterName')}: {err}")
    return out


def _alarm_metrics(entry: Any) -> set[tuple[Any, Any]] | None:
    """The metrics an alarm entry watches, read loosely (None: cannot tell)."""
    if not isinstance(entry, dict):
        return None
    if entry.get("MetricName") is not None:
        return {(entry.get("Namespace"), entry.get("MetricName"))}
    metrics = entry.get("Metrics")
    if not isinstance(metrics, list):
        return None
    out = set()
    for m in metrics:
        stat = m.get("MetricStat") if isinstance(m, dict) else None
        metric = stat.get("Metric") if isinstance(stat, dict) else None
        if isinstance(metric, dict):
            out.add((metric.get("Namespace"), metric.get("MetricName")))
    return out


#: the options that define one metric filter (with --pattern)
FILTER_OPTIONS = (
    "--metric-value",
    "--default-value",
    "--dimension",
    "--unit",
    "--metric-name",
    "--namespace",
)


def options_given(args: argparse.Namespace, *options: str) -> list[str]:
    """Those of ``options`` the command line gave (an empty ``--dimension`` list: not)."""
    given = []
    for option in options:
        value = getattr(args, option.lstrip("-").replace("-", "_"))
        if value is not None and value != []:
            given.append(option)
    return given


def _read_alarms(
    entries: list[Any], path: str, filters: list[MetricFilter], problems: list[str]
) -> list[Alarm]:
    """The alarms of ``entries``; one that cannot be read is a problem when it may watch a
    metric of ``filters`` (it is not simulated), and left out otherwise."""
    ours = {(f.transformation.metric_namespace, f.transformation.metric_name) for f in filters}
    out = []
    for entry in entries:
        try:
            out.append(Alarm.from_aws(entry))
        except AlarmError as err:
            watched = _alarm_metrics(entry)
            if watched is None or watched & ours:
                what = f"{err.field}: {err.msg}" if err.field else err.msg
                problems.append(f"{path}: alarm {_name(entry, 'AlarmName')}: {what}")
    return out


def _simulate_account(args: argparse.Namespace) -> AccountSimulation:
    """Every filter of --metric-filter FILE --all or --snapshot FILE, over one read of LOGS."""
    if args.pattern is not None:
        raise CWPatternError("--all: with --metric-filter FILE (--pattern is one filter)")
    given = options_given(args, "--filter-name", "--alarm-name", *FILTER_OPTIONS)
    if given:
        raise CWPatternError(
            f"{', '.join(given)}: not with --all or --snapshot (every filter and every alarm "
            "on their metrics is simulated, as FILE defines them)"
        )
    problems: list[str] = []
    system = {}
    alarm_entries: list[Any] | None = None
    alarm_path = args.alarm
    if args.snapshot:
        path = args.snapshot
        snap = load_snapshot(path)
        if "metricFilters" not in snap.raw:
            raise CWPatternError(f"{path}: the snapshot has no metricFilters key")
        filter_entries = _entries(snap.raw["metricFilters"], "metricFilters", "metric filter", path)
        if "alarms" in snap.raw and not args.alarm:
            alarm_entries = _entries(snap.raw["alarms"], "alarms", "alarm", path)
            alarm_path = path
        for key, field in (("@aws.account", "account"), ("@aws.region", "region")):
            if isinstance(snap.metadata.get(field), str):
                system[key] = snap.metadata[field]
    else:
        path = args.metric_filter
        filter_entries = _entries(load_json(path), "metricFilters", "metric filter", path)
    if args.alarm:
        alarm_entries = _entries(load_json(args.alarm), "alarms", "alarm", args.alarm)
    elif alarm_entries is None and not args.cis_alarm and not args.snapshot:
        raise CWPatternError("--all: give --alarm FILE (describe-alarms output) or --cis-alarm")
    filters = _read_filters(filter_entries, path, args.log_group, problems)
    if args.cis_alarm:
        alarms = cis_alarms(filters)
    elif alarm_entries is not None:
        alarms = _read_alarms(alarm_entries, alarm_path, filters, problems)
    else:
        alarms = []
    for key, value in (("@aws.account", args.account), ("@aws.region", args.region)):
        if value:
            system[key] = value
    scan = ScanStats()
    return simulate_account(
        filters,
        alarms,
        logs(args, scan),
        scan=scan,
        start=parse_time(args.start, "--start"),
        end=parse_time(args.end, "--end"),
        step=args.step,
        initial_state=args.initial_state,
        system=system,
        problems=problems,
    )


def _write_account_text(result: AccountSimulation) -> None:
    out = sys.stdout
    inp = result.input
    out.write(
        f"filters: {len(result.filters)} over one read of the logs: {inp['events']} event(s) read\n"
    )
    for f in result.filters:
        t = f.metric_filter.transformation
        where = f"{t.metric_namespace}/{t.metric_name}"
        if f.error is not None:
            out.write(f"  {f.label} -> {where}: not simulated: {f.error}\n")
            continue
        unresolved = sum(f.stats.unresolved.values())
        out.write(
            f"  {f.label} -> {where}: {f.stats.matched} matched, "
            f"{len(f.datapoints)} datapoint(s)"
            + (f", {unresolved} matching event(s) published nothing" if unresolved else "")
            + "\n"
        )
    out.write(f"\nalarms: {len(result.alarms)} on these metrics\n" if result.alarms else "")
    for a in result.alarms:
        al, line = a.alarm, a.timeline
        out.write(
            f"  {al.name}: {al.statistic} {al.operator_symbol} {al.threshold:g} in "
            f"{al.datapoints_to_alarm} of {al.evaluation_periods} period(s) of {al.period} s "
            f"on {al.namespace}/{al.metric_name}: "
            + (
                f"ALARM at {iso(line.first_alarm)}"
                if line.first_alarm is not None
                else "would not have gone to ALARM"
            )
            + "\n"
        )
        for c in line.changes:
            out.write(f"    {iso(c.timestamp)}  {c.previous} -> {c.state}: {c.reason}\n")
        for w in a.warnings:
            out.write(f"    warning: {w}\n")
    if result.other_alarms:
        out.write(
            f"({len(result.other_alarms)} other alarm(s) watch metrics no filter publishes)\n"
        )
    for problem in result.not_simulated:
        out.write(f"not simulated: {problem}\n")
    for w in result.warnings:
        out.write(f"warning: {w}\n")
    reached = sum(a.alarm_state_reached for a in result.alarms)
    out.write(f"\nresult: {reached} of {len(result.alarms)} alarm(s) would have gone to ALARM\n")


def run_account(args: argparse.Namespace) -> int:
    """Run ``--all``/``--snapshot``: print the result, return the exit status."""
    try:
        if args.all and not args.metric_filter:
            raise CWPatternError("--all: with --metric-filter FILE")
        result = _simulate_account(args)
    except (CWPatternError, AlarmError) as err:
        print_error(err, NAME)  # the one error format of every command
        return 2
    if args.format == "json":
        json.dump(result.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _write_account_text(result)
    lost = sum(n for reason, n in result.input["skipped"].items() if reason != "empty_line")
    if (lost or result.not_simulated) and not args.skip_ok:
        parts = [f"{lost} piece(s) of input skipped"] if lost else []
        if result.not_simulated:
            parts.append(f"{len(result.not_simulated)} filter(s) or alarm(s) not simulated")
        print_error(
            CWPatternError(
                f"{' and '.join(parts)} (see the output): exit status 2 (--skip-ok accepts them)"
            ),
            NAME,
        )
        return 2
    return 0 if result.alarm_state_reached else 1
