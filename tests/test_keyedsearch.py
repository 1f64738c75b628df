"""Member values searched as one expression per member (cwpattern.keyedsearch): the
lines a scan of many patterns examines, and so its results, are those of the plain
literal search and of the reference evaluator, whatever the whitespace, escapes,
nesting and duplicate members of the lines."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import force_search_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cwpattern
from cwpattern import keyedsearch
from cwpattern.keyedsearch import KeyedLiteralSet
from cwpattern.prefilter import prefilter_for

needs_hyperscan = pytest.mark.skipif(not keyedsearch.available(), reason="hyperscan not installed")

KEYS = {
    b'Del"': (b'"ev"', b'"Del"'),
    b'Put"': (b'"ev"', b'"Put"'),
    b"Acc": (b'"code"', b'"Acc'),
    b"Acd": (b'"code"', b'"Acd'),
}


def _lines(data: bytes, ks: KeyedLiteralSet, start: int = 0) -> list[tuple[bytes, int]]:
    return [(ks.needles[i], data.count(b"\n", 0, at)) for i, at in ks.hits(data, start, len(data))]


@needs_hyperscan
def test_values_found_only_after_their_member() -> None:
    ks = KeyedLiteralSet([*KEYS, b"\\u"], KEYS)
    assert ks.keyed == 4
    data = (
        b'{"ev":"Del"}\n'  # 0: yes
        b'{"ev" \t\r:\r\n "Put"}\n'  # 1-2: the value on the next line (a document's record)
        b'{"other":"Del","ev":"Get"}\n'  # 3: no: the value of another member
        b'{"code":"AccessDenied","x":"Acd"}\n'  # 4: a prefix value
        b'{"e\\u0076":"Del"}\n'  # 5: the member spelled with an escape: the escape needle
        b'{"ev":["Del"]}\n'  # 6: no (= is false on arrays)
        b'{"ev":"Delete"}\n'  # 7: no
    )
    assert _lines(data, ks) == [
        (b'Del"', 0),
        (b'Put"', 2),
        (b"Acc", 4),
        (b"\\u", 5),
    ]
    # a region starting between a member and its value: the value alone is not found
    assert _lines(data, ks, data.index(b":")) == [(b'Put"', 2), (b"Acc", 4), (b"\\u", 5)]


@needs_hyperscan
def test_one_value_of_a_member_is_searched_as_a_literal() -> None:
    ks = KeyedLiteralSet([b'Del"', b"Acc"], {b'Del"': KEYS[b'Del"'], b"Acc": KEYS[b"Acc"]})
    assert ks.keyed == 0
    assert _lines(b'{"x":"Del"}\n', ks) == [(b'Del"', 0)]


def test_a_value_must_end_with_its_needle() -> None:
    if not keyedsearch.available():
        pytest.skip("hyperscan not installed")
    with pytest.raises(ValueError, match="does not end with"):
        KeyedLiteralSet([b"x", b"y"], {b"x": (b'"k"', b'"y"'), b"y": (b'"k"', b'"y"')})


def test_without_hyperscan_every_needle_is_a_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    force_search_engine(monkeypatch, "python")
    ks = KeyedLiteralSet(list(KEYS), KEYS)
    assert ks.keyed == 0
    assert [ks.needles[i] for i, _ in ks.hits(b'{"o":"Del"}', 0, 11)] == [b'Del"']


def test_prefilter_keys_only_member_values() -> None:
    pf = prefilter_for(
        cwpattern.parse(
            '{ ($.a.ev = Del || $.ev = "Put*" || $.x[0] = Get || $.y = "*Tail") '
            "&& $.ev != Acc && $.n = 7 && $.code = %Acc% && $.k = Del }"
        )
    )
    assert dict(pf.keyed) == {b'"Put': b'"ev"'}  # "Del" also comes from $.k


# -- differential: many patterns over generated lines ------------------------------------

WS = st.sampled_from(["", " ", "\t", " \r ", "  "])
NAMES = ["ev", "code", "x"]
VALUES = ["Del", "Put", "Delete", "AccX", "Acc", "Get"]


def _spell(text: str, escape: bool) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text) if escape else text


@st.composite
def lines(draw: Any) -> str:
    members = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(NAMES))
        kind = draw(st.sampled_from(["string", "array", "object", "number"]))
        value = draw(st.sampled_from(VALUES))
        if kind == "string":
            text = json.dumps(_spell(value, draw(st.booleans())))
            text = text.replace("\\\\u", "\\u")  # keep the escapes as escapes
        elif kind == "array":
            text = f'["{value}"]'
        elif kind == "object":
            text = f'{{"{draw(st.sampled_from(NAMES))}":"{value}"}}'
        else:
            text = "7"
        key = _spell(name, draw(st.integers(0, 9)) == 0)
        members.append(f'"{key}"{draw(WS)}:{draw(WS)}{text}')
    return "{" + ",".join(members) + "}"


PATTERNS = [
    "{ $.ev = Del || $.ev = Put }",
    '{ $.code = "Acc*" || $.ev = Put || $.code = "Get" }',
    "{ $.x.ev = Del || $.x.ev = Get || $.ev = Delete }",
    "{ $.ev = Del && $.code = Acc }",
    '{ $.ev = "*et*" || $.ev = Get }',
    "{ $.x = AccX || $.x[0] = Get || $.x = Put }",  # Get, Put: not keyed alike everywhere
]


@needs_hyperscan
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(lines(), min_size=1, max_size=40))
def test_many_patterns_match_as_each_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: list[str]
) -> None:
    # (filler lines make the needles selective, so that the plans search for them)
    body = body + ['{"ev":"Zz","code":"Qq","x":{"ev":"Y"}}'] * 3000
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(body) + "\n")
    searched = []
    real = KeyedLiteralSet.hits
    monkeypatch.setattr(
        KeyedLiteralSet, "hits", lambda self, *a: searched.append(self.keyed) or real(self, *a)
    )
    compiled = [cwpattern.compile(p) for p in PATTERNS]
    expected = [sum(1 for line in body if c.matches(line)) for c in compiled]
    assert cwpattern.count_many(compiled, str(path)) == expected
    got: list[list[str]] = [[] for _ in PATTERNS]
    for i, m in cwpattern.scan_many(compiled, str(path)):
        got[i].append(m.message)
    assert got == [[line for line in body if c.matches(line)] for c in compiled]
    assert searched and max(searched) >= 2  # member values were searched as such


@needs_hyperscan
def test_the_searcher_is_the_one_timed_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {b'Del"': KEYS[b'Del"'], b'Put"': KEYS[b'Put"']}
    needles = [b'Del"', b'Put"']
    assert type(keyedsearch.searcher_for(needles, keys, keyed=True)) is KeyedLiteralSet
    assert type(keyedsearch.searcher_for(needles, keys)) is not KeyedLiteralSet
    sample = b'{"ev":"Get"}\n' * 1000
    for keyed_faster in (True, False):

        def seconds(searcher: object, data: bytes, fast: bool = keyed_faster) -> float:
            return 1.0 if isinstance(searcher, KeyedLiteralSet) == fast else 2.0

        monkeypatch.setattr(keyedsearch, "_seconds", seconds)
        chosen = keyedsearch.searcher_for(needles, keys, sample)
        assert isinstance(chosen, KeyedLiteralSet) == keyed_faster


@needs_hyperscan
@pytest.mark.parametrize("keyed_faster", [True, False])
def test_workers_search_as_the_first_block_chose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyed_faster: bool
) -> None:
    # the choice made on the first block travels to the worker processes
    from cwpattern import scanner

    monkeypatch.setattr(scanner, "_UNIT", 64 * 1024)
    monkeypatch.setattr(
        keyedsearch,
        "_seconds",
        lambda s, d: 1.0 if isinstance(s, KeyedLiteralSet) == keyed_faster else 2.0,
    )
    calls = tmp_path / "keyed-searches"
    real = KeyedLiteralSet.hits

    def hits(self: KeyedLiteralSet, *args: Any) -> list[tuple[int, int]]:
        with calls.open("a") as fh:  # (from the worker processes too)
            fh.write(f"{os.getpid()}\n")
        return real(self, *args)

    monkeypatch.setattr(KeyedLiteralSet, "hits", hits)
    body = ['{"ev":"Del"}', '{"ev" : "Put"}', '{"x":"Del"}'] * 20 + ['{"ev":"Zz"}'] * 20000
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(body) + "\n")
    patterns = ["{ $.ev = Del || $.ev = Put }", "{ $.ev = Put || $.ev = Delete }"]
    assert cwpattern.count_many(patterns, str(path), jobs=2) == [40, 20]
    searched_by = set(calls.read_text().split()) if calls.exists() else set()
    if keyed_faster:
        assert searched_by - {str(os.getpid())}  # workers searched by member
    else:
        assert not searched_by


@needs_hyperscan
def test_a_pattern_takes_the_needle_others_search_anyway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CIS 4.6 beside 4.2: "Failed" is on fewer sample lines than "Login" (0 against 1), but
    # it would cost a pass of its own over the data; "Login" is searched for 4.2 anyway.
    from cwpattern import scanner

    monkeypatch.setattr(scanner, "_SAMPLE", 4 << 20)  # a pass over it: far above one hit
    searched: list[tuple[bytes, ...]] = []
    real = keyedsearch.searcher_for

    def searcher_for(needles: Any, *args: Any, **kwargs: Any) -> Any:
        searched.append(tuple(needles))
        return real(needles, *args, **kwargs)

    monkeypatch.setattr(keyedsearch, "searcher_for", searcher_for)
    filler = '{"ev":"Zz","msg":"Qq","mfa":"Yes"}'
    body = (
        ['{"ev":"Login","mfa":"No"}']
        + [filler] * 150_000
        + ['{"ev":"Login","msg":"Failed"}', '{"ev":"Other","msg":"Failed"}'] * 3
    )
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(body) + "\n")
    patterns = [
        '{ ($.ev = "Login") && ($.msg = "Failed") }',
        '{ ($.ev = "Login") && ($.mfa != "Yes") }',
    ]
    expected = [sum(1 for line in body if cwpattern.compile(p).matches(line)) for p in patterns]
    assert cwpattern.count_many(patterns, str(path)) == expected == [3, 1]
    assert searched and all(b'Login"' in s and b'Failed"' not in s for s in searched)
