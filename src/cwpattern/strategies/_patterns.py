"""Hypothesis strategies of valid pattern trees, for every family.

Trees are built within the quotas the parser enforces (two regex literals and three
wildcard selectors per pattern, one wildcard per selector, unique field names, one
ellipsis) from a vocabulary that mixes CloudTrail names with the awkward cases (bracketed
keys, empty and quoted strings, wildcards, number spellings whose text matters, regex
escapes), so that fuzzing exercises both the realistic and the odd.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from .. import ast

__all__ = ["FAMILIES", "regexes", "trees"]

FAMILIES = ("json", "terms", "regex", "space-delimited", "match-all")

_KEYS = (
    "eventName",
    "eventSource",
    "errorCode",
    "userIdentity",
    "type",
    "a",
    "b",
    "requestParameters",
    "x-y",
    "with space",
    "a.b",
    "0",
    "é",
)
_STRINGS = (
    "DisableKey",
    "kms.amazonaws.com",
    "Disable*",
    "*Key",
    "*Key*",
    "*",
    "",
    "a b",
    'q"',
    "\\",
    "é",
    "-1",
    "true",
    "AccessDenied*",
    "x*y",
)
_NUMBERS = ("0", "1", "-1", "7.0", "1e3", "+5", "007", "1.5E-2", "1e400", "503")
_WORDS = ("ERROR", "WARN", "DisableKey", "a", "b7", "x_1")
_PHRASES = ("disk full", "[ERROR]", "a-b", 'q"', "\\", " ", "é", "{x}")
_FIELD_NAMES = ("ip", "user", "status", "bytes", "f", "_x", "a-b", "lvl")
_LITERAL_CHARS = (
    string.ascii_letters[:6] + string.digits[:3] + " :_#=@/;,-" + ".*+?()[]{}|^$\\%" + "\x01\x7f"
)


# --------------------------------------------------------------------------- regex

_atoms = st.one_of(
    st.sampled_from(_LITERAL_CHARS).map(ast.Literal),
    st.just(ast.AnyChar()),
    st.sampled_from("dDwWsS").map(ast.Shorthand),
    st.builds(
        ast.CharClass,
        st.booleans(),
        st.lists(
            st.one_of(
                st.sampled_from("aZ09-.]^\\").map(lambda c: ast.CharRange(c, c)),
                st.sampled_from([("a", "f"), ("0", "9"), ("A", "Z"), (" ", "/")]).map(
                    lambda r: ast.CharRange(*r)
                ),
                st.sampled_from("dsw").map(ast.Shorthand),
            ),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
)


def _repeat(atom: Any, bounds: tuple[int, int | None]) -> ast.Repeat:
    return ast.Repeat(atom, bounds[0], bounds[1])


_items = st.one_of(
    _atoms,
    st.builds(
        _repeat,
        _atoms,
        st.sampled_from([(0, None), (1, None), (0, 1), (2, 2), (0, 3), (1, 2), (3, None)]),
    ),
)


@st.composite
def _branch(draw: Any) -> ast.Branch:
    items: list[Any] = draw(st.lists(_items, min_size=1, max_size=4))
    if draw(st.booleans()):
        items.insert(0, ast.Anchor(ast.AnchorKind.START))
    if draw(st.booleans()):
        items.append(ast.Anchor(ast.AnchorKind.END))
    return ast.Branch(tuple(items))


#: Regex bodies: one to three branches of anchors and repeated atoms.
regexes = st.lists(_branch(), min_size=1, max_size=3).map(lambda bs: ast.Regex(tuple(bs)))


# --------------------------------------------------------------------------- JSON

_strings = st.sampled_from(_STRINGS).map(ast.StringValue)
_numbers = st.sampled_from(_NUMBERS).map(ast.NumberValue)


@st.composite
def _selector(draw: Any, wildcard: bool) -> ast.Selector:
    first = draw(st.sampled_from(_KEYS))
    steps: list[ast.Step] = [ast.Member(first)]
    for _ in range(draw(st.integers(0, 2))):
        steps.append(
            draw(
                st.one_of(st.sampled_from(_KEYS).map(ast.Member), st.integers(0, 2).map(ast.Index))
            )
        )
    if wildcard:
        at = draw(st.integers(0, len(steps)))
        bracket = at > 0 and draw(st.booleans())
        steps.insert(at, ast.Wildcard(bracket))
    return ast.Selector(tuple(steps))


@st.composite
def _condition(draw: Any, budget: dict[str, int]) -> Any:
    wildcard = budget["wild"] > 0 and draw(st.integers(0, 4)) == 0
    if wildcard:
        budget["wild"] -= 1
    selector = draw(_selector(wildcard))
    if draw(st.integers(0, 4)) == 0:
        return ast.Predicate(selector, draw(st.sampled_from(list(ast.PredicateKind))))
    op = draw(st.sampled_from(list(ast.Op)))
    if op.is_ordering:
        return ast.Comparison(selector, op, draw(_numbers))
    kinds = [_strings, _numbers]
    if budget["regex"] > 0:
        kinds.append(regexes.map(ast.RegexValue))
    value = draw(st.one_of(kinds))
    if isinstance(value, ast.RegexValue):
        budget["regex"] -= 1
    return ast.Comparison(selector, op, value)


def _flat(kind: Any, operands: list[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for o in operands:
        out.extend(o.operands if isinstance(o, kind) else [o])
    return tuple(out)


@st.composite
def _expr(draw: Any, budget: dict[str, int], depth: int = 0) -> Any:
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return draw(_condition(budget))
    kind = draw(st.sampled_from([ast.And, ast.Or]))
    operands = [draw(_expr(budget, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
    return kind(_flat(kind, operands))


@st.composite
def _json(draw: Any) -> ast.JsonPattern:
    return ast.JsonPattern(draw(_expr({"wild": 3, "regex": 2})))


# --------------------------------------------------------------------------- other families

_terms = st.lists(
    st.builds(
        ast.Term,
        st.one_of(st.sampled_from(_WORDS), st.sampled_from(_PHRASES)),
        st.sampled_from(list(ast.TermKind)),
    ),
    min_size=1,
    max_size=4,
).map(lambda ts: ast.TermPattern(tuple(ts)))


@st.composite
def _field_expr(draw: Any, budget: dict[str, int], depth: int = 0) -> Any:
    if depth >= 1 or draw(st.booleans()):
        op = draw(st.sampled_from(list(ast.Op)))
        if op.is_ordering:
            return ast.FieldComparison(op, draw(_numbers))
        kinds = [_strings, _numbers]
        if budget["regex"] > 0:
            kinds.append(regexes.map(ast.RegexValue))
        value = draw(st.one_of(kinds))
        if isinstance(value, ast.RegexValue):
            budget["regex"] -= 1
        return ast.FieldComparison(op, value)
    kind = draw(st.sampled_from([ast.FieldAnd, ast.FieldOr]))
    operands = [draw(_field_expr(budget, depth + 1)) for _ in range(2)]
    return kind(_flat(kind, operands))


@st.composite
def _delimited(draw: Any) -> ast.DelimitedPattern:
    names = draw(st.lists(st.sampled_from(_FIELD_NAMES), unique=True, max_size=4))
    budget = {"regex": 2}
    entries: list[ast.Entry] = []
    for name in names:
        shape = draw(st.integers(0, 3))
        if shape == 0 and len(names) > 1:
            entries.append(ast.Field(None))
        elif shape == 1:
            entries.append(ast.Field(name))
        else:
            entries.append(ast.Field(name, draw(_field_expr(budget))))
    if entries and draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), ast.EllipsisEntry())
    return ast.DelimitedPattern(tuple(entries))


def trees(family: str | None = None) -> st.SearchStrategy[ast.Pattern]:
    """Valid pattern trees of one family (``json``, ``terms``, ``regex``,
    ``space-delimited``, ``match-all``) or of all of them."""
    by_family: dict[str, st.SearchStrategy[Any]] = {
        "json": _json(),
        "terms": _terms,
        "regex": regexes.map(ast.RegexPattern),
        "space-delimited": _delimited(),
        "match-all": st.just(ast.MatchAll()),
    }
    if family is None:
        return st.one_of(*by_family.values())
    return by_family[family]
