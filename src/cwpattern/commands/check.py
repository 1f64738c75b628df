"""``cwpattern check --control ID [FILE|-] [--input auto|lines|json] [--format text|json]``.

Judges many patterns at once: FILE holds one pattern per line, or JSON — the output of
``aws logs describe-metric-filters`` (one or several pages), a list of filters or a list
of pattern strings (:func:`cwpattern.aws.checker.read_input`).  Exit 0 when the control is
covered (by one filter, or by the filters of one metric together), 1 when it is not —
an empty set of filters covers nothing — or when coverage is unknown (unless
``--fail-on fail``), 2 for unreadable or malformed input, an invalid option or an
unknown control.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TextIO

from .. import controls
from ..analysis.results import Verdict
from ..aws.checker import CheckReport, check, read_input
from ..controls import DEFAULT_BENCHMARK
from ..errors import CWPatternError
from . import _benchmark

NAME = "check"
HELP = "judge many metric-filter patterns against a control"

#: ``--fail-on``: the verdicts that make the run fail (exit 1).
FAIL_ON = {
    "unknown": frozenset({Verdict.NO, Verdict.UNKNOWN}),
    "fail": frozenset({Verdict.NO}),
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        help="patterns, one per line, or describe-metric-filters JSON ('-': stdin)",
    )
    parser.add_argument(
        "--control",
        "-c",
        metavar="ID",
        help=f"control id (cis-aws-3.0.0-4.7, securityhub-cloudwatch.7) or a bare number "
        f"such as 4.7 of the default benchmark {DEFAULT_BENCHMARK}; or --benchmark",
    )
    parser.add_argument(
        "--input",
        choices=("auto", "lines", "json"),
        default="auto",
        help="auto (default): JSON when the whole input is a JSON array or object, else one "
        "pattern per line; 'lines' when a line really is the pattern []",
    )
    parser.add_argument(
        "--fail-on",
        choices=tuple(FAIL_ON),
        default="unknown",
        help="exit 1 when the control is not covered (fail) or also when coverage is "
        "unknown (unknown, the default)",
    )
    parser.add_argument(
        "--any-json-spelling",
        action="store_true",
        help="judge every RFC 8259 spelling of the records, not only CloudTrail's compact "
        "one (a yes that rests on it becomes no or unknown)",
    )
    parser.add_argument("--format", choices=(*WRITERS, *_benchmark.CI_FORMATS), default="text")
    _benchmark.add_arguments(parser)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:  # OSError: exit 2 in cli.main
        return fh.read()


def run(args: argparse.Namespace) -> int:
    if (args.benchmark is None) == (args.control is None):
        raise CWPatternError("give --control ID or --benchmark ID (one of them)")
    if args.benchmark is not None:
        if args.any_json_spelling:
            raise CWPatternError("--any-json-spelling applies to --control only")
        return _benchmark.run(args, read_input(_read(args.file), mode=args.input))
    control = controls.get(args.control)  # an unknown control is reported before any input
    given = read_input(_read(args.file), mode=args.input)
    report = check(given.filters, control=control.id, any_json_spelling=args.any_json_spelling)
    # the fix (and the CI formats) come from the control's row of its benchmark's matrix
    path = None if args.file == "-" else args.file
    fixes = _benchmark.control_report(given, control.id, path)
    fix = fixes.rows[0].remediation  # a fix, a narrowing suggestion, or None
    if args.format in _benchmark.CI_FORMATS:
        _benchmark.write(fixes, args.format, sys.stdout)
    elif args.format == "json":
        doc = report.to_dict()
        doc["remediation"] = None if fix is None else fix.to_dict()
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        WRITERS[args.format](report, sys.stdout)
        if fix is not None:
            _benchmark.write_fix(fixes.rows[0], sys.stdout, fix_format=args.fix_format)
    return 1 if report.verdict in FAIL_ON[args.fail_on] else 0


_MARK = {Verdict.YES: "yes", Verdict.NO: "NO", Verdict.UNKNOWN: "unknown"}


def write_json(report: CheckReport, out: TextIO) -> None:
    """``--format json``: :meth:`CheckReport.to_dict`."""
    json.dump(report.to_dict(), out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_text(report: CheckReport, out: TextIO) -> None:
    """The text report: one row per filter, what it misses, its warnings, the verdict."""
    out.write(f"control {report.control}: {report.reference}\n")
    if report.results:
        width = max([len(r.name) for r in report.results] + [6])
        pad = f"{'':<{width}}  {'':<7}  {'':<10}  "
        out.write(
            f"{'filter':<{width}}  {'covers':<7}  {'relation':<10}  pattern / what it misses\n"
        )
        for r in report.results:
            mark = _MARK[r.verdict] if r.valid else "INVALID"
            out.write(f"{r.name:<{width}}  {mark:<7}  {r.relation or '-':<10}  {r.pattern}\n")
            if r.error:
                out.write(
                    f"{pad}syntax-error [{r.error['code']}]: {r.error['message']} "
                    f"at column {r.error['column']}\n"
                )
            for case in r.missed:
                out.write(f"{pad}misses: {case}\n")
            for w in r.warnings:
                out.write(f"{pad}warning [{w.code}]: {w.message}\n")
    for g in report.groups:
        out.write(f"together on {g.metric} ({', '.join(g.filters)}): covers {_MARK[g.verdict]}\n")
    out.write(f"control covered: {_MARK[report.verdict]} ({report.reason})\n")
    for assumption in report.assumptions:
        out.write(f"assumes: {assumption}\n")


#: ``--format`` choices: each writes a :class:`~cwpattern.aws.checker.CheckReport` to a stream.
WRITERS: dict[str, Callable[[CheckReport, TextIO], None]] = {
    "text": write_text,
    "json": write_json,
}
