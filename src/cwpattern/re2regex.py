r"""Regex search with hyperscan (the ``fast`` extra), for long subjects.

:func:`cwpattern.regex.compile_search` searches with its own engines (literal tiers, then a
bit-parallel automaton, linear in the subject).  On long subjects (a whole log line) the
bit-parallel engine spends a few passes over the subject per character set of the body;
hyperscan, an automata-based SIMD engine, searches the same subject in one pass.  This
module translates a dialect regex (spec §3) to a hyperscan expression that matches exactly
what the own engine matches:

* the subject is handed over as *code-point bytes*: every ASCII character as itself and
  every other code point (U+FFFD from invalid UTF-8 and lone surrogates included) as the
  one byte 0x80, as the bit-parallel engine sees it (only ASCII is distinguishable in the
  dialect: literals and range ends are ASCII, and every set holds either all non-ASCII
  code points or none).  Hyperscan runs in byte mode, never in UTF-8 mode, so invalid
  UTF-8 can never reach it;
* every atom becomes a byte class spelled in ``\xHH`` escapes only (pattern text never
  reaches the expression unescaped); ``^``/``$`` become ``\A``/``\z`` (the very ends of
  the subject, no multi-line mode); counts are copied;
* what hyperscan cannot take exactly is left to the own engine: an anchor inside a branch,
  a branch that can match the empty string, an expression hyperscan refuses (too large),
  and bodies whose counted repetitions exceed :data:`COUNT_BUDGET` (their compilation
  takes seconds in hyperscan, e.g. ``x[^\n]{1000}y``, while the own engine needs none).

Matching stays linear in the subject: hyperscan's automata read each byte once, and the
own engine, also linear, is the fallback.  ``tests/test_hsregex.py`` checks the two engines
against each other on generated bodies and subjects (non-ASCII included).

>>> from cwpattern.regex import parse_regex
>>> search = searcher(parse_regex("Access[A-Z][a-z]+$", pattern="", offset=0))
>>> search is None or (search(b"x AccessDenied"), search(b"AccessDenied x")) == (True, False)
True
"""

from __future__ import annotations

from typing import Any

from . import multiliteral
from .ast import Anchor, AnchorKind, Regex, Repeat
from .regexsets import byte_set

_hs: Any
try:  # optional: the `fast` extra
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the installed extras
    _hs = None

__all__ = ["COUNT_BUDGET", "HyperscanSearch", "expression", "searcher"]

#: The largest sum of repetition counts (the upper bound, else the lower one) handed to
#: hyperscan: past it, compiling may take seconds (measured: ``x[^\n]{100}y`` 50 ms,
#: ``[a-z]{1000}b[a-z]{1000}`` 1 s).
COUNT_BUDGET = 64


def _class(members: frozenset[int]) -> bytes:
    """A byte class for a set of code-point bytes (0x80: every non-ASCII code point)."""
    if 0x80 in members:
        members = members | frozenset(range(0x81, 0x100))
    if len(members) == 1:
        (only,) = members
        return b"\\x%02x" % only
    out = [b"["]
    ordered = sorted(members)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(b"\\x%02x" % ordered[i])
        if j > i:
            out.append(b"-\\x%02x" % ordered[j])
        i = j + 1
    out.append(b"]")
    return b"".join(out)


def expression(regex: Regex) -> bytes | None:
    r"""The hyperscan expression of ``regex`` over code-point bytes, or None when it is
    left to the own engine (see the module docstring).

    >>> from cwpattern.regex import parse_regex
    >>> expression(parse_regex(r"^a\d{2,}", pattern="", offset=0))
    b'\\A\\x61[\\x30-\\x39]{2,}'
    >>> expression(parse_regex("a*", pattern="", offset=0)) is None  # matches the empty string
    True
    """
    branches = []
    counted = 0
    for branch in regex.branches:
        parts: list[bytes] = []
        least = 0
        items = branch.items
        for i, item in enumerate(items):
            if isinstance(item, Anchor):
                if item.kind == AnchorKind.START:
                    if i != 0:
                        return None  # an anchor inside the branch
                    parts.append(b"\\A")
                else:
                    if i != len(items) - 1:
                        return None
                    parts.append(b"\\z")
                continue
            atom, lo, hi = (
                (item.atom, item.min, item.max) if isinstance(item, Repeat) else (item, 1, 1)
            )
            members = byte_set(atom)
            if not members:  # an empty class ([^\d\D]): nothing, or only the empty string
                if lo:
                    break  # the branch can never match
                continue
            counted += hi if hi is not None else lo
            if (lo, hi) == (1, 1):
                parts.append(_class(members))
            else:
                quantifier = b"{%d,%s}" % (lo, b"" if hi is None else b"%d" % hi)
                parts.append(_class(members) + quantifier)
            least += lo
        else:
            if least == 0:
                return None  # matches the empty string: hyperscan refuses it
            branches.append(b"".join(parts))
    if not branches:
        return None  # never matches: the own engine says so at once
    if counted > COUNT_BUDGET:
        return None
    return b"|".join(branches)


class HyperscanSearch:
    """``search(data) -> bool | None`` over code-point bytes; the database is compiled on
    first use; ``None``: hyperscan could not answer (not compiled, or the scan failed):
    the caller searches with its own engine."""

    __slots__ = ("_db", "_expr", "_failed")

    def __init__(self, expr: bytes) -> None:
        self._expr = expr
        self._db: Any = None
        self._failed = False

    def _compile(self) -> Any:
        if self._failed or _hs is None:
            return None
        db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        try:
            db.compile(
                expressions=[self._expr],
                ids=[0],
                elements=1,
                flags=[_hs.HS_FLAG_SINGLEMATCH],
            )
        except _hs.error:  # too large, or anything else hyperscan refuses
            self._failed = True
            return None
        self._db = db
        return db

    def __call__(self, data: bytes | bytearray) -> bool | None:
        if not multiliteral.HAVE_HYPERSCAN:  # tests force the own engine this way
            return None
        db = self._db or self._compile()
        if db is None:
            return None
        found = False

        def on_match(_id: int, _from: int, _to: int, _flags: int, _ctx: object) -> bool:
            nonlocal found
            found = True
            return True  # stop the scan

        try:
            db.scan(data, match_event_handler=on_match)
        except _hs.ScanTerminated:
            pass
        except _hs.error:  # e.g. the scratch space in use by another thread
            return None
        return found


def searcher(regex: Regex) -> HyperscanSearch | None:
    """The hyperscan search of ``regex``, or None when hyperscan is not installed or the
    regex is left to the own engine."""
    if _hs is None:
        return None
    expr = expression(regex)
    return HyperscanSearch(expr) if expr is not None else None
