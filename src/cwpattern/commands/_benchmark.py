"""``cwpattern check --benchmark ID [FILE|-]``: every control of a benchmark at once (the
matrix of :mod:`cwpattern.aws.matrix`), in text, JSON, SARIF, GitHub annotations or JUnit XML.

Used by :mod:`cwpattern.commands.check`; not a command of its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from ..aws.checker import CheckInput
from ..aws.matrix import BenchmarkReport, ControlRow, check_benchmark
from ..reporting import github_annotations, junit_xml, sarif_log

#: The CI formats ``--format`` adds to ``check``'s own.
CI_FORMATS = ("sarif", "github", "junit")
#: ``--fix-format``: how each fix is shown in the text report.
FIX_FORMATS = ("cli", "pattern", "terraform", "cloudformation", "none")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the benchmark mode (added to ``cwpattern check``)."""
    parser.add_argument(
        "--benchmark",
        "-b",
        metavar="ID",
        help="judge every monitoring control of this benchmark (e.g. cis-aws-3.0.0) "
        "instead of one --control: a matrix with a fix per control not covered",
    )
    parser.add_argument(
        "--fix-format",
        choices=FIX_FORMATS,
        default="cli",
        help="text output of --benchmark: show each fix as an aws CLI command (default), "
        "the pattern only, Terraform, CloudFormation, or not at all",
    )


def run(args: argparse.Namespace, given: CheckInput) -> int:
    """Judge, print in ``args.format``, and return the exit status (``--fail-on``)."""
    path = None if args.file == "-" else args.file
    report = check_benchmark(
        list(given.definitions), args.benchmark, path=path, truncated=given.truncated
    )
    write(report, args.format, sys.stdout, fix_format=getattr(args, "fix_format", "cli"))
    return 1 if report.failed(getattr(args, "fail_on", None) or "unknown") else 0


def write(report: BenchmarkReport, fmt: str, out: TextIO, *, fix_format: str = "cli") -> None:
    """Write ``report`` in one of the output formats."""
    if fmt == "json":
        json.dump(report.to_dict(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "sarif":
        log = sarif_log(
            report.rules(),
            report.findings(),
            properties={"benchmark": report.benchmark, "summary": report.summary()},
        )
        json.dump(log, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "github":
        text = github_annotations(report.findings())
        if text:
            out.write(text + "\n")
    elif fmt == "junit":
        out.write(junit_xml(f"cwpattern check --benchmark {report.benchmark}", report.cases()))
        out.write("\n")
    else:
        write_text(report, out, fix_format=fix_format)


_MARK = {"yes": "yes", "no": "NO", "unknown": "UNKNOWN"}


def write_text(report: BenchmarkReport, out: TextIO, *, fix_format: str = "cli") -> None:
    """The matrix as text: one row per control, then the fix of each control not covered."""
    s = report.summary()
    what = report.path or "stdin"
    out.write(
        f"cwpattern check of {what} against {report.benchmark}: {len(report.rows)} controls, "
        f"{s['yes']} covered, {s['no']} not covered, {s['unknown']} unknown "
        f"({len(report.filters)} filters)\n\n"
    )
    width = max([len(r.control.id) for r in report.rows] + [7])
    out.write(f"{'control':<{width}}  {'covered':<7}  {'relation':<10}  covering filters\n")
    for r in report.rows:
        covering = ", ".join(r.covering) or (f"(closest: {r.closest})" if r.closest else "-")
        out.write(
            f"{r.control.id:<{width}}  {_MARK[r.verdict]:<7}  {r.relation or '-':<10}  {covering}\n"
        )
    if fix_format == "none":
        return
    for r in report.rows:
        if r.remediation is None:
            continue
        out.write(f"\n{r.control.id} {r.control.title}: {r.reason}\n")
        write_fix(r, out, fix_format=fix_format)


def write_fix(r: ControlRow, out: TextIO, *, fix_format: str = "cli") -> None:
    """The remediation of one row: what it edits, what it drops, the fix itself."""
    fix = r.remediation
    if fix is None or fix_format == "none":
        return
    label = "fix" if fix.kind == "fix" else "suggestion (over-broad)"
    how = {"edit": "edit of", "add-branches": "branches added to", "reference": "new filter"}
    source = f" {r.closest}" if fix.original is not None and r.closest else ""
    out.write(f"  {label} ({how[fix.strategy]}{source}):\n")
    if fix.drops:
        out.write(f"    drops: {'; '.join(fix.drops)}\n")
    if fix_format == "pattern":
        body = fix.pattern
    elif fix_format == "terraform":
        body = fix.terraform
    elif fix_format == "cloudformation":
        body = fix.cloudformation
    else:
        body = fix.cli
    out.write("    " + body.replace("\n", "\n    ") + "\n")
    if fix.narrowing:
        out.write(f"  narrower, also covering (suggestion): {fix.narrowing}\n")


def control_report(given: CheckInput, control: str, path: str | None) -> BenchmarkReport:
    """The matrix of one control (its row and fix), judged as part of its benchmark so that
    a filter that is for another control is never edited for this one."""
    from .. import controls

    ctrl = controls.get(control)
    report = check_benchmark(
        list(given.definitions), ctrl.benchmark, path=path, truncated=given.truncated
    )
    return report.only(ctrl.id)
