"""``cwpattern explain PATTERN [--control ID] [--format text|json]``.

Exit status: 0 when the pattern covers the control (or, without ``--control``, when
it is valid), 1 when it does not cover it (or coverage is unknown), 2 for an invalid
pattern or usage error.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..explain import explain, render_text

NAME = "explain"
HELP = "show what a pattern really means, and whether it covers a CIS control"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", help="the filter pattern ('-' reads it from stdin)")
    parser.add_argument(
        "--control",
        "-c",
        metavar="ID",
        help="a control id such as cis-aws-3.0.0-4.7 or securityhub-cloudwatch.7",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    pattern = sys.stdin.read().rstrip("\n") if args.pattern == "-" else args.pattern
    report = explain(pattern, control=args.control)
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(render_text(report), file=sys.stdout if report["valid"] else sys.stderr)
    if not report["valid"]:
        return 2
    if args.control is None:
        return 0
    return 0 if report["covers"] else 1
