"""Properties of the language core, with hypothesis.

- compile() never lets anything but PatternSyntaxError escape, for any text at all and
  for mutations of valid patterns, and errors point inside the pattern;
- printing a tree and parsing the text gives the same tree (round trip), and canonical
  text is a fixpoint;
- the compiled matcher agrees with the naive reference interpreter, extraction included;
- matches() never raises on any message.
"""

from __future__ import annotations

from conftest import DATA, load_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patterns_gen import messages, patterns

import cwpattern
from cwpattern import _reference
from cwpattern.printer import unparse

VALID = sorted(
    {
        r["pattern"]
        for p in (DATA / "conformance").glob("*.jsonl")
        for r in load_jsonl(p)
        if "error" not in r
    }
)
ALPHABET = st.sampled_from(
    list("{}[]()%$.*\"'\\=!<>&|,?- \t\nabAZ019_é“") + ["IS", "NOT", "NULL", "EXISTS", "..."]
)


def _compile_or_syntax_error(text: str) -> None:
    try:
        compiled = cwpattern.compile(text)
    except cwpattern.PatternSyntaxError as err:
        assert 0 <= err.pos <= len(text)
        assert err.code and err.code.isupper()
        assert "^" in str(err)
        return
    assert cwpattern.parse(str(compiled)) == compiled.ast


@settings(max_examples=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_fuzz_arbitrary_text(text: str) -> None:
    _compile_or_syntax_error(text)


@settings(max_examples=5000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(VALID),
    st.lists(
        st.tuples(
            st.integers(0, 200), st.integers(0, 3), st.lists(ALPHABET, max_size=3).map("".join)
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_fuzz_mutated_patterns(base: str, edits: list[tuple[int, int, str]]) -> None:
    text = base
    for at, delete, insert in edits:
        at = at % (len(text) + 1)
        text = text[:at] + insert + text[at + delete :]
    _compile_or_syntax_error(text)


@settings(max_examples=1500)
@given(patterns)
def test_round_trip_of_generated_trees(tree: cwpattern.ast.Pattern) -> None:
    text = unparse(tree)
    assert cwpattern.parse(text) == tree, text
    assert unparse(cwpattern.parse(text)) == text


@settings(max_examples=3000)
@given(patterns, st.lists(messages, min_size=1, max_size=4))
def test_compiled_agrees_with_reference(tree: cwpattern.ast.Pattern, events: list[str]) -> None:
    compiled = cwpattern.compile(unparse(tree))
    for event in events:
        expected = _reference.evaluate(compiled.ast, event)
        assert compiled.extract(event) == expected, (str(compiled), event)
        assert compiled.matches(event) is (expected is not None)


@settings(max_examples=500)
@given(st.sampled_from(VALID), st.one_of(st.binary(max_size=40), st.text(max_size=40)))
def test_matches_never_raises(pattern: str, message: str | bytes) -> None:
    compiled = cwpattern.compile(pattern)
    assert compiled.matches(message) in (True, False)
    values = compiled.extract(message)
    assert values is None or isinstance(values, dict)


def test_conformance_events_agree_with_reference() -> None:
    rows = [
        r for p in (DATA / "conformance").glob("*.jsonl") for r in load_jsonl(p) if "error" not in r
    ]
    for row in rows:
        compiled = cwpattern.compile(row["pattern"])
        assert compiled.extract(row["event"]) == _reference.evaluate(compiled.ast, row["event"]), (
            row
        )
