"""The compiled matcher against the reference interpreter, on every decoding path.

``cwpattern.compiler`` decodes JSON first with msgspec (only the members the pattern reads,
cwpattern.lazyjson), then with orjson, when they are installed, and falls back to the
standard library whenever they could disagree; these tests pin that every path, the
raw-line (bytes) matcher and the naive reference (``cwpattern._reference``) give the same
answer on the conformance corpus, on generated patterns and messages, and on the JSON
corner cases where the two decoders differ.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, load_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patterns_gen import json_messages, json_patterns, messages, patterns

import cwpattern
from cwpattern import _reference, compiler, lazyjson
from cwpattern.printer import unparse

ROWS = [
    r
    for p in sorted((DATA / "conformance").glob("*.jsonl"))
    + sorted((DATA / "rules").glob("*.jsonl"))
    for r in load_jsonl(p)
    if "error" not in r
]


def _stdlib_only(tree: cwpattern.ast.Pattern, monkeypatch: pytest.MonkeyPatch | None = None):
    """The matcher compiled as if neither orjson nor msgspec were installed."""
    return _compiled_without(tree, orjson=True, msgspec=True)


def _compiled_without(tree: cwpattern.ast.Pattern, *, orjson: bool, msgspec: bool):
    """The matcher compiled as if orjson and/or msgspec (cwpattern.lazyjson, which
    decodes only the members a JSON pattern reads) were not installed."""
    saved = compiler._orjson, lazyjson.HAVE_MSGSPEC
    if orjson:
        compiler._orjson = None
    if msgspec:
        lazyjson.HAVE_MSGSPEC = False
    try:
        return compiler.compile_pattern(tree)[0]
    finally:
        compiler._orjson, lazyjson.HAVE_MSGSPEC = saved


def _safe(match, message):
    try:
        return bool(match(message))
    except (RecursionError, ValueError, TypeError, UnicodeError):
        return False


def _all_paths_agree(tree: cwpattern.ast.Pattern, message: str) -> None:
    expected = _reference.evaluate(tree, message)
    compiled = cwpattern.compile(unparse(tree))
    assert compiled.extract(message) == expected, (unparse(tree), message)
    want = expected is not None
    assert compiled.matches(message) is want, (unparse(tree), message)
    assert _safe(_stdlib_only(tree), message) is want, ("stdlib path", unparse(tree), message)
    if isinstance(tree, cwpattern.ast.JsonPattern):
        without_msgspec = _compiled_without(tree, orjson=False, msgspec=True)
        assert _safe(without_msgspec, message) is want, ("orjson path", unparse(tree), message)
        without_orjson = _compiled_without(tree, orjson=True, msgspec=False)
        assert _safe(without_orjson, message) is want, ("msgspec path", unparse(tree), message)
    # The line matcher decides on line.decode("utf-8", "replace"): the same message when
    # it is valid UTF-8 (lone surrogates are not).
    line = message.encode("utf-8", "surrogatepass")
    if b"\n" not in line and line.decode("utf-8", "replace") == message:
        assert _safe(compiler.compile_line_matcher(tree), line) is want, (
            "line matcher",
            unparse(tree),
            message,
        )


def test_corpus_is_loaded() -> None:
    assert len(ROWS) > 1000


@pytest.mark.parametrize("row", ROWS, ids=[r["_where"] for r in ROWS])
def test_conformance_rows(row: dict) -> None:
    tree = cwpattern.parse(row["pattern"])
    _all_paths_agree(tree, row["event"])
    assert cwpattern.compile(row["pattern"]).matches(row["event"]) is row["expected"]


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, st.lists(messages, min_size=1, max_size=4))
def test_generated_patterns_and_messages(tree: cwpattern.ast.Pattern, events: list[str]) -> None:
    for event in events:
        _all_paths_agree(tree, event)


# --------------------------------------------------------------------------- JSON corners
# Messages on which orjson and the standard library decode differently (or one fails).

CORNERS = [
    '{"a":-0}',
    '{"a":-0.0}',
    '{"a":0}',
    '{"a":7.0}',
    '{"a":7}',
    '{"a":7e0}',
    '{"a":1E400}',
    '{"a":-1e400}',
    '{"a":1e-400}',
    '{"a":123456789012345678901234567890}',
    '{"a":18446744073709551616}',
    '{"a":-9223372036854775809}',
    '{"a":18446744073709551615}',
    '{"a":"\\ud800"}',
    '{"a":"x\\udc00"}',
    '{"a":1,"a":"7"}',
    '{"a":"7","a":7.5}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '\ufeff{"a":7}',
    ' \t\r\n{"a":7} \n',
    '{"a":7}x',
    "[7]",
    '{"a":"\\u0037"}',
    '{"a":"\\/7"}',
    '{"a":[7,-0,null]}',
    '{"a":{"b":-0}}',
    '{"a":true}',
    '{"a":"\x01"}',
    '{"a":0.1}',
    '{"a":1.00}',
    '{"a":-7}',
    '{"a":2.5e3}',
    "{'a':7}",
    '{"a":9007199254740993}',
    '{"a":9007199254740993.0}',
]
CORNER_PATTERNS = [
    "{ $.a = 7 }",
    '{ $.a = "7" }',
    "{ $.a = 0 }",
    '{ $.a = "0" }',
    '{ $.a = "-0" }',
    "{ $.a = -0* }",
    "{ $.a = *0 }",
    '{ $.a != "7" }',
    "{ $.a = %^-?0$% }",
    "{ $.a > 6 }",
    "{ $.a >= 1e300 }",
    "{ $.a < -1e300 }",
    "{ $.a = * }",
    "{ $.a != * }",
    "{ $.a IS NULL }",
    '{ $.a[*] = "-0" }',
    "{ $.a.* = 0 }",
    '{ $.a.b = "-0" }',
    "{ $.a = 9007199254740992 }",
    "{ $.a > 9007199254740992 }",
    '{ $.a = "9007199254740993" }',
    "{ $.a = *.0 }",
    "{ $.a = 1* }",
    '{ $.a = "\ud800" }',
    "{ $.a NOT EXISTS }",
    "{ $.a = 2500 }",
]


@pytest.mark.parametrize("pattern", CORNER_PATTERNS)
def test_decoder_corner_cases(pattern: str) -> None:
    tree = cwpattern.parse(pattern)
    for message in CORNERS:
        _all_paths_agree(tree, message)


def test_deep_nesting_takes_the_reference_path() -> None:
    # orjson accepts up to 1023 levels; the standard library fails near the recursion
    # limit.  Deep messages must be decided by the standard library on every path.
    tree = cwpattern.parse("{ $.a = 1 }")
    for depth in (5, 990, 1010, 1100):
        message = '{"a":1,"b":' + "[" * depth + "]" * depth + "}"
        _all_paths_agree(tree, message)


def test_orjson_path_is_exercised() -> None:
    pytest.importorskip("orjson")
    assert compiler.HAVE_ORJSON


number_texts = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
)


@settings(max_examples=1500)
@given(number_texts, number_texts)
def test_numbers_agree_on_every_path(leaf: str, literal: str) -> None:
    message = '{"n":' + leaf + ',"s":"' + leaf + '"}'
    for pattern in (
        f"{{ $.n = {literal} }}",
        f"{{ $.n > {literal} }}",
        f"{{ $.n <= {literal} }}",
        f'{{ $.n = "{leaf}" }}',
        f"{{ $.s = {literal} }}",
        f"{{ $.n = {leaf[:2]}* }}",
        f'{{ $.n != "{literal}" }}',
    ):
        try:
            tree = cwpattern.parse(pattern)
        except cwpattern.PatternSyntaxError:
            continue  # e.g. a repr like 1e+16 is not a pattern number
        _all_paths_agree(tree, message)


@settings(max_examples=500)
@given(
    json_patterns,  # drawn directly: filtering all patterns failed the health check
    json_messages,
    st.sampled_from(["{}", "[]", "-0", "1E400", '"\\ud800"', "7.0", "12345678901234567890123"]),
)
def test_json_patterns_with_hostile_values(
    tree: cwpattern.ast.Pattern, message: str, value: str
) -> None:
    doc = json.loads(message)
    for key in ("a", "b", "c"):
        if key not in doc:
            _all_paths_agree(tree, message[:-1] + ("," if doc else "") + f'"{key}":{value}' + "}")
            break
    else:
        _all_paths_agree(tree, message)
