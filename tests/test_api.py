"""The public API contract: names, types, never-raising matching, bad input, caching."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import cwpattern
from cwpattern import ast

KMS = (
    '{"eventVersion":"1.08","eventSource":"kms.amazonaws.com","eventName":"DisableKey",'
    '"awsRegion":"us-east-1","responseElements":null}'
)
CIS_47 = (
    "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||"
    "($.eventName=ScheduleKeyDeletion)) }"
)


def test_exception_hierarchy() -> None:
    assert issubclass(cwpattern.PatternSyntaxError, cwpattern.CWPatternError)
    assert issubclass(cwpattern.CWPatternError, ValueError)
    assert issubclass(cwpattern.MetricFilterError, cwpattern.CWPatternError)


def test_compile_is_cached_and_immutable() -> None:
    p = cwpattern.compile(CIS_47)
    assert cwpattern.compile(CIS_47) is p
    with pytest.raises(AttributeError):
        p.pattern = "x"  # type: ignore[misc]
    assert p == cwpattern.compile(str(p)) and hash(p) == hash(cwpattern.compile(str(p)))
    assert repr(p) == f"cwpattern.compile({CIS_47!r})"
    assert pickle.loads(pickle.dumps(p)) == p


def test_attributes() -> None:
    p = cwpattern.compile(CIS_47)
    assert p.family == "json" and isinstance(p.ast, ast.JsonPattern)
    assert str(p) == (
        '{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" '
        '|| $.eventName = "ScheduleKeyDeletion") }'
    )
    assert p.matches(KMS) and p.matches(KMS.encode())
    assert not p.matches(KMS.replace("DisableKey", "DisableKeyRotation"))
    assert [cwpattern.compile(t).family for t in ("", " ", "a", "%a%", "{$.a=1}", "[a]")] == [
        "match-all",
        "match-all",
        "terms",
        "regex",
        "json",
        "space-delimited",
    ]


@pytest.mark.parametrize(
    "message",
    [
        "",
        " ",
        "{",
        "{}",
        "[]",
        "null",
        "1",
        '"x"',
        '{"a":NaN}',
        '{"a":1',
        "\x00\x01",
        b"\xff\xfe{",
        b"\xc3\x28",
        "\ud800",
        "{" * 5000 + "}" * 5000,
        "[" * 100000,
        '{"eventSource":' * 3000,
        "x" * 1_000_000,
        '{"a":' + "1" * 5000 + "}",
    ],
)
@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "ERROR",
        "-x",
        "%a*b%",
        CIS_47,
        "{ $.a NOT EXISTS }",
        "{ $.* = %x% }",
        "[a, ..., b = 1]",
        "[]",
    ],
)
def test_bad_messages_never_raise(pattern: str, message: str | bytes) -> None:
    p = cwpattern.compile(pattern)
    assert p.matches(message) in (True, False)
    assert p.extract(message) is None or isinstance(p.extract(message), dict)


def test_non_json_messages_do_not_match_json_patterns() -> None:
    p = cwpattern.compile("{ $.a NOT EXISTS }")
    for message in ("text", "[1]", "1", '"s"', "{bad}", b"\xff{}", "{} trailing"):
        assert not p.matches(message)
    assert p.matches("{}") and p.matches(' \n{"b":1}\t')


def test_invalid_utf8_reads_as_replacement_characters_for_every_family() -> None:
    raw = b"ERROR \xff\xfe disk"
    assert cwpattern.compile("ERROR disk").matches(raw)
    assert cwpattern.compile("%ERROR\\s\\S%").matches(raw)
    assert cwpattern.compile("[a, b, c]").extract(raw) == {
        "$a": "ERROR",
        "$b": "\ufffd\ufffd",
        "$c": "disk",
    }
    assert cwpattern.compile('{ $.a = "x\ufffd" }').matches(b'{"a": "x\xff"}')


def test_message_type_is_checked() -> None:
    with pytest.raises(TypeError):
        cwpattern.compile("a").matches(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cwpattern.compile(b"a")  # type: ignore[arg-type]


def test_syntax_error_shape() -> None:
    with pytest.raises(cwpattern.PatternSyntaxError) as info:
        cwpattern.compile("{ $.a = 1 &&\n  $.b == 2 }")
    err = info.value
    assert (err.code, err.pos, err.lineno, err.colno) == ("INVALID_OPERATOR", 19, 2, 7)
    assert (
        str(err)
        == "invalid operator '==' (use '=' for equality) at column 7\n  $.b == 2 }\n      ^"
    )
    assert err.to_dict()["position"] == 19
    assert pickle.loads(pickle.dumps(err)).code == "INVALID_OPERATOR"


def test_unexpected_end_caret_at_end() -> None:
    with pytest.raises(cwpattern.PatternSyntaxError) as info:
        cwpattern.compile("WARN -")
    assert info.value.code == "DANGLING_PREFIX"


def test_test_metric_filter_shape_and_limits() -> None:
    out = cwpattern.test_metric_filter("[a, b]", ["x", "x y", "x y z"])
    assert out == [
        {"eventNumber": 2, "eventMessage": "x y", "extractedValues": {"$a": "x", "$b": "y"}},
        {"eventNumber": 3, "eventMessage": "x y z", "extractedValues": {"$a": "x", "$b": "y z"}},
    ]
    assert cwpattern.test_metric_filter("{ $.a = 1 }", ['{"a":1}'])[0]["extractedValues"] == {}
    with pytest.raises(ValueError):
        cwpattern.test_metric_filter("a", [])
    with pytest.raises(ValueError):
        cwpattern.test_metric_filter("a", ["a"] * 51)
    with pytest.raises(ValueError):
        cwpattern.test_metric_filter("a", [""])
    with pytest.raises(cwpattern.PatternSyntaxError):
        cwpattern.test_metric_filter("a*", ["a"])


def test_filter_keeps_order() -> None:
    p = cwpattern.compile("?a ?c")
    assert list(p.filter(["a", "b", "c", "ca"])) == ["a", "c", "ca"]


def test_import_does_not_load_lark() -> None:
    code = "import sys, cwpattern, cwpattern.ast; print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_grammar_file_is_found() -> None:
    from cwpattern._grammar import grammar_path

    path = grammar_path()
    assert path.name == "cwpattern.lark" and "term_pattern" in path.read_text()


def test_scan_function_streams_matches_with_locations() -> None:
    from conftest import DATA

    path = str(DATA / "cloudtrail" / "kms_doc_examples.jsonl")
    matches = list(cwpattern.scan(CIS_47, path))
    assert [m.location.rsplit(":", 1)[1] for m in matches] == ["1", "2", "3", "4", "5"]
    assert all(cwpattern.compile(CIS_47).matches(m.message) for m in matches)
    assert callable(cwpattern.scan)  # the function, not the scanner module
