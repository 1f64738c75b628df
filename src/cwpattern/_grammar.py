"""Locate the grammar file and build the LALR parser once per process.

The grammar lives at the top of the repository (``grammar/cwpattern.lark``).  A wheel
carries a copy inside the package (``force-include`` in pyproject.toml); an editable
install or a source checkout reads the top-level file.  Building the parser costs about
0.2 s, so it is built lazily, on the first parse, and cached.  ``cache=True`` is not
used: lark would write a pickle to a predictable temporary path and load it back.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

GRAMMAR_NAME = "cwpattern.lark"
START_RULES = ("term_pattern", "regex_pattern", "json_pattern", "delim_pattern")


def grammar_path() -> Path:
    """The grammar file this installation uses (packaged copy first, then the source tree)."""
    packaged = resources.files("cwpattern") / GRAMMAR_NAME
    if packaged.is_file():
        return Path(str(packaged))
    source_tree = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_NAME
    if source_tree.is_file():
        return source_tree
    raise FileNotFoundError(
        f"cwpattern grammar not found: neither {packaged} nor {source_tree} exists "
        "(a broken installation: reinstall cwpattern)"
    )


def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@functools.cache
def build_parser(*, strict: bool = False, postlex: type[Any] | None = None) -> Any:
    """The shared LALR parser (contextual lexer, no tree: the caller transforms), with an
    instance of ``postlex`` as lark's post-lexer (the parser passes its token checker)."""
    import lark.lexer
    from lark import Lark

    # When the optional `interegular` package is importable, lark analyses every pair of
    # terminals for collisions while building the lexer: about 2 s here, at every start-up.
    # That analysis is a property of the grammar, not of the input, so the tests run it
    # once (strict=True, tests/test_grammar.py) and run-time builds skip it.
    saved = lark.lexer.has_interegular
    if not strict:
        lark.lexer.has_interegular = False
    try:
        return Lark(
            grammar_text(),
            parser="lalr",
            lexer="contextual",
            start=list(START_RULES),
            maybe_placeholders=True,
            propagate_positions=False,
            postlex=postlex() if postlex is not None else None,
            strict=strict,
        )
    finally:
        lark.lexer.has_interegular = saved
