"""``cwpattern lint FILE... [--kind K] [--format text|json|github|sarif]``: the metric
filters of IaC files (Terraform plan JSON, ``*.tf.json``, CloudFormation) or
``describe-metric-filters`` dumps — the entry point of the pre-commit hooks.

Fails (exit 1) on an invalid pattern, or on a filter named for a CIS control that does not
cover it (undecided coverage fails too); the message shows the verified fix.  Exit 0 when
nothing is found, 2 for an unreadable file (with ``--kind auto``, a file of no kind
cwpattern reads).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..aws.iaclint import LintReport, lint_files
from ..reporting import github_annotations, sarif_log

NAME = "lint"
HELP = "check the metric filters of IaC files: valid patterns, named controls covered"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument(
        "--kind",
        choices=("auto", "terraform-plan", "terraform-json", "cloudformation", "describe"),
        default="auto",
        help="only files of this kind (others are skipped); auto: every file must be one",
    )
    parser.add_argument(
        "--benchmark",
        default="cis-aws-3.0.0",
        help="benchmark of bare control numbers in names such as cis-4.7 (default: cis-aws-3.0.0)",
    )
    parser.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")


def run(args: argparse.Namespace) -> int:
    report = lint_files(args.files, kind=args.kind, benchmark=args.benchmark)
    if args.format == "json":
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "sarif":
        log = sarif_log(report.rules(), [f.finding() for f in report.findings])
        json.dump(log, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "github":
        text = github_annotations(f.finding() for f in report.findings)
        if text:
            print(text)
    else:
        _text(report)
    return 1 if report.findings else 0


def _text(report: LintReport) -> None:
    for f in report.findings:
        where = f"{f.path}:{f.line}" if f.line else f.path
        print(f"{where}: {f.code}: {f.message}")
        if f.remediation is not None:
            print("    " + f.remediation.cli.replace("\n", "\n    "))
    print(
        f"cwpattern lint: {len(report.checked)} file(s), {report.filters} filter(s), "
        f"{report.named} named for a control, {len(report.findings)} problem(s)"
        + (f", {len(report.skipped)} file(s) of another kind skipped" if report.skipped else ""),
        file=sys.stderr,
    )
