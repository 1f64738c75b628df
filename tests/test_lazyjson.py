"""The pruned decoder (cwpattern.lazyjson, msgspec) against the reference evaluator.

JSON patterns first decode only the members they read (msgspec ``Struct`` types built from
the selectors) and leave every doubtful message to the full decoders.  These tests pin
that the answer is the reference's on every combination of the optional decoders
(msgspec, orjson, both, neither), on adversarial JSON: duplicate keys, escaped keys and
values, raw number text (``-0``, ``1.0``, ``1e400``, huge integers), invalid JSON,
invalid UTF-8, lone surrogates, control characters, deep nesting and non-object tops.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cwpattern
from cwpattern import _reference, compiler, lazyjson

pytestmark = pytest.mark.skipif(not lazyjson.HAVE_MSGSPEC, reason="msgspec not installed")

#: (orjson, msgspec) installed?
DECODERS = [(True, True), (True, False), (False, True), (False, False)]


@functools.lru_cache(maxsize=512)
def _matchers(
    pattern: str,
) -> tuple[cwpattern.ast.Pattern, list[tuple[tuple[bool, bool], Any, Any]]]:
    """The pattern's tree and its (line, text) matchers for every installed combination
    of the optional decoders."""
    tree = cwpattern.parse(pattern)
    out = []
    for orjson, msgspec in DECODERS:
        if orjson and not compiler.HAVE_ORJSON:
            continue
        saved = compiler._orjson, lazyjson.HAVE_MSGSPEC
        if not orjson:
            compiler._orjson = None
        lazyjson.HAVE_MSGSPEC = msgspec
        try:
            matchers = compiler.compile_line_matcher(tree), compiler.compile_pattern(tree)[0]
        finally:
            compiler._orjson, lazyjson.HAVE_MSGSPEC = saved
        out.append(((orjson, msgspec), *matchers))
    return tree, out


def _safe(match: Any, message: Any) -> bool:
    try:
        return bool(match(message))
    except (ValueError, TypeError, UnicodeError):
        return False


def _agree(pattern: str, line: bytes) -> None:
    tree, combos = _matchers(pattern)
    text = line.decode("utf-8", "replace")
    want = _reference.evaluate(tree, text) is not None
    for combo, on_bytes, on_text in combos:
        got = (_safe(on_bytes, line), _safe(on_text, text))
        assert got == (want, want), (pattern, line, combo, got)


# --------------------------------------------------------------------------- corners

PATTERNS = [
    "{ $.userIdentity.type = IAMUser }",
    "{ $.a = 7 }",
    '{ $.a = "7" }',
    '{ $.a = "-0" }',
    "{ $.a = -0* }",
    "{ $.a = 0 }",
    "{ $.a > 6 }",
    "{ $.a >= 1e300 }",
    "{ $.a = * }",
    "{ $.a != x }",
    "{ $.a IS NULL }",
    "{ $.a IS TRUE }",
    "{ $.a NOT EXISTS }",
    "{ $.a.b = 1 }",
    "{ $.a.b NOT EXISTS }",
    "{ $.a.b.c = x* }",
    "{ $.a[0] = 1 }",
    "{ $.a[*] = 1 }",
    "{ $.a.* = x }",
    "{ $.a = 1 || $.a.b = 1 }",
    "{ $.a.b = 1 && $.c = %^x% }",
    "{ $.['a.b'] = 1 }",
    "{ $.['é'] = x }",
    "{ $.* = 1 }",
]

MESSAGES = [
    b'{"userIdentity":{"type":"IAMUser"}}',
    b'{"userIdentity":{"type":"IAMUser"},"userIdentity":{"type":"Root"}}',
    b'{"userIdentity":{"type":"Root","type":"IAMUser"}}',
    b'{"userIdentity":{"type":"IAMUser"},"userIdentity":null}',
    b'{"userIdentity":null,"userIdentity":{"type":"IAMUser"}}',
    b'{"userIdentity":"x","userIdentity":{"type":"IAMUser"}}',
    b'{"userIdentity":{"type":"IAMUser"},"userIdentity":"x"}',
    b'{"user\\u0049dentity":{"\\u0074ype":"IAM\\u0055ser"}}',
    b'{"userIdentity":{"type":"IAMUser\\u0000"}}',
    b'{"userIdentity":{"type":"IAMUser"},"x":"\\ud800"}',
    b'{"userIdentity":{"type":"\\ud800"}}',
    b'{"userIdentity":{"type":"IAMUser"},"x":"\xff"}',
    b'{"userIdentity":{"type":"IAM\xffUser"}}',
    b'{"userIdentity":{"type":"IAMUser"},"\xff":1}',
    b'{"userIdentity":{"type":"IAMUser"},"x":"\x01"}',
    b'{"userIdentity":{"type":"IAMUser"},"x":"\\q"}',
    b'{"userIdentity":{"type":"IAMUser"},"x":01}',
    b'{"userIdentity":{"type":"IAMUser"},"x":1.}',
    b'{"userIdentity":{"type":"IAMUser"},"x":NaN}',
    b'{"userIdentity":{"type":"IAMUser"},"x":1e400}',
    b'{"userIdentity":{"type":"IAMUser"},}',
    b'{"userIdentity":{"type":"IAMUser"}} x',
    b'\xef\xbb\xbf{"userIdentity":{"type":"IAMUser"}}',
    b' \t{"userIdentity":{"type":"IAMUser"}}\r ',
    b'{"userIdentity":{"type":"IAMUser"},"x":' + b"[" * 1100 + b"]" * 1100 + b"}",
    b'{"userIdentity":{"type":"IAMUser"},"x":' + b"[" * 990 + b"]" * 990 + b"}",
    b'[{"userIdentity":{"type":"IAMUser"}}]',
    b'"IAMUser"',
    b"null",
    b'{"a":-0}',
    b'{"a":0}',
    b'{"a":-0.0}',
    b'{"a":7}',
    b'{"a":7.0}',
    b'{"a":7e0}',
    b'{"a":"7"}',
    b'{"a":1E400}',
    b'{"a":-1e400}',
    b'{"a":' + b"1" * 400 + b"}",
    b'{"a":-' + b"9" * 30 + b"}",
    b'{"a":18446744073709551616}',
    b'{"a":null}',
    b'{"a":[null]}',
    b'{"a":[1,null]}',
    b'{"a":true}',
    b'{"a":"true"}',
    b'{"a":[1]}',
    b'{"a":[2,1]}',
    b'{"a":{"0":1}}',
    b'{"a":{"b":1}}',
    b'{"a":{"b":1},"a":{"c":1}}',
    b'{"a":{"b":1,"b":2}}',
    b'{"a":{"b":{"c":"xy"}}}',
    b'{"a":{"b":null}}',
    b'{"a":{"b":{"c":null}}}',
    b'{"a":{"x":"x","y":1}}',
    b'{"a":{"b":1},"c":"xyz"}',
    b'{"a.b":1}',
    b'{"\\u00e9":"x"}',
    b'{"\xc3\xa9":"x"}',
    b'{"e\xcc\x81":"x"}',
    b'{"a":1,"a":"x"}',
    b'{"a":"\\u0037"}',
    b'{"a":"\\/7"}',
    b"{}",
    b"{",
    b"",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_corner_messages(pattern: str) -> None:
    for line in MESSAGES:
        _agree(pattern, line)


def test_pruned_decoder_covers_ordinary_patterns() -> None:
    assert lazyjson.covers(cwpattern.parse("{ $.userIdentity.type = IAMUser }").expr)
    assert lazyjson.covers(cwpattern.parse("{ $.a[*].b = 1 || $.c NOT EXISTS }").expr)
    assert not lazyjson.covers(cwpattern.parse("{ $.* = 1 }").expr)
    assert not lazyjson.covers(cwpattern.parse("{ $.['\ufffd'] = 1 }").expr)
    assert not lazyjson.covers(cwpattern.parse("{ $.['a\"b'] = 1 }").expr)
    assert not lazyjson.covers(cwpattern.parse("{ $.['a\\\\b'] = 1 }").expr)


def test_the_full_decoders_are_not_called_on_ordinary_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The pruned decoder decides alone: the full decoders would fail this test.
    tree = cwpattern.parse("{ $.userIdentity.type = IAMUser && $.n > 1 }")
    match = compiler.compile_line_matcher(tree)

    def boom(*args: object) -> None:
        raise AssertionError("full decode")

    monkeypatch.setattr(compiler, "decode", boom)
    if compiler._orjson is not None:
        monkeypatch.setattr(compiler._orjson, "loads", boom)
        match = compiler.compile_line_matcher(tree)
    assert match(b'{"eventName":"x","userIdentity":{"type":"IAMUser"},"n":2.5}')
    assert not match(b'{"eventName":"x","userIdentity":{"type":"Root"},"n":2.5}')
    assert not match(b'{"userIdentity":{"type":"IAMUser"}}')
    with pytest.raises(AssertionError, match="full decode"):
        match(b'{"userIdentity":"not an object","n":2}')


# --------------------------------------------------------------------------- hypothesis

KEYS = ["a"] * 4 + ["b"] * 3 + ["c", "userIdentity", "type", "a.b", "é", ""]


VALID_PIECES = [
    "x",
    "7",
    "-0",
    "IAMUser",
    "é",
    "\\u00e9",
    '\\"',
    "\\\\",
    "\\/",
    "\\n",
    "\\u0037",
    "\\ud83d\\ude00",
]
VALID_NUMBERS = [
    "7",
    "1",
    "0",
    "-0",
    "7.0",
    "7e0",
    "-7",
    "1.50",
    "1e400",
    "-1E400",
    "1e-400",
    "2.5e3",
    "123456789012345678901234567890",
    "1" * 320,
    "18446744073709551616",
    "9007199254740993",
]
#: Tokens that make the message invalid for the standard library, or valid for it but not
#: for msgspec (the lone surrogate escape).
BAD_TOKENS = [
    '"\\ud800"',
    '"a\x01"',
    '"\\q"',
    '"\\u00"',
    "01",
    "1.",
    ".5",
    "+1",
    "-",
    "1e",
    "NaN",
    "Infinity",
    "tru",
    "'x'",
]

string_tokens = st.lists(st.sampled_from(VALID_PIECES), min_size=1, max_size=3).map(
    lambda parts: '"' + "".join(parts) + '"'
)
leaves = st.one_of(
    st.sampled_from(VALID_NUMBERS), st.sampled_from(["null", "true", "false"]), string_tokens
)
blanks = st.sampled_from([""] * 12 + [" ", "\t", "\n", "\r"])


def _spell_key(key: str, escaped: bool) -> str:
    if escaped and key:
        return '"' + "".join(f"\\u{ord(ch):04x}" for ch in key) + '"'
    return '"' + key + '"'


def _containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    members = st.tuples(st.sampled_from(KEYS), st.integers(0, 9), blanks, children)
    objects = st.lists(members, max_size=4).map(
        lambda items: (
            "{" + ",".join(f"{_spell_key(k, e == 9)}{w}:{w}{v}" for k, e, w, v in items) + "}"
        )
    )
    arrays = st.lists(children, max_size=3).map(lambda items: "[" + ",".join(items) + "]")
    return st.one_of(objects, arrays)


values = st.recursive(leaves, _containers, max_leaves=8)
top_members = st.lists(
    st.tuples(st.sampled_from(KEYS), st.integers(0, 9), values), min_size=1, max_size=5
)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """A JSON object (duplicate and escaped keys, odd number spellings, blanks), now and
    then spoilt: a bad token, cut short, a BOM, trailing text, a trailing comma, another
    top-level value, an invalid UTF-8 byte, deep nesting."""
    items = draw(top_members)
    text = "{" + ",".join(f"{_spell_key(k, e == 9)}:{v}" for k, e, v in items) + "}"
    spoil = draw(st.integers(0, 40))
    if spoil == 0:
        text = text.replace(
            draw(st.sampled_from(["7", "true", '"x"', "null"])),
            draw(st.sampled_from(BAD_TOKENS)),
            1,
        )
    elif spoil == 1:
        text = text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    elif spoil == 2:
        text = "\ufeff" + text
    elif spoil == 3:
        text += draw(st.sampled_from(["x", "}", ",{}", "\x0b"]))
    elif spoil == 4:
        text = text[:-1] + ",}"
    elif spoil == 5:
        text = draw(st.sampled_from(["[" + text + "]", draw(values)]))
    elif spoil == 6:
        depth = draw(st.sampled_from([900, 1000, 1100]))
        text = text[:-1] + ',"deep":' + "[" * depth + "]" * depth + "}"
    data = (draw(blanks) + text + draw(blanks)).encode("utf-8")
    if spoil == 7:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + data[at:]
    return data


selectors = st.sampled_from(
    [
        "$.a",
        "$.a",
        "$.b",
        "$.a.b",
        "$.a.b",
        "$.a.b.c",
        "$.userIdentity.type",
        "$.a[0]",
        "$.a[1]",
        "$.a[*]",
        "$.a.*",
        "$.a.b[*]",
        "$.['a.b']",
        "$.['é']",
        "$.c",
    ]
)
tests = st.sampled_from(
    [
        "= 7",
        '= "7"',
        "= -0",
        '= "-0"',
        "= 0*",
        "= *0",
        "= *",
        "!= *",
        "= x",
        '!= "x"',
        "= IAMUser",
        "= %^-?[0-9]%",
        "= %x%",
        "> 6",
        "<= 0",
        ">= 1e300",
        "= 1.5",
        "= 9007199254740992",
        "IS NULL",
        "IS TRUE",
        "IS FALSE",
        "NOT EXISTS",
    ]
)
conditions = st.builds(lambda s, t: f"{s} {t}", selectors, tests)
json_patterns = st.builds(
    lambda first, rest: "{ " + first + "".join(f" {op} {c}" for op, c in rest) + " }",
    conditions,
    st.lists(st.tuples(st.sampled_from(["&&", "||"]), conditions), max_size=2),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(messages(), min_size=1, max_size=5))
def test_adversarial_json_on_the_corner_patterns(lines: list[bytes]) -> None:
    for line in lines:
        for pattern in PATTERNS:
            _agree(pattern, line)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(json_patterns, st.lists(messages(), min_size=1, max_size=5))
def test_adversarial_json_agrees_with_the_reference(pattern: str, lines: list[bytes]) -> None:
    try:
        cwpattern.parse(pattern)
    except cwpattern.PatternSyntaxError:  # three regexes, four wildcard selectors
        assume(False)
    for line in lines:
        _agree(pattern, line)
