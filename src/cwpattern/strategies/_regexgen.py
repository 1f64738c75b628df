"""Strings in (and out of) the language of a regex literal, built from its tree.

The dialect has no groups (spec §3): a regex is a set of branches, each a sequence of
anchors and repeated single-character atoms, matched by an unanchored search.  So a
matching subject is built directly: pick a branch, repeat each atom a chosen number of
times with characters from its set, and pad the ends the anchors leave free.

A non-matching subject is built in one of two ways, both re-checked with the real search:

* a *near miss*: a matching subject with one character deleted or replaced;
* *avoidance*: every match of a branch contains a character of each of its mandatory atoms
  (an atom repeated at least once), so a subject made only of characters outside one such
  set per branch cannot match.

Characters are offered readable-first (``a``, ``0``, space, punctuation, then tab,
newline, non-ASCII and control characters), so the simplest choices give readable text.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass

from .. import ast
from ..regex import compile_search
from ._choices import Choices

__all__ = [
    "UNIVERSE",
    "atom_chars",
    "matches_everything",
    "member",
    "regex_chars",
    "sample_match",
    "sample_nonmatch",
]

#: Candidate characters, most readable first.  Every non-empty atom set contains one of
#: them or a character written in the regex itself (the dialect is ASCII-only, so it cannot
#: exclude a particular non-ASCII character).
UNIVERSE = (
    string.ascii_lowercase
    + string.digits
    + string.ascii_uppercase
    + " _-.:/"
    + "".join(c for c in string.punctuation if c not in "_-.:/")
    + "\t\né€ü中\r\x0b\x0c\x00\x01\x7f"
)

_SETS = {
    "d": frozenset(string.digits),
    "w": frozenset(string.ascii_letters + string.digits + "_"),
    "s": frozenset(" \t\n\r\x0c\x0b"),
}
_PAD_BEFORE = ("", "x ", "at ", "2024-03-04T08:00:00Z ")
_PAD_AFTER = ("", " x", " ok", "\n")


def _shorthand(code: str, c: str) -> bool:
    inside = c in _SETS[code.lower()]
    return inside if code.islower() else not inside


def member(atom: ast.RegexAtom, c: str) -> bool:
    """Whether the single-character atom matches ``c`` (spec §3.4)."""
    if isinstance(atom, ast.Literal):
        return c == atom.char
    if isinstance(atom, ast.AnyChar):
        return c != "\n"
    if isinstance(atom, ast.Shorthand):
        return _shorthand(atom.code, c)
    hit = any(
        _shorthand(it.code, c) if isinstance(it, ast.Shorthand) else it.lo <= c <= it.hi
        for it in atom.items
    )
    return hit != atom.negated


def regex_chars(regex: ast.Regex) -> str:
    """Characters written in the regex (literals and range ends)."""
    out: list[str] = []
    for branch in regex.branches:
        for item in branch.items:
            atom = item.atom if isinstance(item, ast.Repeat) else item
            if isinstance(atom, ast.Literal):
                out.append(atom.char)
            elif isinstance(atom, ast.CharClass):
                for it in atom.items:
                    if isinstance(it, ast.CharRange):
                        out.extend((it.lo, it.hi, chr(min(ord(it.lo) + 1, ord(it.hi)))))
    return "".join(dict.fromkeys(out))


@functools.lru_cache(maxsize=4096)
def atom_chars(atom: ast.RegexAtom, extra: str = "", avoid: str = "") -> tuple[str, ...]:
    """The atom's characters among :data:`UNIVERSE` and ``extra``, readable first, the
    ``avoid`` characters last."""
    chars = [c for c in dict.fromkeys(UNIVERSE + extra) if member(atom, c)]
    return tuple([c for c in chars if c not in avoid] + [c for c in chars if c in avoid])


@dataclass(frozen=True)
class _Piece:
    atom: ast.RegexAtom
    lo: int
    hi: int | None  # None: unbounded


@dataclass(frozen=True)
class _Branch:
    pieces: tuple[_Piece, ...]  # pieces that may take characters, in order
    start: bool  # anchored at the start of the subject
    end: bool  # anchored at the end
    possible: bool


@functools.lru_cache(maxsize=1024)
def _branches(regex: ast.Regex) -> tuple[_Branch, ...]:
    extra = regex_chars(regex)
    out = []
    for branch in regex.branches:
        items = branch.items
        starts = [
            i
            for i, it in enumerate(items)
            if isinstance(it, ast.Anchor) and it.kind == ast.AnchorKind.START
        ]
        ends = [
            i
            for i, it in enumerate(items)
            if isinstance(it, ast.Anchor) and it.kind == ast.AnchorKind.END
        ]
        first = starts[-1] if starts else -1
        last = ends[0] if ends else len(items)
        pieces, possible = [], True
        for i, it in enumerate(items):
            if isinstance(it, ast.Anchor):
                continue
            atom, lo, hi = (it.atom, it.min, it.max) if isinstance(it, ast.Repeat) else (it, 1, 1)
            empty = not atom_chars(atom, extra)
            if i < first or i > last or empty:  # must match the empty string here
                if lo > 0:
                    possible = False
                continue
            pieces.append(_Piece(atom, lo, hi))
        out.append(_Branch(tuple(pieces), bool(starts), bool(ends), possible))
    return tuple(out)


def matches_everything(regex: ast.Regex) -> bool:
    """Whether some branch matches the empty string at the start or at the end of every
    subject (every piece optional, not anchored at both ends): the search always succeeds."""
    return any(
        b.possible and all(p.lo == 0 for p in b.pieces) and not (b.start and b.end)
        for b in _branches(regex)
    )


def sample_match(regex: ast.Regex, ch: Choices, avoid: str = "", pad: bool = True) -> str | None:
    """A subject the regex search matches, or ``None`` if no branch can match anything."""
    branches = [b for b in _branches(regex) if b.possible]
    if not branches:
        return None
    branch = ch.pick(branches)
    extra = regex_chars(regex)
    core = []
    for piece in branch.pieces:
        hi = piece.hi if piece.hi is not None else piece.lo + 3
        chars = atom_chars(piece.atom, extra, avoid)
        for _ in range(ch.between(piece.lo, hi)):
            core.append(ch.pick(chars))
    before = ch.pick(_PAD_BEFORE) if pad and not branch.start else ""
    after = ch.pick(_PAD_AFTER) if pad and not branch.end else ""
    return before + "".join(core) + after


def _max_length(branch: _Branch) -> int | None:
    total = 0
    for piece in branch.pieces:
        if piece.hi is None:
            return None
        total += piece.hi
    return total


@dataclass
class _Avoid:
    """How a subject escapes every branch."""

    banned: set[str]  # characters used nowhere
    first: set[str] | None  # characters the first position must not hold (None: free)
    last: set[str] | None  # likewise for the last position
    poisons: list[frozenset[str]]  # the subject holds one character of each
    shortest: int


def _escape(regex: ast.Regex) -> _Avoid | None:
    """Per possible branch, the cheapest way to make it fail: a subject longer than a
    branch anchored at both ends can match; a first (last) character outside the first
    (last) mandatory piece of a branch anchored at the start (end); a character outside
    every piece of a branch anchored at both ends; else leaving out the characters of one
    of its mandatory pieces (chosen greedily to keep the union small).  ``None`` when some
    branch matches without a mandatory character anywhere."""
    extra = regex_chars(regex)
    universe = frozenset(UNIVERSE + extra)
    avoid = _Avoid(set(), None, None, [], 1)
    options = []
    for branch in _branches(regex):
        if not branch.possible:
            continue
        sets = [frozenset(atom_chars(p.atom, extra)) for p in branch.pieces]
        longest = _max_length(branch) if branch.start and branch.end else None
        if longest is not None and longest < 64:
            avoid.shortest = max(avoid.shortest, longest + 1)
        elif branch.start and branch.pieces and branch.pieces[0].lo >= 1:
            avoid.first = (avoid.first or set()) | sets[0]
        elif branch.end and branch.pieces and branch.pieces[-1].lo >= 1:
            avoid.last = (avoid.last or set()) | sets[-1]
        elif branch.start and branch.end and universe - frozenset().union(*sets):
            avoid.poisons.append(universe - frozenset().union(*sets))
        else:
            mandatory = [s for s, p in zip(sets, branch.pieces) if p.lo >= 1]
            if not mandatory:
                return None
            options.append(mandatory)
    for group in sorted(options, key=lambda ss: (len(ss), min(len(s) for s in ss))):
        avoid.banned |= min(group, key=lambda s: len(s - avoid.banned))
    return avoid


def _avoiding(regex: ast.Regex, ch: Choices, avoid: str) -> str | None:
    way = _escape(regex)
    if way is None:
        return None

    def chars(excluded: set[str]) -> list[str]:
        ok = [
            c
            for c in dict.fromkeys(UNIVERSE + regex_chars(regex))
            if c not in way.banned and c not in excluded
        ]
        return [c for c in ok if c not in avoid] + [c for c in ok if c in avoid]

    middle = chars(set())
    if not middle:
        return None
    parts = [ch.pick(middle[:40]) for _ in range(ch.between(0, 5))]
    for poison in way.poisons:
        options = [c for c in middle if c in poison]
        if not options:
            return None
        parts.append(ch.pick(options))
    if way.first is not None:
        options = chars(way.first)
        if not options:
            return None
        parts.insert(0, ch.pick(options))
    if way.last is not None:
        options = chars(way.last)
        if not options:
            return None
        parts.append(ch.pick(options))
    while len(parts) < way.shortest:
        parts.insert(1 if way.first is not None else 0, middle[0])
    return "".join(parts)


def _near_miss(regex: ast.Regex, ch: Choices, avoid: str) -> str | None:
    search = compile_search(regex)
    base = sample_match(regex, ch, avoid, pad=False)
    if base is None:
        return None
    n = len(base)
    start = ch.below(n) if n else 0
    replace_first = ch.coin()
    for k in range(n):
        i = (start + k) % n
        deleted = [base[:i] + base[i + 1 :]]
        replaced = [base[:i] + c + base[i + 1 :] for c in "x0 -" if c != base[i]]
        for cand in replaced + deleted if replace_first else deleted + replaced:
            if cand and not search(cand):
                return cand
    for c in "x0 ":
        for cand in (base + c, c + base):
            if not search(cand):
                return cand
    return None


@functools.lru_cache(maxsize=1024)
def _shortest_miss(regex: ast.Regex) -> str | None:
    """Last resort: the first subject of up to three characters, over one character of
    each kind, that the search misses."""
    search = compile_search(regex)
    alphabet = list(dict.fromkeys("a0 \nZ_-é" + regex_chars(regex)))
    level = [""]
    for _ in range(3):
        level = [s + c for s in level for c in alphabet]
        for cand in level:
            if not search(cand):
                return cand
    return None


def sample_nonmatch(regex: ast.Regex, ch: Choices, avoid: str = "") -> str | None:
    """A non-empty subject the regex search does not match (checked), or ``None``."""
    search = compile_search(regex)
    first, second = (_near_miss, _avoiding) if not ch.coin() else (_avoiding, _near_miss)
    for way in (first, second):
        cand = way(regex, ch, avoid)
        if cand and not search(cand):
            return cand
    return _shortest_miss(regex)
