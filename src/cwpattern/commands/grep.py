"""``cwpattern grep PATTERN [PATH ...]``: the events of log files that a pattern matches.

Inputs are those of :func:`cwpattern.scanner.scan`: files, directory trees (CloudTrail's
``AWSLogs/.../CloudTrail/...`` included), gzip, JSON lines, text logs, ``aws logs`` output,
or stdin (no path, or ``-``).  Prints each matching message on its own line (``--json``: one
JSON object per match with its location and extracted values; ``--count``: the number of
matching events).  ``--jobs N`` scans with N processes; the output is the same, in the same
order.  Exit status as grep: 0 when something matched, 1 when nothing did, 2 for an invalid
pattern, an input that could not be read or an event that could not be evaluated (memory
ran out while matching it); bad data inside a readable file is reported on stderr but is
not an error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import IO, Any

from ..pattern import compile
from ..scanner import count, iter_messages, scan
from ..sources import FORMATS, STDIN, ScanStats, _expand

NAME = "grep"
HELP = "print the events of log files (JSON lines, CloudTrail, text, gzip) that a pattern matches"

#: stats.skipped reasons that mean an input could not be read, or an event could not be
#: evaluated (memory or stack ran out: never a "no match"): exit status 2, like grep.
ERRORS = ("unreadable_file", "bad_gzip", "read_error", "not_evaluated")
_PROGRESS_MIN_BYTES = 64 << 20


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", help="the filter pattern")
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories ('-' or nothing: stdin)"
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument(
        "-c", "--count", action="store_true", help="print only the number of matching events"
    )
    out.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per match (message, location, timestamp, extractedValues)",
    )
    out.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing; the exit status tells whether something matched",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="worker processes (default 1; 0: one per CPU)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="auto", help="input format (default: sniffed per file)"
    )
    parser.add_argument(
        "--max-line-bytes",
        type=_positive,
        default=1 << 20,
        metavar="N",
        help="skip (and count) longer lines (default 1 MiB)",
    )
    parser.add_argument(
        "-s",
        "--no-messages",
        action="store_true",
        help="do not report unreadable inputs and skipped data on stderr",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal and the input is large)",
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"invalid positive integer {text!r}")
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}")
    return int(text) or (os.cpu_count() or 1)


def run(args: argparse.Namespace) -> int:
    compiled = compile(args.pattern)  # PatternSyntaxError -> exit 2 in cli.main
    paths = args.paths or [STDIN]
    stats = ScanStats()
    bar = _Progress.maybe(paths, args.progress)
    options: dict[str, Any] = {
        "fmt": args.format,
        "jobs": args.jobs,
        "stats": stats,
        "max_line_bytes": args.max_line_bytes,
        "progress": bar.advance if bar else None,
    }
    out = sys.stdout.buffer
    found = 0
    try:
        if args.count:
            found = count(compiled, paths, **options)
            out.write(b"%d\n" % found)
        elif args.json:
            for match in scan(compiled, paths, **options):
                found += 1
                out.write(
                    _json_line(match.message, match.location, match.timestamp, match.extracted)
                )
        else:
            for message in iter_messages(compiled, paths, **options):
                found += 1
                if args.quiet:
                    break
                out.write(message)
                out.write(b"\n")
        out.flush()
    except BrokenPipeError:
        _silence_stdout()
    finally:
        if bar:
            bar.close()
    errors = sum(stats.skipped.get(k, 0) for k in ERRORS)
    if not args.no_messages:
        _report(stats, sys.stderr)
    if errors and not (args.quiet and found):
        return 2
    return 0 if found else 1


def _json_line(message: str, location: str, timestamp: int | None, values: dict[str, str]) -> bytes:
    obj = {
        "message": message,
        "location": location,
        "timestamp": timestamp,
        "extractedValues": values,
    }
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the message: escape them
        return (json.dumps(obj) + "\n").encode("ascii")


def _report(stats: ScanStats, err: IO[str]) -> None:
    """One line per unreadable input, then a summary of the skipped and flagged data."""
    for problem in stats.problems:
        reason = problem.split(": ", 2)[1] if ": " in problem else ""
        if reason in ERRORS:
            print(f"cwpattern grep: {problem}", file=err)
    for label, counts in (("skipped", stats.skipped), ("flagged", stats.flagged)):
        for reason, n in sorted(counts.items()):
            if reason in ERRORS or reason == "empty_line":
                continue
            first = next((p for p in stats.problems if p.split(": ", 2)[1:2] == [reason]), "")
            where = f" (first: {first.split(': ')[0]})" if first else ""
            print(f"cwpattern grep: {label} {n} x {reason}{where}", file=err)


def _silence_stdout() -> None:
    """The reader went away (``| head``): keep Python quiet when it flushes at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Progress:
    """A one-line progress bar on stderr: bytes read of the total input size."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.start = self.last = time.monotonic()

    @classmethod
    def maybe(cls, paths: list[str], mode: str) -> _Progress | None:
        if mode == "never" or (mode == "auto" and not sys.stderr.isatty()):
            return None
        total = 0
        for path in _expand(paths, ScanStats()):
            if path == STDIN:
                return None  # unknown size
            try:
                total += os.stat(path).st_size
            except OSError:
                pass
        if mode == "auto" and total < _PROGRESS_MIN_BYTES:
            return None
        return cls(max(total, 1))

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.2:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)  # gzip: decompressed bytes may pass 100 %
        rate = self.done / max(now - self.start, 1e-9) / 1e6
        width = 30
        filled = int(share * width)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {share:4.0%} "
            f"{self.done / 1e6:,.0f} MB {rate:,.0f} MB/s"
        )
        sys.stderr.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        sys.stderr.write("\n")
        sys.stderr.flush()
