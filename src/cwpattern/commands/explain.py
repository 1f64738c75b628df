"""``cwpattern explain PATTERN [--control ID] [--format text|json]``.

Exit status: 0 when the pattern covers the control (or, without ``--control``, when
it is valid), 1 when it does not cover it (or coverage is unknown), 2 for an invalid
pattern, an unknown control or a usage error.  Errors are printed in the format of
every command (:func:`cwpattern.cli.format_error`); ``--format json`` still prints the
report of an invalid pattern on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..controls import DEFAULT_BENCHMARK
from ..explain import ci_results, explain, render_text
from ..pattern import compile
from ..reporting import github_annotations, junit_xml, sarif_log

NAME = "explain"
HELP = "show what a pattern really means, and whether it covers a CIS control"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", help="the filter pattern ('-' reads it from stdin)")
    parser.add_argument(
        "--control",
        "-c",
        metavar="ID",
        help="a control id such as cis-aws-3.0.0-4.7 or securityhub-cloudwatch.7, or a bare "
        f"number such as 4.7 of the default benchmark {DEFAULT_BENCHMARK}",
    )
    parser.add_argument(
        "--any-json-spelling",
        action="store_true",
        help="judge every RFC 8259 spelling of the records, not only CloudTrail's compact "
        "one (a yes that rests on it becomes no or unknown)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github", "junit"),
        default="text",
        help="text, json, or a CI format: SARIF 2.1.0, GitHub Actions annotations, JUnit XML",
    )


def run(args: argparse.Namespace) -> int:
    pattern = sys.stdin.read().rstrip("\n") if args.pattern == "-" else args.pattern
    report = explain(pattern, control=args.control, any_json_spelling=args.any_json_spelling)
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format != "text":
        _write_ci(report, args.format)
    if not report["valid"]:
        compile(pattern)  # raises the PatternSyntaxError: printed by cli.main, exit 2
    if args.format == "text":
        print(render_text(report))
    if args.control is None:
        return 0
    return 0 if report["covers"] else 1


def _write_ci(report: dict[str, Any], fmt: str) -> None:
    rules, findings, cases = ci_results(report)
    if fmt == "sarif":
        json.dump(sarif_log(rules, findings), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt == "github":
        text = github_annotations(findings)
        if text:
            print(text)
    else:
        print(junit_xml("cwpattern explain", cases))
