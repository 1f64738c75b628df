r"""Regex search with RE2 (the ``fast`` extra), for long subjects.

:func:`cwpattern.regex.compile_search` searches with its own engines (literal tiers, then a
bit-parallel automaton, linear in the subject).  On long subjects (a whole log line) the
bit-parallel engine spends a few passes over the subject per character set of the body;
`RE2 <https://github.com/google/re2>`_ (Google's ``google-re2`` wheel), an automata-based
engine that never backtracks, searches the same subject in one pass, in time linear in the
subject.  This module translates a dialect regex (spec §3) to an RE2 expression that
matches exactly what the own engine matches:

* the subject is handed over as *code-point bytes*: every ASCII character as itself and
  every other code point (U+FFFD from invalid UTF-8 and lone surrogates included) as the
  one byte 0x80, as the bit-parallel engine sees it (only ASCII is distinguishable in the
  dialect: literals and range ends are ASCII, and every set holds either all non-ASCII
  code points or none).  RE2 runs in Latin-1 mode (one byte, one character), never in
  UTF-8 mode, so invalid UTF-8 can never reach it;
* every atom becomes a byte class spelled in ``\xHH`` escapes only (pattern text never
  reaches the expression unescaped); ``^``/``$`` become ``\A``/``\z`` (the very ends of
  the subject, no multi-line mode); counts are copied;
* RE2's automaton is built lazily, and on counted repetitions of broad sets it can thrash
  (``a.{60}c`` over text full of ``a``: 1.6 µs a byte, where the own engine takes 0.05):
  still linear, but slower than the own engine.  So :func:`pays` times both engines once,
  at compile time, on a subject made of the regex's own characters (where such thrashing
  shows), on the first long subject, and RE2 is used only where it is at least as fast.  Both engines are exact:
  the timing decides the speed, never an answer;
* what is left to the own engine: an anchor inside a branch, a branch that can match the
  empty string (the own engine answers those at once), an expression RE2 refuses (too
  large for its memory budget), and bodies whose counted repetitions exceed
  :data:`COUNT_BUDGET` (their automata grow with the counts, while the own engine's do not).

Why RE2 and not hyperscan (which the scanner uses for literal sets): hyperscan 5.4 (the
``hyperscan`` 0.9.1 wheel) answered "no match" for ``ba*.[0-9]a`` on ``"z" * 60 + "bx0a"``
on this project's machine (AVX-512), and crashed the process with ``HS_FLAG_SOM_LEFTMOST``
on ``[a-z]+x{2}x{0,3}``; a matcher that may say "no" wrongly is not one a compliance check
can use.  ``tests/test_re2regex.py`` keeps those subjects as regression cases.

Matching stays linear in the subject: RE2's automata read each byte a bounded number of
times, and the own engine, also linear, is the fallback.  ``tests/test_re2regex.py``
checks the two engines against each other on generated bodies and subjects (non-ASCII
included).

>>> from cwpattern.regex import parse_regex
>>> search = searcher(parse_regex("Access[A-Z][a-z]+$", pattern="", offset=0))
>>> search is None or (search(b"x AccessDenied"), search(b"AccessDenied x")) == (True, False)
True
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from .ast import Anchor, AnchorKind, Regex, Repeat
from .regexsets import byte_set, code_point_bytes

_re2: Any = None
try:  # optional: the `fast` extra
    import re2

    _re2 = re2
except ImportError:  # pragma: no cover - depends on the installed extras
    pass

__all__ = ["COUNT_BUDGET", "HAVE_RE2", "Re2Search", "expression", "pays", "searcher"]

#: RE2 is importable (tests set this to False to force the own engine).
HAVE_RE2 = _re2 is not None

#: The largest sum of repetition counts (the upper bound, else the lower one) handed to
#: RE2: past it the compiled program grows with the counts (``x[^\n]{1000}y``), while the
#: own engine's state does not.
COUNT_BUDGET = 64

#: RE2's memory budget per expression (its default): a larger program is refused and the
#: own engine searches; two thirds of it cache the lazily built automaton's states.
MAX_MEM = 8 << 20


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
    r"""The RE2 expression of ``regex`` over code-point bytes, or None when it is
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
                return None  # matches the empty string: the own engine answers at once
            branches.append(b"".join(parts))
    if not branches:
        return None  # never matches: the own engine says so at once
    if counted > COUNT_BUDGET:
        return None
    return b"|".join(branches)


