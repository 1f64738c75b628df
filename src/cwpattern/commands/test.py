"""``cwpattern test PATTERN MESSAGE...``: TestMetricFilter, offline.

Prints the AWS response shape (``{"matches": [...]}``) for the given messages (or one
message per line of ``--file``); exit 0 when at least one message matches, 1 when none
does, 2 for an invalid pattern.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..pattern import compile

NAME = "test"
HELP = "test a pattern against log messages, like the TestMetricFilter API"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", help="the filter pattern")
    parser.add_argument("messages", nargs="*", help="log messages")
    parser.add_argument("-f", "--file", help="read messages from FILE, one per line ('-' = stdin)")


def run(args: argparse.Namespace) -> int:
    compiled = compile(args.pattern)
    messages = list(args.messages)
    if args.file:
        stream = (
            sys.stdin
            if args.file == "-"
            else open(args.file, encoding="utf-8", errors="surrogateescape")
        )
        with stream:
            messages.extend(line.rstrip("\r\n") for line in stream)
    matches = []
    for number, message in enumerate(messages, 1):
        values = compiled.extract(message)
        if values is not None:
            matches.append(
                {"eventNumber": number, "eventMessage": message, "extractedValues": values}
            )
    json.dump({"matches": matches}, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0 if matches else 1
