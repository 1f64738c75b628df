"""The character sets of the regex dialect (spec §3.4) as sets of code-point bytes.

Only ASCII is distinguishable in the dialect: literals and range ends are ASCII, and every
set holds either all non-ASCII code points or none, so 0x80 stands for all of them.  Both
searches of :mod:`cwpattern.regex` (the bit-parallel engine) and :mod:`cwpattern.re2regex`
(RE2) build their sets here.
"""

from __future__ import annotations

import re
import string

from .ast import AnyChar, Literal, RegexAtom, Shorthand

__all__ = ["SHORTHAND_SETS", "byte_set", "code_point_bytes"]

# Shorthand sets (spec §3.4), ASCII only; an upper-case code is the complement.
SHORTHAND_SETS: dict[str, frozenset[int]] = {
    "d": frozenset(range(0x30, 0x3A)),
    "w": frozenset(map(ord, string.ascii_letters + string.digits + "_")),
    "s": frozenset(map(ord, " \t\n\r\f\v")),
}


_UNIVERSE = frozenset(range(0x81))


def byte_set(atom: RegexAtom) -> frozenset[int]:
    r"""The bytes an atom matches, with 0x80 standing for every non-ASCII code point
    (see :func:`code_point_bytes`).

    >>> from cwpattern.ast import Shorthand
    >>> sorted(byte_set(Shorthand("d")))[:3]
    [48, 49, 50]
    """
    universe = _UNIVERSE
    if isinstance(atom, Literal):
        if ord(atom.char) > 0x7F:
            raise ValueError(f"non-ASCII literal {atom.char!r} (the parser never produces one)")
        return frozenset({ord(atom.char)})
    if isinstance(atom, AnyChar):
        return universe - {0x0A}
    if isinstance(atom, Shorthand):
        members = SHORTHAND_SETS[atom.code.lower()]
        return members if atom.code.islower() else universe - members
    chosen: set[int] = set()
    for it in atom.items:
        if isinstance(it, Shorthand):
            chosen |= byte_set(it)
        else:
            if ord(it.hi) > 0x7F:
                raise ValueError(f"non-ASCII range end {it.hi!r} (the parser never produces one)")
            chosen.update(range(ord(it.lo), ord(it.hi) + 1))
    return universe - chosen if atom.negated else frozenset(chosen)


_NON_ASCII = re.compile("[^\x00-\x7f]")  # a single class: re.sub is linear


def code_point_bytes(text: str) -> bytes:
    """One byte per code point: ASCII as itself, any other code point as 0x80 (the
    alphabet of the bit-parallel search of :mod:`cwpattern.regex` and of
    :mod:`cwpattern.re2regex`).

    >>> code_point_bytes("é-x")
    b'\\x80-x'
    """
    if text.isascii():
        return text.encode("ascii")
    return _NON_ASCII.sub("\x80", text).encode("latin-1")
