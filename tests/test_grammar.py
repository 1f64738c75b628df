"""The grammar itself: builds in lark's strict mode, names every terminal, one start per family."""

from __future__ import annotations

import re

import pytest

from cwpattern._grammar import START_RULES, build_parser, grammar_text


def test_strict_build_has_no_collisions() -> None:
    pytest.importorskip("interegular")  # strict mode needs it (in the test extra)
    parser = build_parser(strict=True)
    assert set(parser.options.start) == set(START_RULES)


def test_every_terminal_is_named() -> None:
    text = grammar_text()
    rules = [
        line
        for line in text.splitlines()
        if re.match(r"^\??[a-z_]+\s*:", line) or line.lstrip().startswith("|")
    ]
    for line in rules:
        code = line.split("//")[0]
        assert '"' not in code, f"anonymous string terminal in rule: {line.strip()}"
