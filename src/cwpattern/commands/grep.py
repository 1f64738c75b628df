"""``cwpattern grep PATTERN [PATH ...]``: the events of log files that a pattern matches.

Inputs are those of :func:`cwpattern.scanner.scan`: files, directory trees (CloudTrail's
``AWSLogs/.../CloudTrail/...`` included), gzip, JSON lines, text logs, ``aws logs`` output,
or stdin (no path, or ``-``).  Prints each matching message on its own line (``--json``: one
JSON object per match with its location and extracted values; ``--count``: the number of
matching events).  ``--jobs N`` scans with N processes; the output is the same, in the same
order.

Directories are walked recursively; hidden entries (``--hidden``), symbolic links to
directories (``--follow``, cycle-safe), ``-g/--glob`` and ``--exclude`` work as in
ripgrep, and CloudTrail digest files are not events.  Everything left out is counted by
kind on stderr.

Several patterns (``-e P`` repeated, ``-f FILE`` with one pattern per non-blank line,
``--control BENCHMARK`` for a benchmark's monitoring controls, in any mix; the first
positional argument is then a path) are scanned in one read of the input
(:func:`cwpattern.scanner.scan_many`; ``--jobs`` splits that pass among processes, with
the same output).  Without ``--each`` an event matches when any of
them matches, as in grep; ``--count --each`` prints one line per pattern,
``COUNT<TAB>LABEL`` in the order given (totals over all PATHs), the label being the pattern
text or the control id; -l, -H, -n, -v and -m take one pattern.

Exit status: 0 when something matched, 1 when nothing did, 2 for an invalid pattern, an
input that could not be read, an event that could not be evaluated (memory ran out while
matching it), or input that was skipped (a binary file, an invalid JSON line, a line over
``--max-line-bytes``, a truncated gzip file...): a count or a "no match" over incomplete
input is not a verdict.  ``--skip-ok`` (or ``-s``) accepts skipped data: then only
unreadable inputs and unevaluated events make the status 2.  With ``-q``, a match exits 0.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import IO, Any

from ..errors import CWPatternError
from ..jsondoc import message_bytes
from ..pattern import CompiledPattern, compile
from ..scanner import count, count_many, iter_messages, scan, scan_many
from ..sources import FORMATS, STDIN, ScanStats, expand
from ._grep_output import needs_files, write_by_file
from ._patternargs import add_pattern_options, labelled_patterns

NAME = "grep"
HELP = "print the events of log files (JSON lines, CloudTrail, text, gzip) that a pattern matches"

#: stats.skipped reasons that mean an input could not be read, or an event could not be
#: evaluated (memory or stack ran out: never a "no match"): exit status 2, like grep.
ERRORS = ("unreadable_file", "bad_gzip", "read_error", "not_evaluated", "out_of_memory")
_PROGRESS_MIN_BYTES = 64 << 20


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pattern", nargs="?", help="the filter pattern (a path when -e/-f/--control is given)"
    )
    many = parser.add_argument_group("several patterns, one read of the input")
    add_pattern_options(
        many, e_help="a pattern; repeatable (an event matches when any of them does)"
    )
    many.add_argument(
        "--each",
        action="store_true",
        help="with --count: one line per pattern, COUNT<TAB>LABEL, in the order given",
    )
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
    out.add_argument(
        "-l",
        "--files-with-matches",
        action="store_true",
        help="print the name of each file with a matching event",
    )
    conv = parser.add_argument_group("output by file (as ripgrep)")
    conv.add_argument(
        "-H", "--with-filename", action="store_true", help="print the file name of each event"
    )
    conv.add_argument(
        "-I", "--no-filename", action="store_true", help="never print file names (-c, -H)"
    )
    conv.add_argument(
        "-n",
        "--line-number",
        action="store_true",
        help="print each event's position: its line, or its place in a document "
        "(Records[3], events[0])",
    )
    conv.add_argument(
        "-v", "--invert-match", action="store_true", help="select the events that do not match"
    )
    conv.add_argument(
        "-m",
        "--max-count",
        type=_positive,
        metavar="NUM",
        help="at most NUM events per file",
    )
    conv.add_argument(
        "--total",
        action="store_true",
        help="with -c: one total for all files (the default for a single PATH)",
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
        help="do not report unreadable inputs and skipped data on stderr (implies --skip-ok)",
    )
    parser.add_argument(
        "--skip-ok",
        action="store_true",
        help="skipped data (binary files, invalid JSON, long lines, damaged gzip) does not "
        "make the exit status 2; unreadable inputs still do",
    )
    walk = parser.add_argument_group("directory walks (as ripgrep)")
    walk.add_argument(
        "-g",
        "--glob",
        action="append",
        default=[],
        metavar="GLOB",
        help="read only files matching GLOB ('!GLOB' excludes); repeatable; "
        "files given explicitly are always read",
    )
    walk.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out files and directories matching GLOB; repeatable",
    )
    walk.add_argument(
        "-L", "--follow", action="store_true", help="follow symbolic links to directories"
    )
    walk.add_argument("--hidden", action="store_true", help="read hidden files and directories too")
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal and the input is "
        "large; needs tqdm: pip install 'cwpattern[progress]')",
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"invalid positive integer {text!r}")
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}")
    return int(text) or (os.cpu_count() or 1)


def _run_many(
    args: argparse.Namespace,
    labelled: list[tuple[str, CompiledPattern]],
    paths: list[str],
    options: dict[str, Any],
    before_output: Callable[[], None],
) -> int:
    compiled = [c for _, c in labelled]
    out = sys.stdout.buffer
    if args.count and args.each:
        counts = count_many(compiled, paths, **options)
        before_output()
        for (label, _), n in zip(labelled, counts):
            out.write(b"%d\t%s\n" % (n, message_bytes(label)))
        return sum(counts)
    found = 0
    last = None
    for _, match in scan_many(compiled, paths, **options):
        if match.location == last:
            continue  # already printed (or counted) for an earlier pattern
        last = match.location
        found += 1
        if args.quiet:
            break
        if args.json:
            out.write(_json_line(match.message, match.location, match.timestamp, match.extracted))
        elif not args.count:
            out.write(message_bytes(match.message) + b"\n")
    if args.count:
        before_output()
        out.write(b"%d\n" % found)
    return found


def run(args: argparse.Namespace) -> int:
    if args.each and not (args.count and args.pattern_options):
        raise CWPatternError("--each needs --count and patterns given with -e, -f or --control")
    per_file = ("files_with_matches", "with_filename", "line_number", "invert_match")
    if args.pattern_options and (
        any(getattr(args, o) for o in per_file) or args.max_count is not None
    ):
        raise CWPatternError("-l, -H, -n, -v and -m take one pattern, not -e/-f/--control")
    given = list(args.paths)
    pattern: CompiledPattern | list[tuple[str, CompiledPattern]]
    if args.pattern_options:
        pattern = labelled_patterns(args)  # PatternSyntaxError -> exit 2 in cli.main
        if args.pattern is not None:
            given.insert(0, args.pattern)  # the first positional argument is a path
        if len(pattern) == 1 and not args.each:
            pattern = pattern[0][1]  # one pattern: as if given alone (same output, one scan)
    elif args.pattern is None:
        raise CWPatternError("no pattern given")
    else:
        pattern = compile(args.pattern)
    stats = ScanStats()
    given = given or [STDIN]
    paths = list(
        expand(
            given,
            stats,
            follow=args.follow,
            hidden=args.hidden,
            globs=args.glob,
            excludes=args.exclude,
        )
    )
    bar = _Progress.maybe(paths, args.progress, stats)
    options: dict[str, Any] = {
        "fmt": args.format,
        "jobs": args.jobs,
        "stats": stats,
        "max_line_bytes": args.max_line_bytes,
        "progress": bar.advance if bar else None,
    }
    out = getattr(sys.stdout, "buffer", None) or _TextOut(sys.stdout)
    found = 0

    def close_bar() -> None:
        nonlocal bar
        if bar:
            bar.close()  # before the result, so that the two do not share a line
            bar = None

    try:
        if not paths:
            pass  # everything was left out (and is reported below): nothing to scan
        elif isinstance(pattern, list):
            found = _run_many(args, pattern, paths, options, close_bar)
        elif needs_files(args):
            found = write_by_file(args, pattern, paths, options, out, close_bar)
        elif args.count:
            found = count(pattern, paths, **options)
            close_bar()
            out.write(b"%d\n" % found)
        elif args.json:
            for match in scan(pattern, paths, **options):
                found += 1
                out.write(
                    _json_line(match.message, match.location, match.timestamp, match.extracted)
                )
        else:
            for message in iter_messages(pattern, paths, **options):
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
    lost = stats.incomplete() - errors
    if not args.no_messages:
        _report(stats, sys.stderr)
    if args.quiet and found:
        return 0
    if errors or (lost and not (args.skip_ok or args.no_messages)):
        if lost and not args.no_messages and not args.skip_ok:
            print(
                f"cwpattern grep: {lost} piece(s) of input skipped: exit status 2 "
                "(--skip-ok accepts them)",
                file=sys.stderr,
            )
        return 2
    return 0 if found else 1


class _TextOut:
    """Bytes written to a text-only stdout (one replaced by a ``StringIO``)."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text

    def write(self, data: bytes) -> int:
        return self.text.write(data.decode("utf-8", "surrogateescape"))

    def flush(self) -> None:
        self.text.flush()


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
    for kind, n in sorted(stats.ignored.items()):
        print(
            f"cwpattern grep: ignored {n} x {kind} (first: {stats.ignored_examples[kind]})",
            file=err,
        )


