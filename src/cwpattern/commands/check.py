"""``cwpattern check --control ID [FILE|-] [--format text|json]``.

Judges many patterns at once: FILE holds one pattern per line, or the JSON output of
``aws logs describe-metric-filters``.  Exit 0 when the control is covered (by one filter,
or by the filters of one metric together), 1 when it is not, 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..checker import check
from ..documents import loads

NAME = "check"
HELP = "judge many metric-filter patterns against a control"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        help="patterns, one per line, or describe-metric-filters JSON ('-': stdin)",
    )
    parser.add_argument("--control", "-c", required=True, metavar="ID")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _read(path: str) -> object:
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    except OSError as err:
        raise SystemExit(f"cannot read {path}: {err.strerror}") from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")) and '"metricFilters"' in text:
        try:
            return loads(text)  # depth-bounded: no RecursionError on hostile nesting
        except ValueError as err:
            raise SystemExit(f"{path}: invalid JSON: {err}") from None
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def run(args: argparse.Namespace) -> int:
    try:
        source = _read(args.file)
        report = check(source, control=args.control)  # type: ignore[arg-type]
    except SystemExit as err:
        print(f"error: {err.code}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"control {report.control}: {report.reference}")
        width = max([len(r.name) for r in report.results] + [6])
        print(f"{'filter':<{width}}  {'covers':<7}  {'relation':<10}  pattern / what it misses")
        for r in report.results:
            verdict = {"yes": "yes", "no": "NO", "unknown": "unknown", "invalid": "INVALID"}[
                r.verdict
            ]
            print(f"{r.name:<{width}}  {verdict:<7}  {r.relation or '-':<10}  {r.pattern}")
            if r.error:
                print(
                    f"{'':<{width}}  {'':<7}  {'':<10}  {r.error['code']} at {r.error['position']}: {r.error['message']}"
                )
            for case in r.missed:
                print(f"{'':<{width}}  {'':<7}  {'':<10}  misses: {case}")
        for g in report.groups:
            verdict = {"yes": "yes", "no": "NO", "unknown": "unknown"}[g.verdict]
            print(f"together on {g.metric} ({', '.join(g.filters)}): covers {verdict}")
        print(f"control covered: {'yes' if report.covered else 'NO'}")
    return 0 if report.covered else 1
