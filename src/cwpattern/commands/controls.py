"""``cwpattern controls [ID|BENCHMARK|TOPIC|WORDS ...] [--format text|json]``: the catalog.

With no argument, lists every control.  The arguments are a control id
(``cis-aws-3.0.0-4.7``, or a bare number such as ``4.7`` of the default benchmark CIS AWS
3.0.0), a benchmark (``cis-aws-3.0.0``, ``securityhub``), a topic
(``kms-cmk-disable-or-delete``) — each argument on its own — or, failing all of those,
words searched in the topics and titles (``cwpattern controls kms``, ``controls root
account``: every word must occur).  Exit 2 when nothing matches.
"""

from __future__ import annotations

import argparse
import json
import sys

from .. import controls as catalog

NAME = "controls"
HELP = "list the CIS / Security Hub monitoring controls and their reference patterns"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names",
        nargs="*",
        metavar="ID|BENCHMARK|TOPIC|WORD",
        help="a control id or bare number such as 4.7 (default benchmark "
        f"{catalog.DEFAULT_BENCHMARK}), a benchmark, a topic, or words of a title",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _one(name: str) -> tuple[catalog.Control, ...] | None:
    """The controls one argument names as an id, number, benchmark or topic, or None."""
    if name.strip().lower() in catalog.topics():
        return catalog.by_topic(name)
    try:
        return catalog.resolve(name)
    except catalog.UnknownControlError:
        return None


def _select(names: list[str]) -> list[catalog.Control]:
    if not names:
        return list(catalog.all_controls())
    chosen: list[catalog.Control] = []
    named = [_one(name) for name in names]
    if all(found is not None for found in named):
        for found in named:
            chosen.extend(c for c in found or () if c not in chosen)
        return chosen
    words = " ".join(names)
    found = catalog.search(words)
    if not found:
        first = next(n for n, f in zip(names, named) if f is None)
        try:  # the resolver's error, with its suggestions
            catalog.resolve(first)
        except catalog.UnknownControlError as err:
            raise catalog.UnknownControlError(
                "control, benchmark, topic or title word", words, err.suggestions
            ) from None
    return list(found)


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