def _silence_stdout() -> None:
    """The reader went away (``| head``): keep Python quiet when it flushes at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Progress:
    """A progress bar (tqdm) on stderr: bytes of the inputs as stored on disk (gzip:
    compressed bytes consumed, against the compressed size) of their total size."""

    def __init__(self, total: int, stats: ScanStats) -> None:
        # imported here: tqdm is optional (the progress extra), and untyped
        tqdm = importlib.import_module("tqdm").tqdm
        self.stats = stats
        self.bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            mininterval=0.2,
            dynamic_ncols=True,
        )

    @classmethod
    def maybe(cls, paths: list[str], mode: str, stats: ScanStats) -> _Progress | None:
        if mode == "never" or (mode == "auto" and not sys.stderr.isatty()):
            return None
        total = 0
        for path in paths:
            if path == STDIN:
                return None  # unknown size
            try:
                total += os.stat(path).st_size
            except OSError:
                pass
        if mode == "auto" and total < _PROGRESS_MIN_BYTES:
            return None
        try:
            return cls(max(total, 1), stats)
        except ImportError:
            if mode == "always":
                print(
                    "cwpattern grep: no progress bar: it needs tqdm "
                    "(pip install 'cwpattern[progress]')",
                    file=sys.stderr,
                )
            return None

    def advance(self, n: int) -> None:
        """Called by the scanner with the bytes it consumed; the position itself is
        read from the scan's counters (stored bytes, not decompressed ones)."""
        done = min(self.stats.stored_bytes(), int(self.bar.total))
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.advance(0)
        self.bar.close()
