"""``cwpattern controls [ID|BENCHMARK|TOPIC ...] [--format text|json]``: the control catalog.

With no argument, lists every control; an argument may be a control id
(``cis-aws-3.0.0-4.7``), a benchmark (``cis-aws-3.0.0``, ``securityhub``) or a topic
(``kms-cmk-disable-or-delete``).  Exit 2 for an unknown name.
"""

from __future__ import annotations

import argparse
import json
import sys

from .. import controls as catalog

NAME = "controls"
HELP = "list the CIS / Security Hub monitoring controls and their reference patterns"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="ID|BENCHMARK|TOPIC")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _select(names: list[str]) -> list[catalog.Control]:
    if not names:
        return list(catalog.all_controls())
    chosen: list[catalog.Control] = []
    for name in names:
        if name in catalog.topics():
            found = catalog.by_topic(name)
        else:
            found = catalog.resolve(name)
        chosen.extend(c for c in found if c not in chosen)
    return chosen


def run(args: argparse.Namespace) -> int:
    chosen = _select(args.names)
    if args.format == "json":
        json.dump(
            [
                {
                    "id": c.id,
                    "benchmark": c.benchmark,
                    "version": c.version,
                    "number": c.number,
                    "title": c.title,
                    "topic": c.topic,
                    "pattern": c.pattern,
                    "effective_pattern": c.effective_pattern,
                    "correction": c.correction,
                }
                for c in chosen
            ],
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return 0
    for c in chosen:
        print(f"{c.id:<28} {c.topic:<32} {c.title}")
        if len(chosen) <= 3:
            print(f"{'':<28} pattern: {c.effective_pattern}")
            if c.correction:
                print(f"{'':<28} note: {c.correction}")
    return 0
