r"""One pass for the values of one JSON member: ``"eventName"\s*:\s*"(?:A|B|…)``.

The literals of many CloudTrail patterns scanned together (:func:`cwpattern.scan_many`,
``grep --count --each``) are mostly values of one member: the 15 CIS 3.0.0 references
need 94 literals, 88 of them event names.  Hyperscan's literal matcher searches such a
set at 1.7 GB/s on CloudTrail (the names share most of their bytes with the rest of the
text), while one hyperscan expression for the member and all its values finds the
member name and runs a small automaton after each occurrence: 6 GB/s on the same 1 GB
(measured in one run, 11 % KMS synthetic CloudTrail, 8 MB windows, this repository's
2-core machine).

:class:`KeyedLiteralSet` searches the values of each member named by at least
:data:`KEYED_MIN` needles that way, and every other needle with a
:class:`~cwpattern.multiliteral.LiteralSet`; its :meth:`~KeyedLiteralSet.hits` answer as
``LiteralSet.hits`` does, except that a keyed needle is reported only where it follows
its member name (a superset of the lines that can match: see
:meth:`cwpattern.prefilter.Prefilter.key_of`; the escapes that can spell a member or a
value are needles of their own).

>>> ks = KeyedLiteralSet(
...     [b'DisableKey"', b'ScheduleKeyDeletion"', b"\\u"],
...     {b'DisableKey"': (b'"eventName"', b'"DisableKey"'),
...      b'ScheduleKeyDeletion"': (b'"eventName"', b'"ScheduleKeyDeletion"')})
>>> data = b'{"eventName" : "DisableKey"}\n{"note":"DisableKey"}\n{"a":"\\u0044"}\n'
>>> [(ks.needles[i], data.count(b"\n", 0, at)) for i, at in ks.hits(data, 0, len(data))]
[(b'DisableKey"', 0), (b'\\u', 2)]
"""

from __future__ import annotations

import mmap
import time
from collections.abc import Iterable, Mapping
from typing import Any

from . import multiliteral
from .multiliteral import LiteralSet

_hs: Any
try:
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the installed extras
    _hs = None

__all__ = ["KEYED_MIN", "KeyedLiteralSet", "available", "searcher_for"]

#: the fewest values of one member searched as one expression (one value alone is
#: searched faster as a literal: ``memmem`` at 30 GB/s against 6-9 GB/s)
KEYED_MIN = 2
#: JSON whitespace: between a member name, its colon and its value
_WS = rb"[\x20\x09\x0a\x0d]*"

_Buf = bytes | bytearray | memoryview | mmap.mmap


def available() -> bool:
    """Whether member values can be searched together (hyperscan is installed, and not
    disabled through :data:`cwpattern.multiliteral.HAVE_HYPERSCAN`)."""
    return _hs is not None and multiliteral.HAVE_HYPERSCAN


def _escaped(text: bytes) -> bytes:
    return b"".join(b"\\x%02x" % c for c in text)


