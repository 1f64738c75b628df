"""``cwpattern test PATTERN [MESSAGE...] [-f FILE]``: TestMetricFilter, offline.

Prints the AWS response shape (``{"matches": [...]}``) for the given messages, one
message per line of ``--file``, or, when neither is given, one per line of stdin.  Like
the API (:func:`cwpattern.test_metric_filter`), it takes 1 to 50 messages, each non-empty;
empty lines of a file or of stdin are skipped, not messages.  Exit 0 when at least one
message matches, 1 when none does, 2 for an invalid pattern or an invalid set of messages.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import CWPatternError, PatternSyntaxError
from ..pattern import test_metric_filter

NAME = "test"
HELP = "test a pattern against log messages, like the TestMetricFilter API"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", help="the filter pattern")
    parser.add_argument("messages", nargs="*", help="log messages (none: read stdin)")
    parser.add_argument(
        "-f", "--file", help="also read messages from FILE, one per line ('-' = stdin)"
    )


def _lines(path: str) -> list[str]:
    if path == "-":
        text = sys.stdin.read()
    else:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    lines = (line.rstrip("\r") for line in text.split("\n"))
    return [line for line in lines if line]


def run(args: argparse.Namespace) -> int:
    messages = list(args.messages)
    if args.file:
        messages.extend(_lines(args.file))
    elif not messages:
        if sys.stdin.isatty():  # not a hang: say what is awaited
            print(
                "cwpattern test: reading messages from stdin, one per line (end with Ctrl-D)",
                file=sys.stderr,
            )
        messages = _lines("-")
    try:
        matches = test_metric_filter(args.pattern, messages)
    except PatternSyntaxError:
        raise
    except ValueError as err:  # the API's 1-50 non-empty messages rule
        raise CWPatternError(str(err)) from None
    json.dump({"matches": matches}, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0 if matches else 1
