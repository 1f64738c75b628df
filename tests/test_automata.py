"""Regular-language machinery of the analyzer (cwpattern.analysis.automata).

The automata are checked against independent oracles: Python ``re`` (with the spec §3.5
translation written out here, not taken from the library) for regexes, plain string
operations for wildcard values, and brute-force enumeration for emptiness and witnesses.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwpattern import ast
from cwpattern.analysis.automata import (
    CharSet,
    LanguageBudgetError,
    Spec,
    alphabet_for,
    enumerate_words,
    find,
    is_singleton,
)

# --------------------------------------------------------------------------- regex oracle

_SETS = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\r\\f\\v"}


def _class_body(items: tuple[ast.CharRange | ast.Shorthand, ...]) -> str:
    out = []
    for item in items:
        if isinstance(item, ast.Shorthand):
            if item.code.islower():
                out.append(_SETS[item.code])
            else:  # a complemented shorthand inside a class: not generated here
                raise AssertionError("unsupported in the oracle")
        else:
            lo, hi = re.escape(item.lo), re.escape(item.hi)
            out.append(lo if item.lo == item.hi else f"{lo}-{hi}")
    return "".join(out)


def _atom(atom: ast.RegexAtom) -> str:
    if isinstance(atom, ast.Literal):
        return re.escape(atom.char)
    if isinstance(atom, ast.AnyChar):
        return "[^\\n]"
    if isinstance(atom, ast.Shorthand):
        body = _SETS[atom.code.lower()]
        return f"[^{body}]" if atom.code.isupper() else f"[{body}]"
    assert isinstance(atom, ast.CharClass)
    return ("[^" if atom.negated else "[") + _class_body(atom.items) + "]"


def to_python(regex: ast.Regex) -> str:
    branches = []
    for branch in regex.branches:
        parts = []
        for item in branch.items:
            if isinstance(item, ast.Anchor):
                parts.append("\\A" if item.kind is ast.AnchorKind.START else "\\Z")
            elif isinstance(item, ast.Repeat):
                hi = "" if item.max is None else str(item.max)
                parts.append(f"(?:{_atom(item.atom)}){{{item.min},{hi}}}")
            else:
                parts.append(_atom(item))
        branches.append("(?:" + "".join(parts) + ")")
    return "|".join(branches)


# --------------------------------------------------------------------------- strategies

CHARS = "ab\n -é"
atoms = st.one_of(
    st.sampled_from("ab -").map(ast.Literal),
    st.just(ast.AnyChar()),
    st.sampled_from("dDwWsS").map(ast.Shorthand),
    st.builds(
        ast.CharClass,
        st.booleans(),
        st.lists(
            st.one_of(
                st.sampled_from(
                    [ast.CharRange("a", "b"), ast.CharRange("-", "-"), ast.CharRange(" ", " ")]
                ),
                st.sampled_from("dws").map(ast.Shorthand),
            ),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
)


@st.composite
def repeats(draw: st.DrawFn) -> ast.Repeat:
    lo = draw(st.integers(0, 2))
    hi = draw(st.one_of(st.none(), st.integers(lo, lo + 2)))
    if lo == 0 and hi == 0:
        hi = 1
    return ast.Repeat(draw(atoms), lo, hi)


items = st.one_of(
    atoms,
    repeats(),
    st.sampled_from([ast.Anchor(ast.AnchorKind.START), ast.Anchor(ast.AnchorKind.END)]),
)
regexes = st.lists(
    st.lists(items, min_size=1, max_size=4).map(lambda xs: ast.Branch(tuple(xs))),
    min_size=1,
    max_size=3,
).map(lambda bs: ast.Regex(tuple(bs)))
subjects = st.text(alphabet=CHARS, max_size=7)


@settings(max_examples=400, deadline=None)
@given(regexes, st.lists(subjects, min_size=1, max_size=10))
def test_regex_search_agrees_with_python_re(regex: ast.Regex, texts: list[str]) -> None:
    compiled = re.compile(to_python(regex))
    spec = Spec.regex(regex)
    for text in texts:
        assert spec.accepts(text) == (compiled.search(text) is not None), (to_python(regex), text)


@settings(max_examples=200, deadline=None)
@given(regexes, regexes)
def test_find_is_exact_against_brute_force(r1: ast.Regex, r2: ast.Regex) -> None:
    """A witness satisfies the constraints; ``None`` only if no short text over the
    relevant characters does (brute force up to length 4)."""
    parts = [(Spec.regex(r1), True), (Spec.regex(r2), False)]
    witness = find(parts)
    p1, p2 = re.compile(to_python(r1)), re.compile(to_python(r2))

    def ok(text: str) -> bool:
        return p1.search(text) is not None and p2.search(text) is None

    if witness is not None:
        assert ok(witness)
    else:
        for n in range(5):
            for combo in itertools.product("ab\n -é", repeat=n):
                assert not ok("".join(combo)), "".join(combo)


# --------------------------------------------------------------------------- wildcard values

values = st.text(alphabet="ab*é", max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abé", max_size=3),
    st.sampled_from(["exact", "prefix", "suffix", "contains"]),
    st.lists(st.text(alphabet="abéx", max_size=6), max_size=10),
)
def test_literal_specs_agree_with_string_operations(core: str, kind: str, texts: list[str]) -> None:
    spec = Spec(kind, core)
    dfa = spec.dfa(alphabet_for([spec, Spec("exact", "x")]))
    expected = {
        "exact": str.__eq__,
        "prefix": str.startswith,
        "suffix": str.endswith,
        "contains": lambda t, c: c in t,
    }[kind]
    for text in texts:
        assert spec.accepts(text) == bool(expected(text, core))
        assert dfa.accepts(text) == bool(expected(text, core)), (kind, core, text)


def test_non_ascii_literals_get_their_own_symbol() -> None:
    """A non-ASCII literal must not be confused with other non-ASCII characters."""
    naive = Spec("exact", "naïve")
    assert (
        find(
            [
                (Spec("prefix", "na"), True),
                (Spec("suffix", "ve"), True),
                (naive, False),
                (Spec("exact", "nave"), False),
            ]
        )
        is not None
    )
    # 'ï' is the only character allowed between: exactly one text remains
    word = ast.Regex(
        (
            ast.Branch(
                (
                    ast.Anchor(ast.AnchorKind.START),
                    ast.Literal("n"),
                    ast.Literal("a"),
                    ast.Shorthand("W"),
                    ast.Literal("v"),
                    ast.Literal("e"),
                    ast.Anchor(ast.AnchorKind.END),
                )
            ),
        )
    )
    parts = [(Spec.regex(word), True), (naive, False)]
    witness = find(parts)
    assert witness is not None and witness != "naïve" and witness[2] not in "ïabc"
    assert is_singleton([(Spec.regex(word), True), (naive, True)]) == "naïve"


def test_anchors() -> None:
    start, end = ast.Anchor(ast.AnchorKind.START), ast.Anchor(ast.AnchorKind.END)
    a, b = ast.Literal("a"), ast.Literal("b")
    impossible = Spec.regex(ast.Regex((ast.Branch((a, start, b)),)))
    assert find([(impossible, True)]) is None
    only_empty = Spec.regex(ast.Regex((ast.Branch((end, start)),)))
    assert is_singleton([(only_empty, True)]) == ""
    # `$` is the very end: not before a trailing newline
    gz = Spec.regex(ast.Regex((ast.Branch((ast.Literal("z"), end)),)))
    assert gz.accepts("a.gz") and not gz.accepts("a.gz\n")
    split = Spec.regex(ast.Regex((ast.Branch((start, a)), ast.Branch((b, end)))))
    assert split.accepts("ax") and split.accepts("xb") and not split.accepts("xa")


def test_witness_is_shortest_and_readable() -> None:
    assert (
        find([(Spec("prefix", "DisableKey"), True), (Spec("exact", "DisableKey"), False)])
        == "DisableKeya"
    )
    assert find([(Spec("exact", "kms.amazonaws.com"), False)]) == ""
    assert find([(Spec("exact", ""), False), (Spec("contains", "."), False)]) == "a"
    assert find([], prefer=("Decrypt",)) == "Decrypt"


def test_number_syntax_language() -> None:
    number = Spec("number", None)
    pattern = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
    for text in [
        "0",
        "-0",
        "10",
        "01",
        "1.",
        ".5",
        "1e5",
        "1E+5",
        "1e",
        "-",
        "1.5e-3",
        "+1",
        "00",
        "1.0",
    ]:
        assert number.accepts(text) == (pattern.fullmatch(text) is not None), text
    words, exhausted = enumerate_words(
        [(number, True), (Spec("prefix", "5"), True)], "0123456789.-eE+", count=20
    )
    assert words[:3] == ["5", "50", "51"] and not exhausted
    words, exhausted = enumerate_words(
        [
            (number, True),
            (Spec("prefix", "0"), True),
            (Spec("contains", "."), False),
            (Spec("contains", "e"), False),
            (Spec("contains", "E"), False),
        ],
        "0123456789.-eE+",
        count=20,
    )
    assert (words, exhausted) == (["0"], True)


def test_budget_is_enforced() -> None:
    """Proving 'contains a, then 14 more characters' disjoint from itself explores ~2^14
    product states: the answer must be an error, not a hang and not a guess."""
    items = (ast.Literal("a"), ast.Repeat(ast.AnyChar(), 14, 14))
    spec = Spec.regex(ast.Regex((ast.Branch(items),)))
    with pytest.raises(LanguageBudgetError):
        find([(spec, True), (spec, False)], limit=500)
    assert find([(spec, True), (Spec("exact", "b"), True)]) is None  # small questions still work


def test_charset_algebra() -> None:
    x = CharSet.of("aé")
    y = CharSet.of("b").complement()
    u = x.union(y)
    assert u.contains("a") and u.contains("é") and u.contains("ß") and not u.contains("b")
    assert not x.complement().contains("é") and x.complement().contains("ü")