class Re2Search:
    """``search(data) -> bool | None`` over code-point bytes; compiled on first use;
    ``None``: RE2 could not answer (not installed, or it refused the expression), or is
    slower than ``own`` (:func:`pays`, timed on first use when ``own`` is given): the
    caller searches with its own engine."""

    __slots__ = ("_expr", "_failed", "_own", "_search")

    def __init__(self, expr: bytes, own: tuple[Callable[[str], bool], Regex] | None = None) -> None:
        self._expr = expr
        self._search: Any = None
        self._failed = False
        self._own = own

    def _compile(self) -> Any:
        if self._failed or _re2 is None:
            return None
        options = _re2.Options()
        options.encoding = _re2.Options.Encoding.LATIN1
        options.max_mem = MAX_MEM
        options.log_errors = False
        try:
            search = _re2.compile(self._expr, options).search
        except Exception:  # noqa: BLE001 - re2.error, or anything else RE2 refuses
            self._failed = True
            return None
        if self._own is not None and not pays(search, *self._own):
            self._failed = True
            return None
        self._search = search
        return search

    @property
    def answers(self) -> bool | None:
        """Whether RE2 answers (None: not decided until the first search)."""
        if self._search is not None:
            return True
        return False if self._failed else None

    def __call__(self, data: bytes | bytearray) -> bool | None:
        if not HAVE_RE2:  # tests force the own engine this way
            return None
        search = self._search or self._compile()
        if search is None:
            return None
        return search(data if isinstance(data, bytes) else bytes(data)) is not None


#: length of the subject :func:`pays` times both engines on: long enough that a lazily
#: built automaton that does not fit RE2's cache (:data:`MAX_MEM`) shows it
PROBE_LENGTH = 1 << 16


def probe_subject(regex: Regex) -> str:
    """A subject of :data:`PROBE_LENGTH` characters drawn (seeded) from the regex's own
    characters (its literals and small sets whole, two members of each broad set), less
    those of the last item of each branch when that is a small set: partial
    matches overlap as often as text can make them, and (mostly) never complete, so a
    search reads the whole subject.

    >>> from cwpattern.regex import parse_regex
    >>> sorted(set(probe_subject(parse_regex("a.{3}c", pattern="", offset=0))))
    ['a', '~', '\\x7f']
    """
    chars: set[int] = set()
    last: set[int] = set()
    for branch in regex.branches:
        items = [i for i in branch.items if not isinstance(i, Anchor)]
        for k, item in enumerate(items):
            members = sorted(byte_set(item.atom if isinstance(item, Repeat) else item))
            members = [m for m in members if m not in (0x0A, 0x80)] or members
            chars.update(members if len(members) <= 8 else members[-2:])
            if k == len(items) - 1 and len(members) <= 8:
                last.update(members)
    chars = ((chars - last) or chars) - {0x0A}
    alphabet = sorted(chr(c) if c < 0x80 else "\u00e9" for c in chars) or [" "]
    rng = random.Random(len(alphabet))
    return "".join(rng.choice(alphabet) for _ in range(PROBE_LENGTH))


def pays(search: Callable[[bytes], object], own: Callable[[str], bool], regex: Regex) -> bool:
    """Whether ``search`` (a compiled RE2's) searches :func:`probe_subject` at least as
    fast as ``own`` (best of two runs each)."""
    subject = probe_subject(regex)
    data = code_point_bytes(subject)

    def best(run: Callable[[], object]) -> float:
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)

    return best(lambda: search(data)) <= best(lambda: own(subject))


def searcher(regex: Regex, own: Callable[[str], bool] | None = None) -> Re2Search | None:
    """The RE2 search of ``regex``, or None when RE2 is not installed or the regex is
    left to the own engine; with ``own`` (the own engine's search), RE2 answers only if it
    :func:`pays`."""
    if _re2 is None:
        return None
    expr = expression(regex)
    if expr is None:
        return None
    return Re2Search(expr, (own, regex) if own is not None else None)
