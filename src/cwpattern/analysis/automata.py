"""Regular languages of leaf texts, for the analyzer's exact reasoning about values.

Every value condition of a filter pattern (an exact string, a ``*`` wildcard, a
``%regex%``) denotes a regular language of texts.  Deciding whether a conjunction of such
conditions (some of them negated) can hold is an emptiness question about an intersection
of regular languages; this module answers it exactly, and produces a readable witness.

Alphabet.  The regex dialect is ASCII-only, so two non-ASCII characters are
indistinguishable to it; only literal strings can single out a particular non-ASCII
character.  A language question therefore runs over an :class:`Alphabet` of the 128
ASCII code points, one symbol per non-ASCII character that occurs literally in one of
the languages involved, and one symbol ``other`` for every remaining code point.

Automata.  :class:`NFA` (Thompson-style, with the two regex anchors as conditional
epsilon moves) is built from a regex AST (unanchored *search* semantics, spec §3.4) or
from a literal with optional leading/trailing "any text".  :class:`DFA` is the subset
construction, built lazily, per alphabet, under a state budget.  :func:`find` explores
the product of several DFAs (each possibly complemented) breadth-first: the first
accepting product state gives a shortest witness, built from the most readable
character of each transition class (letters, then digits, then punctuation).

>>> from cwpattern import ast
>>> lang = Spec.literal("DisableKey", trail=True)           # the value DisableKey*
>>> lang.accepts("DisableKeyRotation"), lang.accepts("EnableKey")
(True, False)
>>> find([(lang, True), (Spec.literal("DisableKey"), False)])    # DisableKey* but not DisableKey
'DisableKeya'
>>> find([(Spec.literal("a"), True), (Spec.literal("b"), True)]) is None
True

Budgets: :class:`LanguageBudgetError` is raised when a DFA or a product search grows past
its limit; callers turn it into an ``unknown`` answer.  While :data:`METER` holds a
callable, each DFA state expanded and each product state visited is reported to it (one
unit each, a large DFA state a few): the analyzer charges that work to its budget, and the
callable may raise to stop the work.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import ast

__all__ = [
    "DFA",
    "DFA_STATE_LIMIT",
    "NFA",
    "PRODUCT_STATE_LIMIT",
    "Alphabet",
    "CharSet",
    "LanguageBudgetError",
    "Spec",
    "alphabet_for",
    "enumerate_words",
    "find",
    "is_singleton",
]

ASCII = 128
_ASCII_FULL = (1 << ASCII) - 1
DFA_STATE_LIMIT = 4000
PRODUCT_STATE_LIMIT = 40000
NFA_STATE_LIMIT = 20000


#: Receives units of work done (set by the analyzer for the duration of one analysis).
METER: ContextVar[Callable[[int], None] | None] = ContextVar(
    "cwpattern_automata_meter", default=None
)


def _charge(units: int) -> None:
    meter = METER.get()
    if meter is not None:
        meter(units)


class LanguageBudgetError(Exception):
    """An automaton or a product search exceeded its budget (the answer is unknown)."""


# --------------------------------------------------------------------------- character sets


class CharSet(NamedTuple):
    """A set of code points: ASCII members as a bit mask; non-ASCII members either
    exactly ``nonascii`` (``cofinite`` false) or every non-ASCII code point except
    ``nonascii`` (``cofinite`` true)."""

    ascii: int
    nonascii: frozenset[str] = frozenset()
    cofinite: bool = False

    @classmethod
    def of(cls, chars: Iterable[str]) -> CharSet:
        bits = 0
        extra: set[str] = set()
        for ch in chars:
            if ord(ch) < ASCII:
                bits |= 1 << ord(ch)
            else:
                extra.add(ch)
        return cls(bits, frozenset(extra), False)

    @classmethod
    def ascii_range(cls, lo: int, hi: int) -> CharSet:
        return cls(((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1))

    def complement(self) -> CharSet:
        return CharSet(self.ascii ^ _ASCII_FULL, self.nonascii, not self.cofinite)

    def union(self, other: CharSet) -> CharSet:
        bits = self.ascii | other.ascii
        if not self.cofinite and not other.cofinite:
            return CharSet(bits, self.nonascii | other.nonascii, False)
        if self.cofinite and other.cofinite:
            return CharSet(bits, self.nonascii & other.nonascii, True)
        fin, cof = (self, other) if other.cofinite else (other, self)
        return CharSet(bits, cof.nonascii - fin.nonascii, True)

    def contains(self, ch: str) -> bool:
        code = ord(ch)
        if code < ASCII:
            return bool(self.ascii >> code & 1)
        return (ch in self.nonascii) != self.cofinite


ANY_CHAR = CharSet(_ASCII_FULL, frozenset(), True)
_DIGITS = CharSet.ascii_range(48, 57)
_WORD = (
    _DIGITS.union(CharSet.ascii_range(65, 90))
    .union(CharSet.ascii_range(97, 122))
    .union(CharSet.of("_"))
)
_SPACE = CharSet.of(" \t\n\r\f\v")
SHORTHANDS = {
    "d": _DIGITS,
    "D": _DIGITS.complement(),
    "w": _WORD,
    "W": _WORD.complement(),
    "s": _SPACE,
    "S": _SPACE.complement(),
}
NOT_LF = CharSet.of("\n").complement()
# Characters a JSON string can hold without an escape (RFC 8259 §7).
JSON_PLAIN = CharSet.of('"\\').union(CharSet.ascii_range(0, 31)).complement()


# --------------------------------------------------------------------------- alphabets

# Readability order for witnesses: lower-case letters first (in a friendly order), then
# upper case, digits, common punctuation, the rest of printable ASCII, then non-ASCII, and
# control characters last.
_PREFERRED = (
    "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "0123456789"
    "-_.: /,=@;#+*?!~$%&'()[]{}<>|^`\"\\"
)
_OTHER_CANDIDATES = "éüßøåñçîαλ€中"


@dataclass(frozen=True, eq=False)
class Alphabet:
    """ASCII symbols 0..127, one symbol per listed non-ASCII character, then ``other``."""

    extras: tuple[str, ...]
    size: int = field(init=False)
    other: int = field(init=False)
    full: int = field(init=False)
    order: tuple[int, ...] = field(init=False)  # symbols in readability order
    rank: tuple[int, ...] = field(init=False)  # rank[symbol] = position in ``order``
    _index: dict[str, int] = field(init=False, repr=False)
    _other_char: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        size = ASCII + len(self.extras) + 1
        set_ = object.__setattr__
        set_(self, "size", size)
        set_(self, "other", size - 1)
        set_(self, "full", (1 << size) - 1)
        set_(self, "_index", {ch: ASCII + i for i, ch in enumerate(self.extras)})
        other = next((c for c in _OTHER_CANDIDATES if c not in self.extras), None)
        if other is None:  # pragma: no cover - needs a dozen exotic literals at once
            other = next(chr(c) for c in range(0x100, 0x10FFFF) if chr(c) not in self.extras)
        set_(self, "_other_char", other)
        order = [ord(c) for c in _PREFERRED]
        order += [c for c in range(32, ASCII) if c not in order and c != 127]
        order += list(range(ASCII, size))
        order += [c for c in range(ASCII) if c not in order]
        set_(self, "order", tuple(order))
        rank = [0] * size
        for i, sym in enumerate(order):
            rank[sym] = i
        set_(self, "rank", tuple(rank))

    def symbol(self, ch: str) -> int:
        code = ord(ch)
        if code < ASCII:
            return code
        return self._index.get(ch, self.other)

    def char(self, symbol: int) -> str:
        if symbol < ASCII:
            return chr(symbol)
        if symbol == self.other:
            return self._other_char
        return self.extras[symbol - ASCII]

    def mask(self, cs: CharSet) -> int:
        bits = cs.ascii
        for i, ch in enumerate(self.extras):
            if (ch in cs.nonascii) != cs.cofinite:
                bits |= 1 << (ASCII + i)
        if cs.cofinite:
            bits |= 1 << self.other
        return bits

    def pick(self, mask: int) -> int:
        """The most readable symbol of a non-empty mask."""
        for sym in self.order:
            if mask >> sym & 1:
                return sym
        raise ValueError("empty mask")  # pragma: no cover


@functools.lru_cache(maxsize=256)
def _alphabet(extras: tuple[str, ...]) -> Alphabet:
    return Alphabet(extras)


def alphabet_for(specs: Iterable[Spec]) -> Alphabet:
    """The alphabet that distinguishes every character the given languages single out."""
    extras: set[str] = set()
    for spec in specs:
        extras |= spec.nonascii
    return _alphabet(tuple(sorted(extras)))


# --------------------------------------------------------------------------- NFA


class NFA:
    """A nondeterministic automaton over :class:`CharSet` labels.

    ``eps_start`` moves are allowed only before any character is read (regex ``^``),
    ``eps_end`` moves only when no character follows (regex ``$``).  When
    ``universal_final`` is set, the final state loops on every character and has no other
    move, so reaching it means "accepted, whatever follows".
    """

    __slots__ = (
        "edges",
        "eps",
        "eps_end",
        "eps_start",
        "final",
        "nonascii",
        "start",
        "universal_final",
    )

    def __init__(self) -> None:
        self.edges: list[list[tuple[CharSet, int]]] = []
        self.eps: list[list[int]] = []
        self.eps_start: list[list[int]] = []
        self.eps_end: list[list[int]] = []
        self.start = 0
        self.final = 0
        self.universal_final = False
        self.nonascii: frozenset[str] = frozenset()

    def state(self) -> int:
        if len(self.edges) >= NFA_STATE_LIMIT:
            raise LanguageBudgetError(
                "regular expression too large to analyse "
                f"(more than {NFA_STATE_LIMIT} automaton states)"
            )
        self.edges.append([])
        self.eps.append([])
        self.eps_start.append([])
        self.eps_end.append([])
        return len(self.edges) - 1

    def _chain(self, cur: int, cs: CharSet, lo: int, hi: int | None) -> int:
        """Append ``cs{lo,hi}`` after state ``cur``; return the new end state."""
        for _ in range(lo):
            nxt = self.state()
            self.edges[cur].append((cs, nxt))
            cur = nxt
        if hi is None:
            loop = self.state()
            self.eps[cur].append(loop)
            self.edges[loop].append((cs, loop))
            return loop
        end = self.state()
        for _ in range(hi - lo):
            nxt = self.state()
            self.eps[cur].append(end)
            self.edges[cur].append((cs, nxt))
            cur = nxt
        self.eps[cur].append(end)
        return end

    def _finish(self, ends: Sequence[int], trail_any: bool) -> None:
        final = self.state()
        for end in ends:
            self.eps[end].append(final)
        if trail_any:
            self.edges[final].append((ANY_CHAR, final))
            self.universal_final = True
        self.final = final

    @classmethod
    def literal(cls, text: str, *, lead: bool = False, trail: bool = False) -> NFA:
        """``[any]* text [any]*`` with the optional parts switched by ``lead``/``trail``."""
        nfa = cls()
        cur = nfa.state()
        if lead:
            nfa.edges[cur].append((ANY_CHAR, cur))
        for ch in text:
            cur = nfa._chain(cur, CharSet.of(ch), 1, 1)
        nfa._finish([cur], trail)
        nfa.nonascii = frozenset(c for c in text if ord(c) >= ASCII)
        return nfa

    @classmethod
    def star(cls, cs: CharSet) -> NFA:
        """``cs*``: every text made only of characters of ``cs``."""
        nfa = cls()
        cur = nfa.state()
        nfa.edges[cur].append((cs, cur))
        nfa._finish([cur], False)
        nfa.nonascii = cs.nonascii
        return nfa

    @classmethod
    def regex_search(cls, regex: ast.Regex) -> NFA:
        """Texts in which the regex search succeeds (spec §3.4): unanchored unless ``^``
        / ``$``; ``$`` is the very end; ``.`` excludes LF."""
        nfa = cls()
        start = nfa.state()
        nfa.edges[start].append((ANY_CHAR, start))
        ends = []
        for branch in regex.branches:
            cur = nfa.state()
            nfa.eps[start].append(cur)
            for item in branch.items:
                if isinstance(item, ast.Anchor):
                    nxt = nfa.state()
                    if item.kind is ast.AnchorKind.START:
                        nfa.eps_start[cur].append(nxt)
                    else:
                        nfa.eps_end[cur].append(nxt)
                    cur = nxt
                elif isinstance(item, ast.Repeat):
                    cur = nfa._chain(cur, _atom_set(item.atom), item.min, item.max)
                else:
                    cur = nfa._chain(cur, _atom_set(item), 1, 1)
            ends.append(cur)
        nfa._finish(ends, True)
        return nfa

    @classmethod
    def json_number(cls) -> NFA:
        """RFC 8259 number tokens: ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?``."""
        nfa = cls()
        digit = _DIGITS
        s0 = nfa.state()
        s1 = nfa._chain(s0, CharSet.of("-"), 0, 1)
        zero = nfa.state()
        nfa.edges[s1].append((CharSet.of("0"), zero))
        lead = nfa.state()
        nfa.edges[s1].append((CharSet.ascii_range(49, 57), lead))
        rest = nfa._chain(lead, digit, 0, None)
        int_end = nfa.state()
        nfa.eps[zero].append(int_end)
        nfa.eps[rest].append(int_end)
        dot = nfa.state()
        nfa.edges[int_end].append((CharSet.of("."), dot))
        frac = nfa._chain(dot, digit, 1, None)
        frac_end = nfa.state()
        nfa.eps[int_end].append(frac_end)
        nfa.eps[frac].append(frac_end)
        exp = nfa.state()
        nfa.edges[frac_end].append((CharSet.of("eE"), exp))
        sign = nfa._chain(exp, CharSet.of("+-"), 0, 1)
        expd = nfa._chain(sign, digit, 1, None)
        nfa._finish([frac_end, expd], False)
        return nfa


def _atom_set(atom: ast.RegexAtom) -> CharSet:
    if isinstance(atom, ast.Literal):
        if ord(atom.char) >= ASCII:
            raise LanguageBudgetError("non-ASCII character in a regex (outside the dialect)")
        return CharSet.of(atom.char)
    if isinstance(atom, ast.AnyChar):
        return NOT_LF
    if isinstance(atom, ast.Shorthand):
        return SHORTHANDS[atom.code]
    if isinstance(atom, ast.CharClass):
        acc = CharSet(0)
        for item in atom.items:
            if isinstance(item, ast.Shorthand):
                acc = acc.union(SHORTHANDS[item.code])
            else:
                lo, hi = ord(item.lo), ord(item.hi)
                if hi >= ASCII:
                    raise LanguageBudgetError("non-ASCII range in a regex (outside the dialect)")
                acc = acc.union(CharSet.ascii_range(lo, hi))
        return acc.complement() if atom.negated else acc
    raise TypeError(f"not a regex atom: {atom!r}")  # pragma: no cover


# --------------------------------------------------------------------------- lazy DFA


class DFA:
    """The subset construction of an :class:`NFA` over one alphabet, built on demand.

    State 0 is the start.  ``moves(s)`` is a partition of the whole alphabet into
    ``(mask, target)`` pairs.  ``dead`` states accept nothing ever; ``universal`` states
    accept every continuation.
    """

    def __init__(self, nfa: NFA, alphabet: Alphabet, limit: int = DFA_STATE_LIMIT) -> None:
        self.nfa = nfa
        self.alphabet = alphabet
        self.limit = limit
        self._masks: dict[CharSet, int] = {}
        self._keys: list[tuple[frozenset[int], bool]] = []
        self._ids: dict[tuple[frozenset[int], bool], int] = {}
        self._accept: list[bool] = []
        self._moves: list[list[tuple[int, int]] | None] = []
        self.dead: set[int] = set()
        self.universal: set[int] = set()
        self._intern(self._closure({nfa.start}, True, False), True)

    # -- construction
    def _closure(self, states: Iterable[int], at_start: bool, at_end: bool) -> frozenset[int]:
        nfa = self.nfa
        seen = set(states)
        todo = list(seen)
        while todo:
            s = todo.pop()
            nxt = list(nfa.eps[s])
            if at_start:
                nxt += nfa.eps_start[s]
            if at_end:
                nxt += nfa.eps_end[s]
            for t in nxt:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)

    def _intern(self, states: frozenset[int], at_start: bool) -> int:
        nfa = self.nfa
        if nfa.universal_final and nfa.final in states:
            states, at_start = frozenset((nfa.final,)), False
        key = (states, at_start)
        found = self._ids.get(key)
        if found is not None:
            return found
        if len(self._keys) >= self.limit:
            raise LanguageBudgetError(
                f"value language too complex (more than {self.limit} automaton states)"
            )
        ident = len(self._keys)
        self._keys.append(key)
        self._ids[key] = ident
        accept = nfa.final in self._closure(states, at_start, True)
        self._accept.append(accept)
        self._moves.append(None)
        if not states:
            self.dead.add(ident)
        if nfa.universal_final and states == frozenset((nfa.final,)):
            self.universal.add(ident)
        return ident

    def _mask(self, cs: CharSet) -> int:
        m = self._masks.get(cs)
        if m is None:
            m = self._masks[cs] = self.alphabet.mask(cs)
        return m

    def accepting(self, state: int) -> bool:
        return self._accept[state]

    def moves(self, state: int) -> list[tuple[int, int]]:
        cached = self._moves[state]
        if cached is not None:
            return cached
        states, _ = self._keys[state]
        _charge(1 + len(states) // 6)  # before any change: the DFA stays consistent
        by_mask: dict[int, set[int]] = {}
        for s in states:
            for cs, t in self.nfa.edges[s]:
                by_mask.setdefault(self._mask(cs), set()).add(t)
        classes: list[tuple[int, frozenset[int]]] = [(self.alphabet.full, frozenset())]
        for m, targets in by_mask.items():
            refined = []
            for c, ts in classes:
                inside = c & m
                if inside:
                    refined.append((inside, ts | targets))
                outside = c & ~m
                if outside:
                    refined.append((outside, ts))
            classes = refined
        result = []
        for c, ts in classes:
            target = self._intern(self._closure(ts, False, False), False)
            result.append((c, target))
        self._moves[state] = result
        return result

    def step(self, state: int, symbol: int) -> int:
        for m, t in self.moves(state):
            if m >> symbol & 1:
                return t
        raise AssertionError("moves() is not a partition")  # pragma: no cover

    def accepts(self, text: str) -> bool:
        state = 0
        sym = self.alphabet.symbol
        for ch in text:
            if state in self.universal:
                return True
            if state in self.dead:
                return False
            state = self.step(state, sym(ch))
        return self._accept[state]


# --------------------------------------------------------------------------- languages


_SPEC_KINDS = ("exact", "prefix", "suffix", "contains", "regex", "number", "plain")
_interned: dict[tuple[str, object], Spec] = {}


class Spec:
    """An interned regular language with a name, e.g. ``Spec.literal("a", trail=True)``.

    Kinds: ``exact``/``prefix``/``suffix``/``contains`` (a wildcard value, spec §4.5),
    ``regex`` (search semantics), ``number`` (RFC 8259 number tokens) and ``plain``
    (texts a JSON string holds without escapes).  Specs compare by identity (they are
    interned), so domains that contain them hash fast.
    """

    __slots__ = ("__weakref__", "_dfas", "_nfa", "arg", "kind", "nonascii")

    kind: str
    arg: object
    nonascii: frozenset[str]
    _nfa: NFA | None
    _dfas: dict[Alphabet, DFA]

    def __new__(cls, kind: str, arg: object) -> Spec:  # noqa: PYI034 - interned, final
        key = (kind, arg)
        found = _interned.get(key)
        if found is not None:
            return found
        if kind not in _SPEC_KINDS:
            raise ValueError(f"unknown language kind {kind!r}")
        self = super().__new__(cls)
        self.kind = kind
        self.arg = arg
        self.nonascii = (
            frozenset(c for c in arg if ord(c) >= ASCII) if isinstance(arg, str) else frozenset()
        )
        self._nfa = None
        self._dfas = {}
        if len(_interned) > 50000:  # pragma: no cover - unbounded growth guard
            _interned.clear()
        _interned[key] = self
        return self

    # -- constructors
    @classmethod
    def literal(cls, text: str, *, lead: bool = False, trail: bool = False) -> Spec:
        if lead and trail:
            return cls("contains", text)
        if lead:
            return cls("suffix", text)
        if trail:
            return cls("prefix", text)
        return cls("exact", text)

    @classmethod
    def regex(cls, regex: ast.Regex) -> Spec:
        return cls("regex", regex)

    def __repr__(self) -> str:
        if self.kind == "regex":
            return "Spec(regex)"
        return f"Spec({self.kind}, {self.arg!r})"

    # -- semantics
    @property
    def is_finite_literal(self) -> bool:
        return self.kind == "exact"

    def accepts(self, text: str) -> bool:
        kind, arg = self.kind, self.arg
        if kind == "exact":
            return text == arg
        if kind == "prefix":
            return text.startswith(arg)  # type: ignore[arg-type]
        if kind == "suffix":
            return text.endswith(arg)  # type: ignore[arg-type]
        if kind == "contains":
            return arg in text  # type: ignore[operator]
        if kind == "plain":
            return all(JSON_PLAIN.contains(c) for c in text)
        return self.dfa(alphabet_for((self,))).accepts(text)

    def nfa(self) -> NFA:
        if self._nfa is None:
            kind, arg = self.kind, self.arg
            if kind == "regex":
                self._nfa = NFA.regex_search(arg)  # type: ignore[arg-type]
            elif kind == "number":
                self._nfa = NFA.json_number()
            elif kind == "plain":
                self._nfa = NFA.star(JSON_PLAIN)
            else:
                assert isinstance(arg, str)
                self._nfa = NFA.literal(
                    arg, lead=kind in ("suffix", "contains"), trail=kind in ("prefix", "contains")
                )
        assert self._nfa is not None
        return self._nfa

    def dfa(self, alphabet: Alphabet) -> DFA:
        dfa = self._dfas.get(alphabet)
        if dfa is None:
            dfa = self._dfas[alphabet] = DFA(self.nfa(), alphabet)
        return dfa


Constraint = tuple[Spec, bool]  # (language, True = the text is in it / False = not in it)


def _exact_candidates(parts: Sequence[Constraint]) -> list[str] | None:
    pools = [spec.arg for spec, positive in parts if positive and spec.kind == "exact"]
    if not pools:
        return None
    first = pools[0]
    return [first] if all(p == first for p in pools) else []  # type: ignore[list-item]


def _holds(parts: Sequence[Constraint], text: str) -> bool:
    return all(spec.accepts(text) == positive for spec, positive in parts)


def find(
    parts: Sequence[Constraint], *, prefer: Iterable[str] = (), limit: int = PRODUCT_STATE_LIMIT
) -> str | None:
    """A text satisfying every constraint (``None`` when there is none).

    ``prefer`` lists texts to try first (realistic values); otherwise the witness is a
    shortest text, built from the most readable characters.  Exact: ``None`` is a proof
    of emptiness.  Raises :class:`LanguageBudgetError` past the budget.
    """
    for text in prefer:
        if _holds(parts, text):
            return text
    exact = _exact_candidates(parts)
    if exact is not None:
        return next((t for t in exact if _holds(parts, t)), None)
    return _bfs(parts, limit)


def is_singleton(parts: Sequence[Constraint], *, limit: int = PRODUCT_STATE_LIMIT) -> str | None:
    """The only text satisfying the constraints, or ``None`` (none, or several)."""
    first = find(parts, limit=limit)
    if first is None:
        return None
    again = find([*parts, (Spec("exact", first), False)], limit=limit)
    return first if again is None else None


def _bfs(parts: Sequence[Constraint], limit: int) -> str | None:
    """Breadth-first search of the product automaton: a shortest accepted text, or ``None``
    once every reachable product state has been seen."""
    specs = [s for s, _ in parts]
    alphabet = alphabet_for(specs)
    dfas = [spec.dfa(alphabet) for spec in specs]
    signs = [positive for _, positive in parts]
    start = tuple(0 for _ in dfas)
    parent: dict[tuple[int, ...], tuple[tuple[int, ...], int] | None] = {start: None}
    queue = deque([start])

    def viable(state: tuple[int, ...]) -> bool:
        for dfa, positive, s in zip(dfas, signs, state):
            if positive and s in dfa.dead:
                return False
            if not positive and s in dfa.universal:
                return False
        return True

    def accepted(state: tuple[int, ...]) -> bool:
        return all(dfa.accepting(s) == positive for dfa, positive, s in zip(dfas, signs, state))

    def text(state: tuple[int, ...]) -> str:
        chars = []
        link = parent[state]
        while link is not None:
            state, sym = link
            chars.append(alphabet.char(sym))
            link = parent[state]
        return "".join(reversed(chars))

    if not viable(start):
        return None
    while queue:
        state = queue.popleft()
        _charge(len(dfas))
        if accepted(state):
            return text(state)
        classes: list[tuple[int, tuple[int, ...]]] = [(alphabet.full, ())]
        for dfa, s in zip(dfas, state):
            classes = [(c & m, ts + (t,)) for c, ts in classes for m, t in dfa.moves(s) if c & m]
        picked = sorted(
            (alphabet.rank[sym], sym, ts)
            for sym, ts in ((alphabet.pick(c), ts) for c, ts in classes)
        )
        for _, sym, target in picked:
            if target in parent or not viable(target):
                continue
            if len(parent) >= limit:
                raise LanguageBudgetError(
                    f"value conditions too complex to compare (more than {limit} states)"
                )
            parent[target] = (state, sym)
            queue.append(target)
    return None


def enumerate_words(
    parts: Sequence[Constraint], chars: str, *, count: int, limit: int = PRODUCT_STATE_LIMIT
) -> tuple[list[str], bool]:
    """Up to ``count`` texts over ``chars`` satisfying the constraints, shortest first.

    Returns ``(texts, exhausted)``; ``exhausted`` means there are no further texts over
    ``chars`` (the list is then the whole language restricted to those characters).
    """
    specs = [s for s, _ in parts]
    alphabet = alphabet_for(specs)
    dfas = [spec.dfa(alphabet) for spec in specs]
    signs = [positive for _, positive in parts]
    symbols = [alphabet.symbol(c) for c in chars]
    start = tuple(0 for _ in dfas)

    def succ(state: tuple[int, ...], sym: int) -> tuple[int, ...]:
        return tuple(dfa.step(s, sym) for dfa, s in zip(dfas, state))

    def accepted(state: tuple[int, ...]) -> bool:
        return all(dfa.accepting(s) == positive for dfa, positive, s in zip(dfas, signs, state))

    # explore the reachable product graph, then keep the states that can still accept
    graph: dict[tuple[int, ...], list[tuple[int, tuple[int, ...]]]] = {}
    todo = [start]
    while todo:
        state = todo.pop()
        if state in graph:
            continue
        if len(graph) >= limit:
            raise LanguageBudgetError("value conditions too complex to enumerate")
        _charge(1)
        edges = [(sym, succ(state, sym)) for sym in symbols]
        graph[state] = edges
        todo.extend(t for _, t in edges if t not in graph)
    live = {s for s in graph if accepted(s)}
    changed = True
    while changed:
        changed = False
        for s, edges in graph.items():
            if s not in live and any(t in live for _, t in edges):
                live.add(s)
                changed = True
    out: list[str] = []
    if start not in live:
        return out, True
    queue: deque[tuple[tuple[int, ...], str]] = deque([(start, "")])
    while queue:
        state, word = queue.popleft()
        if accepted(state):
            out.append(word)
            if len(out) >= count:
                return out, False
        for sym, target in graph[state]:
            if target in live:
                queue.append((target, word + alphabet.char(sym)))
        if len(queue) > 50 * count + 1000:
            return out, False
    return out, True
