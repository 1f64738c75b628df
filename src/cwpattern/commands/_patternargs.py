"""The ``-e`` / ``-f`` / ``--control`` options that name several patterns, shared by
``cwpattern grep`` and ``cwpattern spark-count`` so that both read them alike and label
their counts alike (``COUNT<TAB>LABEL``: the pattern's text, or the control's id)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import controls
from ..errors import CWPatternError
from ..pattern import CompiledPattern, compile


class _PatternOption(argparse.Action):
    """-e / -f / --control append ``(kind, value)`` to one list, keeping their order."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, "pattern_options", None) or [])
        items.append((self.const, values))
        namespace.pattern_options = items


def add_pattern_options(
    group: argparse._ActionsContainer, e_help: str = "a pattern; repeatable"
) -> None:
    """Add -e, -f and --control to ``group``; they fill ``args.pattern_options``."""
    group.add_argument(
        "-e",
        "--regexp",
        action=_PatternOption,
        const="e",
        dest="pattern_options",
        metavar="PATTERN",
        help=e_help,
    )
    group.add_argument(
        "-f",
        "--file",
        action=_PatternOption,
        const="f",
        dest="pattern_options",
        metavar="FILE",
        help="read patterns from FILE, one per line (blank lines ignored); repeatable",
    )
    group.add_argument(
        "--control",
        action=_PatternOption,
        const="control",
        dest="pattern_options",
        metavar="ID",
        help="a benchmark's monitoring controls (e.g. cis-aws-3.0.0) or one control",
    )


def labelled_patterns(args: argparse.Namespace) -> list[tuple[str, CompiledPattern]]:
    """``(label, compiled)`` of -e/-f/--control in the order given.  An invalid pattern
    raises PatternSyntaxError, an unknown control UnknownControlError, an unreadable
    file or no pattern at all CWPatternError (exit 2 in ``cli.main``)."""
    out: list[tuple[str, CompiledPattern]] = []
    for kind, value in getattr(args, "pattern_options", None) or []:
        if kind == "e":
            out.append((value, compile(value)))
        elif kind == "f":
            try:
                with open(value, encoding="utf-8") as fh:
                    lines = fh.read().splitlines()
            except (OSError, UnicodeDecodeError) as e:
                raise CWPatternError(f"cannot read patterns from {value}: {e}") from e
            out += [(line, compile(line)) for line in lines if line.strip()]
        else:
            out += [(c.id, compile(c.effective_pattern)) for c in controls.resolve(value)]
    if not out:
        raise CWPatternError("no pattern: give -e PATTERN, -f FILE or --control ID")
    return out
