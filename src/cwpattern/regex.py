r"""The CloudWatch Logs regex dialect (spec §3): parse, print, translate and search.

A regex literal ``%body%`` is a small, group-free dialect: branches separated by ``|``, each
a sequence of anchors and (possibly repeated) single-character atoms.  This module owns it:

* :func:`parse_regex` validates a body and builds the :mod:`cwpattern.ast` regex nodes;
* :func:`regex_text` prints the canonical body (``parse_regex(regex_text(r)) == r``);
* :func:`to_python` is the faithful Python ``re`` translation of spec §3.5 (a reference);
* :func:`compile_search` returns the unanchored search, in time linear in the subject;
* :func:`literal_prefilter` gives a literal that every match contains.

>>> r = parse_regex(r"^WARN\s\d+", pattern=r"%^WARN\s\d+%", offset=1)
>>> print(regex_text(r), to_python(r))
^WARN\s\d+ \AWARN[\x09-\x0d\ ][0-9]+
>>> compile_search(r)("WARN\n42 retries"), compile_search(r)("xWARN 42")
(True, False)
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable

from .ast import (
    Anchor,
    AnchorKind,
    AnyChar,
    Branch,
    CharClass,
    CharRange,
    Literal,
    Regex,
    RegexAtom,
    RegexItem,
    Repeat,
    Shorthand,
    Span,
)
from .errors import PatternSyntaxError
from .regexsets import SHORTHAND_SETS, byte_set, code_point_bytes

__all__ = [
    "MAX_REPEAT",
    "byte_set",
    "code_point_bytes",
    "compile_line_search",
    "compile_search",
    "literal_prefilter",
    "parse_regex",
    "regex_text",
    "to_python",
]

# [decided] A repetition count above 1000 is rejected (REGEX_SYNTAX).  AWS's limit is
# unknown; 1000 equals RE2's own limit, so every accepted body is also valid for RE2.
MAX_REPEAT = 1000

_PLAIN = frozenset(string.ascii_letters + string.digits + " :_#=@/;,-")  # literal as written
_ALLOWED = _PLAIN | frozenset("^$?[]{}|\\*+.")  # spec §3.2
_PUNCT = frozenset(c for c in _ALLOWED if not c.isalnum())  # may follow a backslash
_HEX = frozenset(string.hexdigits)

_SHORTHAND_SETS = SHORTHAND_SETS


# --------------------------------------------------------------------------- parsing


def parse_regex(body: str, *, pattern: str, offset: int) -> Regex:
    r"""Parse and validate a regex *body* (the text between the two ``%``).

    Args:
        body: the body text.
        pattern: the whole filter pattern, for error reporting.
        offset: index of ``body[0]`` in *pattern*; spans and error positions are offsets
            into *pattern*.

    Raises:
        PatternSyntaxError: ``REGEX_EMPTY`` (at the opening ``%``), ``REGEX_INVALID_CHAR``
            or ``REGEX_SYNTAX``, at the offending character.  The body is scanned once,
            left to right, and the first error met wins; an unclosed ``[`` or ``{`` is only
            known at the end of the body and is reported at its opening bracket.

    >>> parse_regex("a{,2}b", pattern="%a{,2}b%", offset=1).branches[0].items[0]
    Repeat(atom=Literal(char='a'), min=0, max=2)
    >>> parse_regex("a|", pattern="%a|%", offset=1)
    Traceback (most recent call last):
    cwpattern.errors.PatternSyntaxError: empty alternative after '|' at column 3
    %a|%
      ^
    """
    return _Parser(body, pattern, offset).parse()


class _Parser:
    """A hand-written scanner over one body; ``i`` always indexes ``body``."""

    def __init__(self, body: str, pattern: str, offset: int) -> None:
        self.body, self.pattern, self.offset = body, pattern, offset
        self.n = len(body)
        self.i = 0

    def error(self, code: str, msg: str, i: int) -> PatternSyntaxError:
        return PatternSyntaxError(code, msg, self.pattern, self.offset + i)

    def syntax(self, msg: str, i: int) -> PatternSyntaxError:
        return self.error("REGEX_SYNTAX", msg, i)

    def span(self, start: int) -> Span:
        return Span(self.offset + start, self.offset + self.i)

    def char(self, i: int) -> str:
        """``body[i]``, after checking it against the allowed set (spec §3.2)."""
        c = self.body[i]
        if c not in _ALLOWED:
            hint = f"write it as \\x{ord(c):02x}" if ord(c) < 0x80 else "only ASCII is allowed"
            raise self.error(
                "REGEX_INVALID_CHAR", f"character {c!r} is not allowed in a regex ({hint})", i
            )
        return c

    def parse(self) -> Regex:
        if not self.body:
            raise self.error("REGEX_EMPTY", "empty regular expression", -1)
        branches = [self.branch()]
        while self.i < self.n:  # branch() stops only at '|'
            bar = self.i
            self.i += 1
            if self.i == self.n:
                raise self.syntax("empty alternative after '|'", bar)
            branches.append(self.branch())
        return Regex(tuple(branches), span=self.span(0))

    def branch(self) -> Branch:
        start = self.i
        items: list[RegexItem] = []
        repeatable = False  # is the last item an atom without a quantifier?
        while self.i < self.n:
            i = self.i
            c = self.char(i)
            if c == "|":
                break
            if c in "*+?{":
                if not repeatable:
                    raise self.syntax(f"nothing to repeat before {c!r}", i)
                atom = items.pop()
                assert not isinstance(atom, (Anchor, Repeat))
                lo, hi = self.quantifier()
                start_of_atom = atom.span.start - self.offset if atom.span else i
                items.append(Repeat(atom, lo, hi, span=self.span(start_of_atom)))
                repeatable = False
            elif c in "^$":
                self.i += 1
                items.append(Anchor(AnchorKind(c), span=self.span(i)))
                repeatable = False
            else:
                items.append(self.atom())
                repeatable = True
        if not items:
            raise self.syntax("empty alternative before '|'", self.i)
        return Branch(tuple(items), span=self.span(start))

    def atom(self) -> RegexAtom:
        i = self.i
        c = self.body[i]
        if c in "]}":
            raise self.syntax(f"unescaped {c!r} (write \\{c})", i)
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape()
        self.i += 1
        if c == ".":
            return AnyChar(span=self.span(i))
        return Literal(c, span=self.span(i))

    def quantifier(self) -> tuple[int, int | None]:
        """Read ``* + ? {m} {m,} {,n} {m,n}`` at ``self.i``; return ``(min, max)``."""
        c = self.body[self.i]
        self.i += 1
        if c != "{":
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        brace = self.i - 1
        lo = self.count(brace)
        comma = self.i < self.n and self.body[self.i] == ","
        hi_at = self.i + comma
        if comma:
            self.i += 1
            hi = self.count(brace)
        else:
            hi = lo
        if lo is not None and hi is not None and lo > hi:
            raise self.syntax(f"repetition range {{{lo},{hi}}} has min > max", hi_at)
        if self.i >= self.n:
            raise self.syntax("unterminated '{'", brace)
        if self.char(self.i) != "}":
            raise self.syntax(f"unexpected {self.body[self.i]!r} in a quantifier", self.i)
        if lo is None and hi is None:
            raise self.syntax("'{,}' needs a bound" if comma else "expected a count", self.i)
        self.i += 1
        return (lo or 0), hi

    def count(self, brace: int) -> int | None:
        """Read optional decimal digits; ``None`` when there are none.

        A count above :data:`MAX_REPEAT` is reported at the quantifier's ``{`` (spec §3.3).
        """
        start = self.i
        while self.i < self.n and self.body[self.i] in string.digits:
            self.i += 1
        digits = self.body[start : self.i].lstrip("0") or self.body[start : self.i][:1]
        if not digits:
            return None
        if len(digits) > 4 or int(digits) > MAX_REPEAT:
            raise self.syntax(f"repetition count above {MAX_REPEAT}", brace)
        return int(digits)

    def escape(self) -> Literal | Shorthand:
        """Read ``\\d``-style shorthands, ``\\xhh`` and ``\\`` + punctuation at ``self.i``."""
        i = self.i
        if i + 1 >= self.n:
            raise self.syntax("trailing backslash", i)
        c = self.char(i + 1)
        self.i = i + 2
        if c in "dDwWsS":
            return Shorthand(c, span=self.span(i))
        if c == "x":
            digits = ""
            for k in (i + 2, i + 3):
                if k >= self.n or self.char(k) not in _HEX:
                    raise self.syntax("\\x must be followed by two hex digits", i)
                digits += self.body[k]
            self.i = i + 4
            if int(digits, 16) > 0x7F:
                raise self.syntax(f"\\x{digits} is above \\x7F (ASCII only)", i)
            return Literal(chr(int(digits, 16)), span=self.span(i))
        if c not in _PUNCT:
            raise self.syntax(f"unsupported escape '\\{c}'", i)
        return Literal(c, span=self.span(i))

    def char_class(self) -> CharClass:
        start = self.i
        self.i += 1
        negated = self.i < self.n and self.body[self.i] == "^"
        self.i += negated
        items: list[CharRange | Shorthand] = []
        while True:
            if self.i >= self.n:
                raise self.syntax("unclosed '['", start)
            if self.char(self.i) == "]":
                if not items:
                    raise self.syntax("empty character class (escape ']' as \\])", start)
                self.i += 1
                return CharClass(negated, tuple(items), span=self.span(start))
            first = self.i
            lo = self.class_char()
            is_range = (
                self.i + 1 < self.n and self.body[self.i] == "-" and self.body[self.i + 1] != "]"
            )
            # A bad range is reported at its '-' (spec §3.3: `[\d-z]` is an error at the
            # '-', not a literal hyphen).
            dash = self.i
            if isinstance(lo, Shorthand):
                if is_range:
                    raise self.syntax("a shorthand cannot start a range", dash)
                items.append(lo)
                continue
            if not is_range:
                items.append(CharRange(lo, lo, span=self.span(first)))
                continue
            self.i += 1  # the '-'
            hi = self.class_char()
            if isinstance(hi, Shorthand):
                raise self.syntax("a shorthand cannot end a range", dash)
            if lo > hi:
                raise self.syntax(f"range {lo!r}-{hi!r} is out of order", dash)
            items.append(CharRange(lo, hi, span=self.span(first)))

    def class_char(self) -> str | Shorthand:
        c = self.char(self.i)
        if c == "[":
            raise self.syntax("unescaped '[' inside a class (write \\[)", self.i)
        if c == "\\":
            node = self.escape()
            return node if isinstance(node, Shorthand) else node.char
        self.i += 1
        return c


# --------------------------------------------------------------------------- printing


def regex_text(regex: Regex) -> str:
    r"""The canonical body text (without the ``%`` delimiters).

    Letters, digits, space and ``: _ # = @ / ; , -`` print plainly; other allowed
    punctuation as ``\`` + char; anything else as ``\xhh``.  Quantifiers print as
    ``* + ? {m} {m,} {m,n}``.

    >>> print(regex_text(parse_regex(r"a{0,}b{,2}\x28[\-a\x5d]", pattern="", offset=0)))
    a*b{0,2}\x28[\-a\]]
    """
    return "|".join("".join(_item_text(item) for item in b.items) for b in regex.branches)


def _char_text(c: str, *, in_class: bool) -> str:
    if len(c) != 1 or ord(c) > 0x7F:
        raise ValueError(f"{c!r} cannot be written in the regex dialect (ASCII only)")
    if c in _PLAIN and not (in_class and c == "-"):
        return c
    return "\\" + c if c in _PUNCT else f"\\x{ord(c):02x}"


def _quantifier_text(lo: int, hi: int | None) -> str:
    """``* + ? {m} {m,} {m,n}``: the same spelling in the dialect and in Python."""
    q = {(0, None): "*", (1, None): "+", (0, 1): "?"}.get((lo, hi))
    if q is None:
        q = f"{{{lo}}}" if lo == hi else f"{{{lo},{'' if hi is None else hi}}}"
    return q


def _item_text(item: RegexItem) -> str:
    if isinstance(item, Anchor):
        return AnchorKind(item.kind).value
    if isinstance(item, Repeat):
        return _item_text(item.atom) + _quantifier_text(item.min, item.max)
    if isinstance(item, Literal):
        return _char_text(item.char, in_class=False)
    if isinstance(item, AnyChar):
        return "."
    if isinstance(item, Shorthand):
        return "\\" + item.code
    parts = ["[^" if item.negated else "["]
    for it in item.items:
        if isinstance(it, Shorthand):
            parts.append("\\" + it.code)
        else:
            parts.append(_char_text(it.lo, in_class=True))
            if it.hi != it.lo:
                parts.append("-" + _char_text(it.hi, in_class=True))
    return "".join(parts) + "]"


# --------------------------------------------------------------------------- Python translation


def to_python(regex: Regex) -> str:
    r"""The Python ``re`` pattern of spec §3.5 (use with ``re.search`` and no flags).

    Everything is emitted from the tree: literals through ``re.escape``, ``^``/``$`` as
    ``\A``/``\Z``, ``.`` as ``[^\n]``, shorthands as their ASCII sets (spliced into classes).

    >>> print(to_python(parse_regex(r"^a|[\D-]$", pattern="", offset=0)))
    \Aa|[\x00-/:-\U0010ffff\-]\Z
    """
    return "|".join("".join(_py_item(item) for item in b.items) for b in regex.branches)


# Shorthands as Python class contents, written out from spec §3.4 (ASCII sets; complements
# run to U+10FFFF).  Deliberately independent of _SHORTHAND_SETS, which the search uses, so
# that the differential tests compare two derivations.
_PY_SETS = {
    "d": "0-9",
    "w": "0-9A-Z_a-z",
    "s": r"\x09-\x0d\ ",
    "D": r"\x00-/:-\U0010ffff",
    "W": r"\x00-/:-@\[-\^`\{-\U0010ffff",
    "S": r"\x00-\x08\x0e-\x1f!-\U0010ffff",
}


def _py_char(c: str) -> str:
    """One ASCII character as a pattern atom (printable ones through ``re.escape``)."""
    if ord(c) > 0x7F:
        raise ValueError(f"{c!r} cannot appear in the regex dialect (ASCII only)")
    return re.escape(c) if " " <= c < "\x7f" else f"\\x{ord(c):02x}"


def _py_item(item: RegexItem) -> str:
    if isinstance(item, Anchor):
        return "\\A" if item.kind == AnchorKind.START else "\\Z"
    if isinstance(item, Repeat):
        return _py_item(item.atom) + _quantifier_text(item.min, item.max)
    if isinstance(item, Literal):
        return _py_char(item.char)
    if isinstance(item, AnyChar):
        return "[^\\n]"
    if isinstance(item, Shorthand):
        return ("[" if item.code.islower() else "[^") + _PY_SETS[item.code.lower()] + "]"
    parts = []
    for it in item.items:
        if isinstance(it, Shorthand):
            parts.append(_PY_SETS[it.code])
        else:
            parts.append(_py_char(it.lo) + ("" if it.hi == it.lo else "-" + _py_char(it.hi)))
    return ("[^" if item.negated else "[") + "".join(parts) + "]"


# --------------------------------------------------------------------------- prefilter


def literal_prefilter(regex: Regex) -> str | None:
    r"""A literal every match contains: the longest required literal of a one-branch regex.

    Returns ``None`` when there is none (or the regex has several branches).  Sound: a
    piece that may match zero or varying text ends the current literal run.

    >>> literal_prefilter(parse_regex(r"x\d+ERRORs?:a{2,}", pattern="", offset=0))
    'ERROR'
    """
    if len(regex.branches) != 1:
        return None
    best, run = "", ""
    for item in regex.branches[0].items:
        atom, lo, hi = (item.atom, item.min, item.max) if isinstance(item, Repeat) else (item, 1, 1)
        c = None if isinstance(atom, Anchor) else _single_char(atom)
        if c is None:  # anchors, and atoms matching several characters, end the run
            best, run = max(best, run, key=len), ""
            continue
        run += c * lo
        if hi != lo:  # 'c{lo,hi}' ends with exactly lo c's: close the run, start anew
            best, run = max(best, run, key=len), c * lo
    best = max(best, run, key=len)
    return best or None


def _single_char(atom: RegexItem) -> str | None:
    if isinstance(atom, Literal):
        return atom.char
    if isinstance(atom, CharClass) and not atom.negated and len(atom.items) == 1:
        it = atom.items[0]
        if isinstance(it, CharRange) and it.lo == it.hi:
            return it.lo
    return None


# --------------------------------------------------------------------------- search
#
# Why not Python re, and why not RE2 alone (cwpattern.re2regex uses it where it is timed
# faster).  Python's re backtracks (%a*a*a*...b% is polynomial of high
# degree).  RE2 is linear in theory, but measured on this machine its cost is proportional to
# its program size whenever its DFA cache thrashes, and counted repetition inflates the
# program: a valid 1,022-character body of \W{1000} pieces needs over 8 MiB to compile at
# all and then searched 100 KB in 62 s; one of \W{0,1000} pieces took 34 s to compile; even
# the 10-character a[ab]{20}! spends 0.2 s per 100 KB of random "ab" text.
#
# The dialect has no groups, so every branch is a chain of anchors and pieces C{m,n}, where C
# is a set of characters.  That admits an exact bit-parallel search over sets of boundaries
# (boundary p is just before character p of the subject, 0 <= p <= n), each set one Python
# int.  R, the boundaries where a partial match of the branch can stand, starts as
# "everywhere" (unanchored search); '^' keeps boundary 0, '$' keeps boundary n, and a piece
# C{m,n} maps R to the boundaries reachable by consuming m..n characters of C:
#   * exactly 2^k characters: one shift and one AND with RUN_2^k(C), the boundaries preceded
#     by 2^k characters of C (RUN_1 is the mask of C; RUN_2w = RUN_w & (RUN_w << w));
#   * exactly m characters: one such step per set bit of m;
#   * m..n: doubling, T |= exact(T, step) with step <= covered + 1, O(log(n - m)) steps;
#   * unbounded: one carry-propagation fill along the runs of C (the addition trick below).
# The branch matches iff R is non-empty at its end.  Each step costs O(len(subject)) machine
# words and a piece takes a few dozen steps at most (counts are <= 1000), so a search is
# linear in the subject, with a constant proportional to the body, whatever both are.
#
# Memory.  Each bit set is n + 1 bytes (one lane per boundary).  The RUN levels are cached
# per table, but a body may use a hundred tables of ten levels each (61 pieces [aX]{1000}
# needed about 650 bytes per message character): at most _MAX_CACHED bit sets are kept
# besides the levels of the table in use (at most 18: counts, merged, stay below 2^18),
# least recently used tables first to go; an evicted table costs its levels again, no more
# than the step that uses them (a body alternating three many-level tables runs about 2x
# slower than with every level cached).  A search holds at most about 45 bit sets, and
# measures at most 36 bytes per message character (benchmarks/bench_hostile.py): memory is
# a small multiple of the message whatever the body, and time stays linear.
#
# Only ASCII is distinguishable: literals and range ends are ASCII, and every set either
# contains all non-ASCII code points (complements, '.') or none.  So each code point maps to
# one byte, every non-ASCII one (lone surrogates included: nothing is ever encoded as UTF-8)
# to 0x80, without changing any result.  Each boundary owns an 8-bit lane: masks hold 0xFF or
# 0 per lane (built by bytes.translate + int.from_bytes), a set lane in R is any non-zero
# byte, and a carry entering a 0xFF lane leaves it, so the fill ripples along runs of C.
#
# Two cheaper tiers come first, each linear too:
#   * literal strings only (optionally anchored; at most _MAX_LITERAL_BRANCHES branches): str
#     methods (`in`, startswith, endswith, ==); CPython's substring search falls back to the
#     linear Two-Way algorithm on hard inputs;
#   * fixed width (every piece repeats a fixed number of times, at most _FIXED_WIDTH items in
#     all): Python re on the to_python() translation.  Without a variable quantifier there is
#     no choice to backtrack into: at each start position sre tries the branches in turn and
#     each fails or succeeds after at most its width in character tests, so a search costs at
#     most len(text) * _FIXED_WIDTH tests.

_LANE = 8  # bits per position
#: Bit sets (each of n + 1 bytes) a search keeps cached besides those of the table in use.
_MAX_CACHED = 24
_START, _END = -1, -2  # anchor steps; other steps name a character-set table
_MAX_LITERAL_BRANCHES = 8
_FIXED_WIDTH = 16


def compile_search(regex: Regex) -> Callable[[str], bool]:
    r"""A function ``text -> bool``: does *regex* match somewhere in *text* (spec §3.4)?

    Time is linear in ``len(text)`` for every valid regex; results are cached per regex.

    >>> search = compile_search(parse_regex("gz$", pattern="", offset=0))
    >>> search("archive.tgz"), search("archive.tgz\n")
    (True, False)
    """
    return _compile_search(regex)


@functools.lru_cache(maxsize=1024)
def _compile_search(regex: Regex) -> Callable[[str], bool]:
    cheap = _literal_search(regex) or _fixed_width_search(regex)
    if cheap is not None:
        return cheap
    own = _BitSearch(regex)
    from .re2regex import searcher  # (re2regex imports this module lazily)

    fast = searcher(regex, own)
    return own if fast is None else _LongSubjects(own, fast)


#: Subjects at least this long are searched with RE2 when it is installed and takes the
#: regex (cwpattern.re2regex); shorter ones (JSON leaves, fields) with the own engine, so
#: that RE2 compiles only for regexes that meet long subjects.
LONG_SUBJECT = 256


class _LongSubjects:
    """The own engine for short subjects, RE2 for long ones (same answers)."""

    __slots__ = ("fast", "own")

    def __init__(
        self, own: Callable[[str], bool], fast: Callable[[bytes | bytearray], bool | None]
    ) -> None:
        self.own, self.fast = own, fast

    def __call__(self, text: str) -> bool:
        if len(text) >= LONG_SUBJECT:
            found = self.fast(code_point_bytes(text))
            if found is not None:
                return found
        return self.own(text)

    def line(self, line: bytes | bytearray) -> bool:
        """The search on the text ``line.decode("utf-8", "replace")``."""
        if len(line) >= LONG_SUBJECT and line.isascii():
            found = self.fast(line)  # ASCII: the bytes are the code-point bytes
            if found is not None:
                return found
        return self(bytes(line).decode("utf-8", "replace"))


def compile_line_search(regex: Regex) -> Callable[[bytes | bytearray], bool]:
    """:func:`compile_search` for a raw line: the search on
    ``line.decode("utf-8", "replace")`` (spec §4.3), without decoding an ASCII line that
    RE2 searches.

    >>> search = compile_line_search(parse_regex("gz$", pattern="", offset=0))
    >>> search(b"archive.tgz"), search(b"archive.tgz\\xff")
    (True, False)
    """
    search = _compile_search(regex)
    if isinstance(search, _LongSubjects):
        return search.line
    return lambda line: search(bytes(line).decode("utf-8", "replace"))


def _literal_search(regex: Regex) -> Callable[[str], bool] | None:
    """str-method search when every branch is a literal string with optional anchors."""
    if len(regex.branches) > _MAX_LITERAL_BRANCHES:
        return None
    tests: list[Callable[[str], bool]] = []
    for branch in regex.branches:
        text, at_start, at_end, possible = "", False, False, True
        for item in branch.items:
            if isinstance(item, Anchor):
                if item.kind == AnchorKind.START:
                    at_start, possible = True, possible and not text  # '^' after a char
                else:
                    at_end = True
            elif isinstance(item, Literal):
                text += item.char
                possible = possible and not at_end  # a char after '$'
            else:
                return None
        tests.append(_literal_test(text, at_start, at_end, possible))
    if len(tests) == 1:
        return tests[0]
    return lambda s: any(test(s) for test in tests)


def _literal_test(lit: str, at_start: bool, at_end: bool, possible: bool) -> Callable[[str], bool]:
    if not possible:
        return lambda s: False
    if at_start and at_end:
        return lambda s: s == lit
    if at_start:
        return lambda s: s.startswith(lit)
    if at_end:
        return lambda s: s.endswith(lit)
    return lambda s: lit in s


def _fixed_width_search(regex: Regex) -> Callable[[str], bool] | None:
    """Python re search when no piece has a variable count (see the note above)."""
    width = 0
    for branch in regex.branches:
        for item in branch.items:
            if isinstance(item, Repeat) and item.min != item.max:
                return None
            width += item.min if isinstance(item, Repeat) else 1
    if width > _FIXED_WIDTH:
        return None
    search = re.compile(to_python(regex)).search
    return lambda s: search(s) is not None


@functools.lru_cache(maxsize=256)
def _lane_table(members: frozenset[int]) -> bytes:
    """A bytes.translate table: a full lane (0xFF) for members, 0 for the rest."""
    return bytes(0xFF if b in members else 0 for b in range(256))


class _BitSearch:
    """The bit-parallel search described above; one instance per compiled regex."""

    __slots__ = ("branches", "tables")

    def __init__(self, regex: Regex) -> None:
        index: dict[bytes, int] = {}
        self.branches: list[list[tuple[int, int, int | None]]] = []
        for branch in regex.branches:
            steps: list[tuple[int, int, int | None]] = []
            for item in branch.items:
                if isinstance(item, Anchor):
                    steps.append((_START if item.kind == AnchorKind.START else _END, 0, 0))
                    continue
                atom, lo, hi = (
                    (item.atom, item.min, item.max) if isinstance(item, Repeat) else (item, 1, 1)
                )
                k = index.setdefault(_lane_table(byte_set(atom)), len(index))
                if steps and steps[-1][0] == k:  # C{a,b}C{c,d} is C{a+c,b+d}
                    _, lo0, hi0 = steps.pop()
                    lo, hi = lo0 + lo, None if hi is None or hi0 is None else hi0 + hi
                steps.append((k, lo, hi))
            self.branches.append(steps)
        self.tables = list(index)

    def __call__(self, text: str) -> bool:
        data = code_point_bytes(text)
        n = len(data)
        # table -> [RUN_1, RUN_2, RUN_4, ...], least recently used first.  At most
        # _MAX_CACHED bit sets are kept besides those of the table in use (see the note
        # above): an evicted table's levels are recomputed when it is used again.
        cache: dict[int, list[int]] = {}
        kept = 0

        def evict() -> None:
            nonlocal kept
            while kept > _MAX_CACHED and len(cache) > 1:
                kept -= len(cache.pop(next(iter(cache))))

        def levels_of(k: int) -> list[int]:
            nonlocal kept
            levels = cache.pop(k, None)
            if levels is None:
                levels = [int.from_bytes(data.translate(self.tables[k]), "little") << _LANE]
                kept += 1
            cache[k] = levels  # now the most recently used
            evict()
            return levels

        def run(levels: list[int], level: int) -> int:
            nonlocal kept
            while len(levels) <= level:
                prev = levels[-1]
                levels.append(prev & (prev << (_LANE << (len(levels) - 1))))
                kept += 1
                evict()
            return levels[level]

        def exact(r: int, levels: list[int], count: int) -> int:
            level = 0
            while count and r:
                if count & 1:
                    r = (r << (_LANE << level)) & run(levels, level)
                count >>= 1
                level += 1
            return r

        everywhere = (1 << (_LANE * (n + 1))) - 1
        for steps in self.branches:
            r = everywhere
            for k, lo, hi in steps:
                if k == _START:
                    r &= 0xFF
                elif k == _END:
                    r &= 0xFF << (_LANE * n)
                else:
                    levels = levels_of(k)
                    r = exact(r, levels, lo)
                    if r and hi is None:
                        # Fill along runs of C: adding the seeds x (inside the runs m) to m
                        # carries from each seed to the end of its run; the changed bits,
                        # plus the seeds themselves, within m are the reachable boundaries.
                        m = levels[0]
                        x = (r << _LANE) & m
                        r |= (((m + x) ^ m) | x) & m
                    elif r and hi is not None:
                        covered, extra = 0, hi - lo
                        while covered < extra:
                            step = min(covered + 1, extra - covered)
                            more = exact(r, levels, step)
                            if not more:  # no longer path either
                                break
                            r |= more
                            covered += step
                if not r:
                    break
            if r:
                return True
        return False
