"""One pass over a buffer for several literals at once.

The scanner searches a block of log lines for the literals of a pattern's plan (and, for
JSON patterns, for the escapes that could spell them).  With several literals (the two rare
event names under an ``||``, or the literals of many patterns scanned together) CPython's
``bytes.find`` needs one pass per literal; a SIMD multi-literal searcher needs one pass for
all of them.  :class:`LiteralSet` uses `hyperscan <https://pypi.org/project/hyperscan/>`_
(the ``fast`` extra) when it is installed and a pure-Python merge of ``bytes.find`` passes
otherwise; both report, for every line that contains one of the literals, at least one
offset in that line, and no offset in other lines, so the lines a scan examines, and its
results, are the same.

Why hyperscan and not ahocorasick-rs (both measured on the same 200 MB of synthetic
CloudTrail, 8 MB blocks, this repository's 2-core machine, in one run): on the two
literals of CIS 4.7's ``||`` both run at 3.5–4 GB/s (``bytes.find``: 1.7 GB/s for the two
passes), and ahocorasick-rs is faster on one literal (9–20 GB/s against 4–8 GB/s); but on
the 16 event names of CIS 4.4 ahocorasick-rs fell to 27 MB/s (7.4 s against 0.23 s for
hyperscan: its SIMD prefilter gives up on many literals sharing first bytes), and one
pass over the literals of many patterns is what ``scan_many`` needs.  Hyperscan keeps its
speed from 1 to 100s of literals.

A few literals are searched faster one at a time (the ``memmem`` engine): ahocorasick-rs
(the ``fast`` extra) finds one literal with the SIMD ``memmem`` of Rust's memchr crate, the
searcher ripgrep uses, at 15–30 GB/s, while hyperscan's one pass for a set of two or three
literals runs at 3–4 GB/s (measured on 1 GB of synthetic CloudTrail, 11 % KMS, 8 MB
windows of a page-cached ``mmap``, in one run: the three needles of CIS 4.7, its two event
names and ``\\u``, took 0.08–0.14 s one literal per pass against 0.25–0.30 s for
hyperscan's one pass; with CIS needles, 0.23 s against 0.40 s for 8 literals and 0.34 s
against 0.48 s for 12).  So a set of at most :data:`MEMMEM_MAX` literals with no regular
expression is searched literal by literal, and larger sets in hyperscan's one pass.

>>> ls = LiteralSet([b"DisableKey", b"ScheduleKeyDeletion"])
>>> data = b'{"eventName":"Decrypt"}\\n{"eventName":"DisableKey"}\\n'
>>> [data.count(b"\\n", 0, s) for s in ls.starts(data, 0, len(data))]  # line numbers
[1]
>>> LiteralSet([b"DisableKey"], engine="python").starts(data, 0, len(data))
[38]
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable
from typing import Any

_hs: Any
try:
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the installed extras
    _hs = None
_ac: Any
try:
    import ahocorasick_rs as _ac
except ImportError:  # pragma: no cover - depends on the installed extras
    _ac = None

__all__ = [
    "ENGINES",
    "HAVE_HYPERSCAN",
    "HAVE_MEMMEM",
    "MEMMEM_MAX",
    "LiteralSet",
    "default_engine",
    "find_all",
]

#: hyperscan is importable (tests set this to False to force the fallback).
HAVE_HYPERSCAN = _hs is not None
#: ahocorasick-rs is importable (tests set this to False to force the other engines).
HAVE_MEMMEM = _ac is not None
#: the largest literal set searched one literal per pass when hyperscan is there too
MEMMEM_MAX = 8
ENGINES = ("auto", "hyperscan", "memmem", "python")


def default_engine() -> str:
    """The engine of sets too large for one ``memmem`` pass per literal: ``"hyperscan"``
    when hyperscan is installed (and not disabled), else ``"memmem"`` when ahocorasick-rs
    is, else ``"python"`` (``bytes.find``)."""
    if HAVE_HYPERSCAN and _hs is not None:
        return "hyperscan"
    return "memmem" if HAVE_MEMMEM and _ac is not None else "python"


def _auto_engine(needles: int, regexes: bool) -> str:
    if not regexes and needles <= MEMMEM_MAX and HAVE_MEMMEM and _ac is not None:
        return "memmem"
    return default_engine()


class LiteralSet:
    """A set of byte literals searched for in one pass.

    A literal containing a newline can never occur inside a line; such literals are left
    out (the scanner only needs the lines that contain a literal).
    """

    __slots__ = ("_db", "_finders", "engine", "needles")

    @staticmethod
    def needle_for(literal: bytes) -> bytes:
        """What to search for to find ``literal``: itself, less a leading JSON quote
        (measured: a leading ``"``, present everywhere in JSON, slows the search; the
        closing quote keeps ``DisableKey"`` from hitting ``DisableKeyRotation``).

        >>> LiteralSet.needle_for(b'"DisableKey"')
        b'DisableKey"'
        """
        return literal[1:] if literal[:1] == b'"' and len(literal) > 4 else literal

    def __init__(
        self, needles: Iterable[bytes], *, engine: str = "auto", regexes: Iterable[bytes] = ()
    ) -> None:
        """``regexes``: hyperscan regular expressions searched in the same pass (a match
        counts as a hit at its last byte; they must not match across a newline); only
        with the hyperscan engine."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
        self.needles: tuple[bytes, ...] = tuple(
            n for n in dict.fromkeys(needles) if n and b"\n" not in n
        )
        extra = tuple(regexes)
        self.engine = _auto_engine(len(self.needles), bool(extra)) if engine == "auto" else engine
        if self.engine == "hyperscan" and _hs is None:
            raise ValueError("hyperscan is not installed (pip install 'cwpattern[fast]')")
        if self.engine == "memmem" and _ac is None:
            raise ValueError("ahocorasick-rs is not installed (pip install 'cwpattern[fast]')")
        if extra and self.engine != "hyperscan":
            raise ValueError("regexes need the hyperscan engine")
        self._db: Any = None
        #: the memmem engine: one searcher per needle (Aho-Corasick of one literal is memmem)
        self._finders: tuple[Any, ...] = ()
        if self.engine == "memmem":
            dfa = _ac.Implementation.DFA  # measured: fewer cycles per hit than the NFAs
            self._finders = tuple(
                _ac.BytesAhoCorasick([n], implementation=dfa) for n in self.needles
            )
        if self.engine == "hyperscan" and (self.needles or extra):
            db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
            if extra:  # one database: the needles as escaped regexes
                escaped = [b"".join(b"\\x%02x" % c for c in n) for n in self.needles]
                expressions = escaped + list(extra)
                db.compile(
                    expressions=expressions,
                    ids=list(range(len(expressions))),
                    elements=len(expressions),
                    flags=0,
                )
            else:
                db.compile(
                    expressions=list(self.needles),
                    ids=list(range(len(self.needles))),
                    elements=len(self.needles),
                    flags=0,
                    literal=True,
                )
            self._db = db

    def starts(
        self, buf: bytes | bytearray | memoryview | mmap.mmap, start: int, end: int
    ) -> list[int]:
        """Ascending offsets in ``buf[start:end]``, each inside a line that contains a
        literal, at least one in every such line (with hyperscan and memmem: the last byte
        of an occurrence; no literal spans a newline)."""
        if self._db is None and not self.needles or start >= end:
            return []
        if self._finders:
            return [base + end_ for _, base, end_ in self._found(buf, start, end)]
        if self._db is not None:
            out: list[int] = []
            append, base = out.append, start - 1

            def on_match(_id: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
                append(base + to)

            view = memoryview(buf)[start:end]
            try:
                self._db.scan(view, match_event_handler=on_match)
            finally:
                view.release()
            return out
        return _merged_finds(buf, self.needles, start, end)

    def hits(
        self, buf: bytes | bytearray | memoryview | mmap.mmap, start: int, end: int
    ) -> list[tuple[int, int]]:
        """``(needle index, offset)`` of the occurrences in ``buf[start:end]``, by
        ascending offset, at least one per line and needle present in that line (with
        hyperscan: every occurrence, at its last byte; the fallback: every occurrence, at
        its first byte; memmem: the non-overlapping occurrences of each needle, at their last
        byte).

        >>> LiteralSet([b"ab", b"b"]).hits(b"ab\\nb", 0, 4)
        [(0, 1), (1, 1), (1, 3)]
        """
        if not self.needles or start >= end:
            return []
        if self._finders:
            return [(i, base + end_) for i, base, end_ in self._found(buf, start, end)]
        if self._db is not None:
            out: list[tuple[int, int]] = []
            append, base = out.append, start - 1

            def on_match(nid: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
                append((nid, base + to))

            view = memoryview(buf)[start:end]
            try:
                self._db.scan(view, match_event_handler=on_match)
            finally:
                view.release()
            return out
        data = buf.tobytes() if isinstance(buf, memoryview) else buf
        found = []
        for i, needle in enumerate(self.needles):
            pos = data.find(needle, start, end)
            while pos >= 0:
                found.append((pos + len(needle) - 1, i))
                pos = data.find(needle, pos + 1, end)
        return [(i, pos) for pos, i in sorted(found)]

    def _found(
        self, buf: bytes | bytearray | memoryview | mmap.mmap, start: int, end: int
    ) -> list[tuple[int, int, int]]:
        """The memmem engine: ``(needle index, start - 1, end)`` of every non-overlapping
        occurrence of each needle (at least the first of each line), by ascending end;
        ``start - 1 + end`` is the offset of an occurrence's last byte in ``buf``."""
        view = memoryview(buf)[start:end]
        base = start - 1
        try:
            found = [
                (i, base, e)
                for i, finder in enumerate(self._finders)
                for _, _, e in finder.find_matches_as_indexes(view)
            ]
        finally:
            view.release()
        if len(self._finders) > 1:
            found.sort(key=_end)
        return found


def find_all(
    buf: bytes | bytearray | memoryview | mmap.mmap, needle: bytes, start: int, end: int
) -> list[int]:
    """Ascending start offsets of every occurrence of ``needle`` in ``buf[start:end]``,
    overlapping ones included; ``needle`` may hold newlines.  With ahocorasick-rs one
    SIMD pass (``b"\\n\\n"`` and ``b"\\n\\r\\n"`` in 1 GB of JSON lines: 0.08 s, against 1.49
    s for ``mmap.find``, measured in one run); else ``find``, one call per occurrence.

    >>> find_all(b"a\\n\\n\\nb\\n\\n", b"\\n\\n", 1, 7)
    [1, 2, 5]
    """
    if not needle or start >= end:
        return []
    if HAVE_MEMMEM and _ac is not None:
        finder = _ac.BytesAhoCorasick([needle], implementation=_ac.Implementation.DFA)
        view = memoryview(buf)[start:end]
        try:
            return [start + s for _, s, _ in finder.find_matches_as_indexes(view, overlapping=True)]
        finally:
            view.release()
    find = (buf.tobytes() if isinstance(buf, memoryview) else buf).find
    out: list[int] = []
    pos = find(needle, start, end)
    while pos >= 0:
        out.append(pos)
        pos = find(needle, pos + 1, end)
    return out


def _end(hit: tuple[int, int, int]) -> int:
    return hit[2]


def _merged_finds(
    buf: bytes | bytearray | memoryview | mmap.mmap,
    needles: tuple[bytes, ...],
    start: int,
    end: int,
) -> list[int]:
    """The fallback: one ``bytes.find`` pass per literal, each skipping to the end of the
    line of the last offset kept (so that a common literal costs one find per line)."""
    find = (buf.tobytes() if isinstance(buf, memoryview) else buf).find
    out: list[int] = []
    nxt = [find(n, start, end) for n in needles]
    pos = start
    while True:
        h = -1
        for i, p in enumerate(nxt):
            if 0 <= p < pos:
                p = nxt[i] = find(needles[i], pos, end)
            if p >= 0 and (h < 0 or p < h):
                h = p
        if h < 0:
            return out
        out.append(h)
        le = find(b"\n", h, end)
        if le < 0:
            return out
        pos = le + 1
