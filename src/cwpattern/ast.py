"""The typed, immutable syntax tree of CloudWatch Logs filter patterns.

The parser (``cwpattern.parser``) is the only producer of these nodes; the printer, the
evaluators, the compiler and the analyzer consume them.  Nodes are frozen, slotted
dataclasses; children are tuples; values are plain ``str``/``int``.  Every node carries a
``span`` (source offsets) that is excluded from equality, so two trees are equal when
they mean the same syntax, wherever it was written:

>>> from cwpattern import parse
>>> parse("{ $.a = 1 }") == parse("{$.a=1}")
True
>>> parse("ERROR -DEBUG")
TermPattern(terms=(Term(text='ERROR', kind=<TermKind.REQUIRED: 'required'>), \
Term(text='DEBUG', kind=<TermKind.EXCLUDED: 'excluded'>)))

This module imports nothing from lark: no parser object ever escapes into the tree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = [
    "Span",
    # regex dialect
    "Literal",
    "AnyChar",
    "Shorthand",
    "CharRange",
    "CharClass",
    "Anchor",
    "Repeat",
    "Branch",
    "Regex",
    "RegexAtom",
    "RegexItem",
    # values
    "NumberValue",
    "StringValue",
    "RegexValue",
    "Value",
    "Op",
    # terms
    "TermKind",
    "Term",
    "TermPattern",
    "MatchAll",
    "RegexPattern",
    # JSON
    "Member",
    "Index",
    "Wildcard",
    "Step",
    "Selector",
    "Comparison",
    "PredicateKind",
    "Predicate",
    "And",
    "Or",
    "JsonExpr",
    "JsonPattern",
    # space-delimited
    "FieldComparison",
    "FieldAnd",
    "FieldOr",
    "FieldExpr",
    "Field",
    "EllipsisEntry",
    "Entry",
    "DelimitedPattern",
    "Pattern",
    "family_of",
    "conditions",
    "dnf",
    "field_comparisons",
]


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open range ``[start, end)`` of code-point offsets into the pattern text."""

    start: int
    end: int


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# --------------------------------------------------------------------------- regex dialect
# A regex literal ``%body%`` (spec §3).  The dialect has no groups, so a body is an
# alternation of branches, each a sequence of (possibly repeated) atoms and anchors.


@dataclass(frozen=True, slots=True)
class Literal:
    """One literal character (written plainly, as ``\\`` + punctuation, or as ``\\xhh``)."""

    char: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class AnyChar:
    """``.``: any single character except LF."""

    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Shorthand:
    """``\\d \\D \\w \\W \\s \\S`` (ASCII sets; upper case is the complement)."""

    code: str  # one of "dDwWsS"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class CharRange:
    """A class item: one character (``lo == hi``) or an inclusive range ``lo-hi``."""

    lo: str
    hi: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class CharClass:
    """``[...]`` or ``[^...]``; items are ranges and shorthands, in source order."""

    negated: bool
    items: tuple[CharRange | Shorthand, ...]
    span: Span | None = _span()


RegexAtom = Literal | AnyChar | Shorthand | CharClass


class AnchorKind(str, enum.Enum):
    START = "^"
    END = "$"


@dataclass(frozen=True, slots=True)
class Anchor:
    """``^`` (start of subject) or ``$`` (very end of subject)."""

    kind: AnchorKind
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Repeat:
    """An atom with a quantifier: ``*`` is (0, None), ``+`` (1, None), ``?`` (0, 1)."""

    atom: RegexAtom
    min: int
    max: int | None  # None: unbounded
    span: Span | None = _span()


RegexItem = Literal | AnyChar | Shorthand | CharClass | Anchor | Repeat


