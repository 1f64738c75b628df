"""Hypothesis generators of pattern trees and of messages built from the same small
vocabulary, so that generated messages often match generated patterns (test helper)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from cwpattern import ast

WORDS = ["a", "b", "ab", "ERROR", "7", "x_1"]
TEXTS = ["a", "b", "ab", "", "7", "7.0", "a b", 'q"', "\\", "é", "-1"]
NUMBERS = ["7", "7.0", "-1", "1e1", "0", "10"]
KEYS = ["a", "b", "c"]

regex_atoms = st.one_of(
    st.sampled_from("ab7 -:").map(ast.Literal),
    st.just(ast.AnyChar()),
    st.sampled_from("dDwWsS").map(ast.Shorthand),
    st.builds(
        ast.CharClass,
        st.booleans(),
        st.lists(
            st.sampled_from([ast.CharRange("a", "c"), ast.CharRange("7", "7"), ast.Shorthand("s")]),
            min_size=1,
            max_size=2,
        ).map(tuple),
    ),
)
regex_items = st.one_of(
    regex_atoms,
    st.builds(
        ast.Repeat, regex_atoms, st.sampled_from([0, 1, 2]), st.sampled_from([None, 2, 3])
    ).filter(lambda r: r.max is None or r.min <= r.max),
)
branches = st.builds(
    lambda start, items, end: ast.Branch(
        tuple(
            ([ast.Anchor(ast.AnchorKind.START)] if start else [])
            + items
            + ([ast.Anchor(ast.AnchorKind.END)] if end else [])
        )
    ),
    st.booleans(),
    st.lists(regex_items, min_size=1, max_size=3),
    st.booleans(),
)
regexes = st.lists(branches, min_size=1, max_size=2).map(lambda bs: ast.Regex(tuple(bs)))

string_values = st.builds(
    lambda lead, text, trail: ast.StringValue(
        ("*" if lead else "") + text + ("*" if trail else "")
    ),
    st.booleans(),
    st.sampled_from(TEXTS),
    st.booleans(),
)
values = st.one_of(
    string_values, st.sampled_from(NUMBERS).map(ast.NumberValue), regexes.map(ast.RegexValue)
)

steps = st.one_of(st.sampled_from(KEYS).map(ast.Member), st.integers(0, 1).map(ast.Index))
selectors = st.builds(
    lambda first, rest, wild: ast.Selector(
        (ast.Member(first),) + tuple(rest) + ((ast.Wildcard(True),) if wild else ())
    ),
    st.sampled_from(KEYS),
    st.lists(steps, max_size=2),
    st.booleans(),
)


@st.composite
def comparisons(draw: Any) -> ast.Comparison:
    op = draw(st.sampled_from(list(ast.Op)))
    value = draw(st.sampled_from(NUMBERS).map(ast.NumberValue) if op.is_ordering else values)
    return ast.Comparison(draw(selectors), op, value)


conditions = st.one_of(
    comparisons(), st.builds(ast.Predicate, selectors, st.sampled_from(list(ast.PredicateKind)))
)


def _json_exprs() -> Any:
    return st.recursive(
        conditions,
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.And(_flat(ast.And, xs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.Or(_flat(ast.Or, xs))),
        ),
        max_leaves=5,
    )


def _flat(kind: type, xs: list[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for x in xs:
        out.extend(x.operands if isinstance(x, kind) else [x])
    return tuple(out)


def _quota_ok(p: ast.JsonPattern) -> bool:
    conds = list(ast.conditions(p.expr))
    wild = sum(c.selector.has_wildcard for c in conds)
    rx = sum(isinstance(c, ast.Comparison) and isinstance(c.value, ast.RegexValue) for c in conds)
    return wild <= 3 and rx <= 2


json_patterns = st.builds(ast.JsonPattern, _json_exprs()).filter(_quota_ok)

terms = st.builds(
    ast.Term, st.sampled_from(WORDS + ["a b", 'q"', "-x"]), st.sampled_from(list(ast.TermKind))
)
term_patterns = st.lists(terms, min_size=1, max_size=4).map(lambda ts: ast.TermPattern(tuple(ts)))


@st.composite
def field_conditions(draw: Any) -> ast.FieldExpr:
    def comparison() -> Any:
        op = draw(st.sampled_from(list(ast.Op)))
        value = draw(
            st.sampled_from(NUMBERS).map(ast.NumberValue)
            if op.is_ordering
            else st.one_of(string_values, st.sampled_from(NUMBERS).map(ast.NumberValue))
        )
        return ast.FieldComparison(op, value)

    shape = draw(st.integers(0, 2))
    if shape == 0:
        return comparison()
    kind = ast.FieldAnd if shape == 1 else ast.FieldOr
    return kind((comparison(), comparison()))


@st.composite
def delimited_patterns(draw: Any) -> ast.DelimitedPattern:
    n = draw(st.integers(0, 4))
    entries: list[ast.Entry] = []
    for i in range(n):
        kind = draw(st.sampled_from(["named", "cond", "anon"]))
        if kind == "anon" and n > 1:
            entries.append(ast.Field(None))
        else:
            cond = draw(field_conditions()) if kind == "cond" else None
            entries.append(ast.Field(f"f{i}", cond))
    if n and draw(st.booleans()):
        entries.insert(draw(st.integers(0, n)), ast.EllipsisEntry())
    return ast.DelimitedPattern(tuple(entries))


patterns = st.one_of(
    json_patterns,
    term_patterns,
    regexes.map(ast.RegexPattern),
    delimited_patterns(),
    st.just(ast.MatchAll()),
)

# ---------------------------------------------------------------- messages

leaves = st.one_of(
    st.sampled_from(TEXTS), st.sampled_from([7, 7.0, -1, 0, 10, 1e1, True, False, None])
)
json_values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)
json_messages = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3).map(
    lambda d: json.dumps(d, ensure_ascii=False)
)
field_tokens = st.sampled_from(["a", "7", "7.0", "10", '"a b"', "[x y]", "-", "ab", '"q'])
line_messages = st.lists(field_tokens, max_size=6).map(" ".join)
messages = st.one_of(json_messages, line_messages, st.text(max_size=20))
