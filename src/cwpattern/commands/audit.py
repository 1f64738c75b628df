"""``cwpattern audit SNAPSHOT.json | --terraform PLAN | --cloudformation TEMPLATE``.

Checks the CIS monitoring controls (every control of ``--benchmark``, or the
``--control`` ids) link by link: trail, metric filter, alarm, notification.  Output is
text, JSON (``{"controls": [...]}``, schema in ``docs/audit.md``) or SARIF 2.1.0.
Exit status: 0 when every selected control passes, 1 when one fails or cannot be
decided (``--fail-on fail``: only when one fails), 2 for unreadable input, a document
that is not a snapshot, or a usage error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..aws.audit import AuditReport, IacSource, audit, audit_iac_file, audit_iac_text
from ..aws.matrix import audit_remediations
from ..aws.report import FORMATS, render
from ..aws.snapshot import loads_snapshot
from ..controls import DEFAULT_BENCHMARK
from ..errors import CWPatternError

NAME = "audit"
HELP = "check the CIS monitoring controls of an account snapshot or of IaC (exit 0: all pass)"

#: ``--fail-on``: the control statuses that make the run fail (exit 1).
FAIL_ON = {"unknown": frozenset({"fail", "unknown"}), "fail": frozenset({"fail"})}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "snapshot",
        nargs="?",
        metavar="SNAPSHOT.json",
        help="account snapshot (docs/audit-snapshot.md); '-' reads stdin",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--terraform",
        metavar="PLAN.json",
        help="audit `terraform show -json` output instead of a snapshot",
    )
    source.add_argument(
        "--cloudformation",
        metavar="TEMPLATE",
        help="audit a CloudFormation template (JSON, or YAML with PyYAML)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="CloudFormation parameter or pseudo parameter (AWS::Region=us-east-1); repeatable",
    )
    parser.add_argument(
        "--assume-trail-log-group",
        metavar="NAME",
        help="IaC only: assume the account's trail delivers all management "
        "events to this log group, and audit the filter and alarm links",
    )
    parser.add_argument(
        "--benchmark",
        default=DEFAULT_BENCHMARK,
        help=f"benchmark whose controls are audited (default: {DEFAULT_BENCHMARK})",
    )
    parser.add_argument(
        "--control",
        "-c",
        action="append",
        metavar="ID",
        help="audit only this control (repeatable): an id such as cis-aws-3.0.0-4.7, or a "
        f"bare number such as 4.7 of --benchmark (default {DEFAULT_BENCHMARK})",
    )
    parser.add_argument(
        "--fail-on",
        choices=tuple(FAIL_ON),
        default="unknown",
        help="exit 1 when a control fails (fail), or also when one cannot be decided "
        "(unknown, the default)",
    )
    parser.add_argument(
        "--any-json-spelling",
        action="store_true",
        help="judge filters for every RFC 8259 spelling of the records, not only "
        "CloudTrail's compact one (a pass that rests on it becomes fail or unknown)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="text: show the links of passing controls too"
    )


def _parameters(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CWPatternError(f"--parameter {item!r}: expected KEY=VALUE")
        out[key] = value
    return out


def _report(args: argparse.Namespace) -> AuditReport:
    iac_path = args.terraform or args.cloudformation
    if iac_path and args.snapshot:
        raise CWPatternError("give a snapshot or --terraform/--cloudformation, not both")
    if not iac_path and not args.snapshot:
        raise CWPatternError(
            "give SNAPSHOT.json, --terraform PLAN.json or --cloudformation TEMPLATE"
        )
    if args.assume_trail_log_group and not iac_path:
        raise CWPatternError(
            "--assume-trail-log-group applies to --terraform/--cloudformation "
            "only: a snapshot holds the trails"
        )
    if args.parameter and not args.cloudformation:
        raise CWPatternError("--parameter applies to --cloudformation only")
    options: dict[str, Any] = {
        "controls": args.control,
        "benchmark": args.benchmark,
        "any_json_spelling": args.any_json_spelling,
    }
    if iac_path:
        source: IacSource = "terraform" if args.terraform else "cloudformation"
        iac_options: dict[str, Any] = {
            **options,
            "parameters": _parameters(args.parameter),
            "assume_log_group": args.assume_trail_log_group,
        }
        if iac_path == "-":
            return audit_iac_text(sys.stdin.read(), source, **iac_options)
        return audit_iac_file(iac_path, source, **iac_options)
    if args.snapshot == "-":
        stdin = getattr(sys.stdin, "buffer", sys.stdin)
        return audit(loads_snapshot(stdin.read(), "<stdin>"), **options)
    return audit(args.snapshot, **options)


def run(args: argparse.Namespace) -> int:
    report = _report(args)  # CWPatternError, OSError: exit 2 in cli.main
    fixes = audit_remediations(report)  # verified fixes of failing metric-filter links
    sys.stdout.write(render(report, args.format, verbose=args.verbose, fixes=fixes))
    if not report.controls:
        return 1
    return 1 if any(c.status in FAIL_ON[args.fail_on] for c in report.controls) else 0