@dataclass(frozen=True, slots=True)
class Branch:
    """One alternative of a regex: a non-empty sequence of items."""

    items: tuple[RegexItem, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Regex:
    """A parsed regex body: ``branch | branch | ...`` (``|`` splits the whole body)."""

    branches: tuple[Branch, ...]
    span: Span | None = _span()


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class NumberValue:
    """An unquoted value that is a number: ``[+-]digits[.digits][(e|E)[+-]digits]``.

    ``text`` is kept verbatim because a number literal is compared as *text* with string
    leaves (``= 7`` matches ``"7"`` but not ``"7.0"``).
    """

    text: str
    span: Span | None = _span()

    @property
    def value(self) -> float:
        return float(self.text)


@dataclass(frozen=True, slots=True)
class StringValue:
    """A quoted or bare string value, escapes already processed.

    A leading and/or trailing ``*`` is a wildcard (spec §4.5); quoting does not change it.
    """

    text: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class RegexValue:
    """A ``%regex%`` value."""

    regex: Regex
    span: Span | None = _span()


Value = NumberValue | StringValue | RegexValue


class Op(str, enum.Enum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    @property
    def is_ordering(self) -> bool:
        return self in (Op.LT, Op.LE, Op.GT, Op.GE)


# --------------------------------------------------------------------------- terms


class TermKind(str, enum.Enum):
    REQUIRED = "required"  # plain term
    OPTIONAL = "optional"  # ?term
    EXCLUDED = "excluded"  # -term


@dataclass(frozen=True, slots=True)
class Term:
    """A term: a case-sensitive substring of the raw message (quoting is not semantic)."""

    text: str
    kind: TermKind = TermKind.REQUIRED
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class TermPattern:
    terms: tuple[Term, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class MatchAll:
    """The empty (or blank) pattern: matches every message."""

    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class RegexPattern:
    """A standalone ``%regex%`` searched in the whole raw message."""

    regex: Regex
    span: Span | None = _span()


# --------------------------------------------------------------------------- JSON


@dataclass(frozen=True, slots=True)
class Member:
    """``.name`` or ``.['key']`` (the two spellings mean the same)."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Index:
    """``[n]``: element n of an array (never an object key ``"n"``)."""

    index: int
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``.*`` or ``[*]``: every member value of an object / every element of an array.

    Both spellings select the same nodes; ``bracket`` only remembers which was written.
    """

    bracket: bool = field(default=False, compare=False)
    span: Span | None = _span()


Step = Member | Index | Wildcard


@dataclass(frozen=True, slots=True)
class Selector:
    """``$`` followed by steps, e.g. ``$.a.b[0]``; at most one wildcard."""

    steps: tuple[Step, ...]
    span: Span | None = _span()

    @property
    def has_wildcard(self) -> bool:
        return any(isinstance(s, Wildcard) for s in self.steps)


@dataclass(frozen=True, slots=True)
class Comparison:
    """``selector op value``; ordering operators always carry a :class:`NumberValue`."""

    selector: Selector
    op: Op
    value: Value
    span: Span | None = _span()


class PredicateKind(str, enum.Enum):
    IS_NULL = "IS NULL"
    IS_TRUE = "IS TRUE"
    IS_FALSE = "IS FALSE"
    NOT_EXISTS = "NOT EXISTS"


@dataclass(frozen=True, slots=True)
class Predicate:
    """``selector IS NULL|TRUE|FALSE`` or ``selector NOT EXISTS``."""

    selector: Selector
    kind: PredicateKind
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class And:
    """``a && b && ...`` (n-ary, at least two operands, never directly nested in And)."""

    operands: tuple[JsonExpr, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Or:
    """``a || b || ...`` (n-ary, at least two operands, never directly nested in Or)."""

    operands: tuple[JsonExpr, ...]
    span: Span | None = _span()


JsonExpr = Comparison | Predicate | And | Or


@dataclass(frozen=True, slots=True)
class JsonPattern:
    expr: JsonExpr
    span: Span | None = _span()


# --------------------------------------------------------------------------- space-delimited


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """``op value`` applied to the enclosing field's value."""

    op: Op
    value: Value
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class FieldAnd:
    operands: tuple[FieldExpr, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class FieldOr:
    operands: tuple[FieldExpr, ...]
    span: Span | None = _span()


FieldExpr = FieldComparison | FieldAnd | FieldOr


@dataclass(frozen=True, slots=True)
class Field:
    """One entry: a named or anonymous (``name is None``) field, with an optional condition."""

    name: str | None
    condition: FieldExpr | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class EllipsisEntry:
    """``...``: any number of fields (at most one per pattern)."""

    span: Span | None = _span()


Entry = Field | EllipsisEntry


@dataclass(frozen=True, slots=True)
class DelimitedPattern:
    """``[e1, e2, ...]``; zero entries (``[]``) extracts every field."""

    entries: tuple[Entry, ...]
    span: Span | None = _span()

    @property
    def ellipsis_index(self) -> int | None:
        for i, entry in enumerate(self.entries):
            if isinstance(entry, EllipsisEntry):
                return i
        return None


Pattern = MatchAll | TermPattern | RegexPattern | JsonPattern | DelimitedPattern

_FAMILIES: dict[type, str] = {
    MatchAll: "match-all",
    TermPattern: "terms",
    RegexPattern: "regex",
    JsonPattern: "json",
    DelimitedPattern: "space-delimited",
}


def family_of(pattern: Pattern) -> str:
    """The family name of a pattern tree: ``match-all``, ``terms``, ``regex``, ``json`` or
    ``space-delimited``."""
    return _FAMILIES[type(pattern)]


def conditions(expr: JsonExpr) -> Iterator[Comparison | Predicate]:
    """The conditions of a JSON expression, left to right."""
    if isinstance(expr, (And, Or)):
        for operand in expr.operands:
            yield from conditions(operand)
    else:
        yield expr


def dnf(expr: JsonExpr, limit: int) -> list[tuple[Comparison | Predicate, ...]] | None:
    """Disjunctive normal form: the alternatives of a JSON expression, each a conjunction
    of its conditions (left to right, a repeated condition kept once), or ``None`` when
    there are more than ``limit`` alternatives.  The one DNF of the package (the analyzer,
    the test helpers and the event strategies use it).

    >>> a, b, c = (Predicate(Selector((Member(n),)), PredicateKind.IS_TRUE) for n in "abc")
    >>> [len(case) for case in dnf(And((a, Or((b, c)), a)), 8)]
    [2, 2]
    >>> dnf(And((Or((a, b)), Or((b, c)))), 3) is None
    True
    """
    if isinstance(expr, Or):
        out: list[tuple[Comparison | Predicate, ...]] = []
        for operand in expr.operands:
            part = dnf(operand, limit)
            if part is None or len(out) + len(part) > limit:
                return None
            out += part
        return out
    if isinstance(expr, And):
        acc: list[tuple[Comparison | Predicate, ...]] = [()]
        for operand in expr.operands:
            part = dnf(operand, limit)
            if part is None or len(acc) * len(part) > limit:
                return None
            acc = [a + tuple(c for c in p if c not in a) for a in acc for p in part]
        return acc
    return [(expr,)]


def field_comparisons(expr: FieldExpr) -> Iterator[FieldComparison]:
    """The comparisons of a space-delimited entry's condition, left to right."""
    if isinstance(expr, (FieldAnd, FieldOr)):
        for operand in expr.operands:
            yield from field_comparisons(operand)
    else:
        yield expr