class _Member:
    """The values of one member: one hyperscan expression, and the needles each value
    stands for (looked up by the bytes that end at a match)."""

    __slots__ = ("db", "lengths", "needles_of")

    def __init__(self, key: bytes, values: Mapping[bytes, list[int]]) -> None:
        alternatives = b"|".join(_escaped(v) for v in values)
        expression = _escaped(key) + _WS + b":" + _WS + b"(?:" + alternatives + b")"
        self.db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        self.db.compile(expressions=[expression], ids=[0], elements=1, flags=[0])
        self.needles_of = {v: tuple(ids) for v, ids in values.items()}
        self.lengths = sorted({len(v) for v in values})

    def hits(self, buf: _Buf, start: int, end: int, out: list[tuple[int, int]]) -> None:
        """Append ``(needle index, offset of the value's last byte)`` for every value
        found after the member name in ``buf[start:end]``."""
        ends: list[int] = []
        base = start - 1

        def on_match(_id: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            ends.append(base + to)

        view = memoryview(buf)[start:end]
        try:
            self.db.scan(view, match_event_handler=on_match)
        finally:
            view.release()
        needles_of, lengths = self.needles_of, self.lengths
        for at in ends:
            for n in lengths:  # every value that ends here (one is the value matched)
                if at + 1 - n >= start:
                    for i in needles_of.get(bytes(buf[at + 1 - n : at + 1]), ()):
                        out.append((i, at))


class KeyedLiteralSet:
    """Needles searched in one pass each for the values of a member, and one pass (a
    :class:`~cwpattern.multiliteral.LiteralSet`) for the others.

    ``keys`` maps a needle to ``(member token, value literal)`` when every line that can
    match and holds the needle holds the value literal right after the member token
    (and JSON whitespace, a colon, JSON whitespace); the value literal ends with the
    needle.
    """

    __slots__ = ("_members", "_rest", "_rest_index", "needles")

    def __init__(self, needles: Iterable[bytes], keys: Mapping[bytes, tuple[bytes, bytes]]) -> None:
        self.needles: tuple[bytes, ...] = tuple(
            n for n in dict.fromkeys(needles) if n and b"\n" not in n
        )
        groups: dict[bytes, dict[bytes, list[int]]] = {}
        for i, n in enumerate(self.needles):
            if n in keys and available():
                key, value = keys[n]
                if not value.endswith(n):
                    raise ValueError(f"value {value!r} does not end with its needle {n!r}")
                groups.setdefault(key, {}).setdefault(value, []).append(i)
        self._members = tuple(
            _Member(key, values) for key, values in groups.items() if len(values) >= KEYED_MIN
        )
        searched = {i for m in self._members for ids in m.needles_of.values() for i in ids}
        self._rest_index = tuple(i for i in range(len(self.needles)) if i not in searched)
        self._rest = LiteralSet(self.needles[i] for i in self._rest_index)

    @property
    def keyed(self) -> int:
        """How many needles are searched as member values."""
        return len(self.needles) - len(self._rest_index)

    def starts(self, buf: _Buf, start: int, end: int) -> list[int]:
        """Ascending offsets, at least one in every line that holds a needle (as
        :meth:`hits`), as ``LiteralSet.starts``."""
        return [at for _, at in self.hits(buf, start, end)]

    def hits(self, buf: _Buf, start: int, end: int) -> list[tuple[int, int]]:
        """``(needle index, offset)`` by ascending offset: at least one per line that
        holds a needle (a keyed needle: after its member name), at its last byte, and
        none in other lines."""
        if start >= end or not self.needles:
            return []
        index = self._rest_index
        out = [(index[i], at) for i, at in self._rest.hits(buf, start, end)]
        for member in self._members:
            member.hits(buf, start, end, out)
        if self._members:
            out.sort(key=_offset)
        return out


def searcher_for(
    needles: Iterable[bytes],
    keys: Mapping[bytes, tuple[bytes, bytes]],
    sample: bytes | bytearray | None = None,
    *,
    keyed: bool = False,
) -> LiteralSet | KeyedLiteralSet:
    """The searcher for ``needles``: a :class:`KeyedLiteralSet` when some are member values
    and it searches ``sample`` faster than a :class:`~cwpattern.multiliteral.LiteralSet`
    of them all (best of three runs each), else that ``LiteralSet``; without a sample,
    ``keyed`` says which (the choice made on a first block, given to a worker).

    Why timed: hyperscan picks its own strategy per expression.  On 1 GB of CloudTrail the
    89 event names of the 15 CIS 3.0.0 patterns are searched in 0.17 s after
    ``"eventName"`` against 0.59 s for the 94 literals, but the 16 names of CIS 4.4 alone
    took 0.35 s that way against 0.30 s as literals (measured in one run).

    >>> keys = {b'A"': (b'"k"', b'"A"'), b'B"': (b'"k"', b'"B"')}
    >>> type(searcher_for([b'A"', b'B"'], keys)).__name__  # no sample, not keyed
    'LiteralSet'
    """
    needles = tuple(needles)
    plain = LiteralSet(needles)
    if not available():
        return plain
    candidate = KeyedLiteralSet(needles, keys)
    if not candidate.keyed:
        return plain
    if sample is None:
        return candidate if keyed else plain
    data = bytes(sample)
    return candidate if _seconds(candidate, data) < _seconds(plain, data) else plain


def _seconds(searcher: LiteralSet | KeyedLiteralSet, sample: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        searcher.hits(sample, 0, len(sample))
        best = min(best, time.perf_counter() - t0)
    return best


def _offset(hit: tuple[int, int]) -> int:
    return hit[1]
