"""Soundness of the literal prefilter: it may let a non-matching line through, never drop
a matching one, including when JSON escapes spell the literals differently."""

from __future__ import annotations

import json
import random

import pytest
from conftest import DATA, load_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patterns_gen import json_messages, json_patterns, messages, patterns

import cwpattern
from cwpattern.multiliteral import HAVE_HYPERSCAN, HAVE_MEMMEM
from cwpattern.prefilter import (
    HIT_COST,
    LAZY_HIT_COST,
    Prefilter,
    choose_plan,
    hit_cost_for,
    literals_of,
    prefilter_for,
)
from cwpattern.printer import unparse

#: the multi-literal engines the planner is tested with (hyperscan, memmem: the fast extra)
ENGINES = [
    "python",
    pytest.param(
        "hyperscan",
        marks=pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan not installed"),
    ),
    pytest.param(
        "memmem",
        marks=pytest.mark.skipif(not HAVE_MEMMEM, reason="ahocorasick-rs not installed"),
    ),
]

MATCHING_ROWS = [
    r
    for p in sorted((DATA / "conformance").glob("*.jsonl"))
    + sorted((DATA / "rules").glob("*.jsonl"))
    for r in load_jsonl(p)
    if r.get("expected") is True
]


def escape_json(text: str, rng: random.Random, share: float = 0.5) -> str:
    """Re-spell characters inside the JSON strings of ``text`` with ``\\uXXXX`` escapes
    (and ``/`` as ``\\/``), at random; the decoded value is unchanged."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(text):
        c = text[i]
        if not in_string:
            in_string = c == '"'
            out.append(c)
        elif c == "\\":  # an existing escape: keep it whole
            width = 6 if text[i + 1 : i + 2] == "u" else 2  # a message may end in "\\"
            out.append(text[i : i + width])
            i += width
            continue
        elif c == '"':
            in_string = False
            out.append(c)
        elif rng.random() < share:
            if c == "/" and rng.random() < 0.5:
                out.append("\\/")
            elif ord(c) > 0xFFFF:
                v = ord(c) - 0x10000
                out.append(f"\\u{0xD800 + (v >> 10):04x}\\u{0xDC00 + (v & 0x3FF):04X}")
            else:
                out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def test_escape_json_keeps_the_value() -> None:
    text = json.dumps({"k/y": "kms.amazonaws.com/é😀", "n": [1, 'a\\b"c']}, ensure_ascii=False)
    for seed in range(20):
        spelled = escape_json(text, random.Random(seed))
        assert json.loads(spelled) == json.loads(text)
    assert "\\u" in escape_json(text, random.Random(0), share=1.0)


def _passes(pattern: cwpattern.CompiledPattern, message: str) -> None:
    """If the pattern matches, every prefilter form lets the line through."""
    if not pattern.matches(message):
        return
    line = message.encode("utf-8", "surrogatepass")
    if line.decode("utf-8", "replace") != message:  # lone surrogates: not a line's text
        return
    pf = prefilter_for(pattern.ast)
    assert pf.check(line), (str(pattern), message, pf)
    plan = choose_plan(pf, line + b"\n" + b'{"x":"filler"}\n' * 50)
    assert plan.check(line), (str(pattern), message, plan)
    if plan.needles:
        triggered = any(b"\\" + bytes([c]) in line for c in pf.escapes)
        assert triggered or any(n in line for n in plan.needles), (str(pattern), message, plan)


@pytest.mark.parametrize("row", MATCHING_ROWS, ids=[r["_where"] for r in MATCHING_ROWS])
def test_matching_conformance_rows_pass(row: dict) -> None:
    compiled = cwpattern.compile(row["pattern"])
    _passes(compiled, row["event"])
    if compiled.family == "json":
        for seed in range(3):
            _passes(compiled, escape_json(row["event"], random.Random(seed)))


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, messages, st.randoms(use_true_random=False))
def test_generated_matches_pass(
    tree: cwpattern.ast.Pattern, message: str, rng: random.Random
) -> None:
    compiled = cwpattern.compile(unparse(tree))
    _passes(compiled, message)
    if compiled.family == "json":
        _passes(compiled, escape_json(message, rng))


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(json_patterns, json_messages, st.randoms(use_true_random=False))
def test_escaped_json_never_drops_a_match(
    tree: cwpattern.ast.Pattern, message: str, rng: random.Random
) -> None:
    compiled = cwpattern.compile(unparse(tree))
    for share in (0.1, 1.0):
        spelled = escape_json(message, rng, share)
        assert compiled.matches(spelled) is compiled.matches(message)
        _passes(compiled, spelled)


CIS_47 = (
    "{($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
    "($.eventName = ScheduleKeyDeletion))}"
)


@pytest.mark.parametrize(
    "pattern,expected",
    [
        (
            CIS_47,
            (
                "and",
                (
                    b'"eventSource"',
                    b'"kms.amazonaws.com"',
                    (
                        "or",
                        (
                            ("and", (b'"eventName"', b'"DisableKey"')),
                            ("and", (b'"eventName"', b'"ScheduleKeyDeletion"')),
                        ),
                    ),
                ),
            ),
        ),
        ("{ $.code = 503 }", b'"code"'),  # a number matches in any spelling: only the key
        ('{ $.code = "503" }', ("and", (b'"code"', b"503"))),  # the number 503 matches too
        ('{ $.user = "ana*" }', ("and", (b'"user"', b'"ana'))),
        ('{ $.user = "*ana" }', ("and", (b'"user"', b'ana"'))),
        ('{ $.user = "*an*" }', ("and", (b'"user"', b"an"))),
        (
            '{ $.user = "a\\"b" }',
            ("and", (b'"user"', b"a")),
        ),  # '"' needs an escape: longest raw run
        ('{ $.user = "" }', ("and", (b'"user"', b'""'))),
        ("{ $.ok IS TRUE }", ("and", (b'"ok"', b"true"))),
        ("{ $.a NOT EXISTS }", None),
        ("{ $.a = 1 || $.b NOT EXISTS }", None),
        ("{ $.a != x }", b'"a"'),
        ("{ $.['a\"b'] = x }", b'"x"'),
        ("{ $.a[*].b = %ab+c% }", ("and", (b'"a"', b'"b"', b"ab"))),
        ("ERROR -DEBUG ?WARN", b"ERROR"),
        ("?WARN ?FATAL", ("or", (b"WARN", b"FATAL"))),
        ("-DEBUG", None),
        ("%^ERR|WARN$%", ("or", (b"ERR", b"WARN"))),
        ("%a|.%", None),
        (
            '[ip, user = "ana*", code = 5* || code = %^4%, size > 10]',
            ("and", (b"ana", ("or", (b"5", b"4")))),
        ),
        ("[a, b != x, c = 200]", None),
        ("", None),
    ],
)
def test_literals(pattern: str, expected: object) -> None:
    assert prefilter_for(cwpattern.parse(pattern)).requirement == expected


def test_escape_triggers() -> None:
    assert prefilter_for(cwpattern.parse('{ $.a = "x" }')).escapes == b"u"
    assert prefilter_for(cwpattern.parse('{ $.a = "x/y" }')).escapes == b"u/"
    assert prefilter_for(cwpattern.parse('"x/"')).escapes == b""  # text is searched raw
    pf = prefilter_for(cwpattern.parse('{ $.a = "x/y" }'))
    assert pf.check(b'{"a":"x\\/y"}') and pf.check(b'{"\\u0061":"x/y"}')
    assert not pf.check(b'{"a":"x-y"}') and not pf.check(b'{"b":"x/y"}')


@pytest.mark.parametrize("engine", ENGINES)
def test_plan_picks_the_cheapest_needles(engine: str) -> None:
    pf = prefilter_for(cwpattern.parse(CIS_47))
    s3 = b'{"eventSource":"s3.amazonaws.com","eventName":"DisableKey"}\n'
    kms = b'{"eventSource":"kms.amazonaws.com","eventName":"Decrypt"}\n'
    trap = b'{"eventSource":"s3.amazonaws.com","eventName":"DisableKeyRotation"}\n'
    # DisableKey everywhere, kms rare: scan for kms
    plan = choose_plan(pf, (s3 * 20 + kms) * 200, engine=engine)
    assert plan.needles is not None and len(plan.needles) == 1 and b"kms.amazon" in plan.needles[0]
    # kms everywhere, the event names absent (the trap has no closing quote): scan for them
    plan = choose_plan(pf, (kms * 2 + trap) * 2000, engine=engine)
    assert plan.needles is not None
    assert [n.strip(b'"') for n in plan.needles] == [b"DisableKey", b"ScheduleKeyDeletion"]
    assert plan.needles[0].endswith(b'DisableKey"')  # DisableKeyRotation is no hit
    # the line check drops the keys found on every line, and still rejects Decrypt
    assert b'"eventSource"' not in list(literals_of(plan.filter.requirement))
    assert not plan.check(kms.strip()) and not plan.check(trap.strip())
    assert plan.check(b'{"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion"}')


def test_literals_on_every_line_are_dropped_from_the_check() -> None:
    pf = prefilter_for(cwpattern.parse("{ $.eventVersion = 1* }"))
    plan = choose_plan(pf, b'{"eventVersion":"1.09"}\n' * 1000)
    assert plan.filter.requirement is None and plan.check(b"anything")  # weakened to nothing


def test_no_needles_without_literals() -> None:
    pf = prefilter_for(cwpattern.parse("{ $.a = 1 || $.b NOT EXISTS }"))
    plan = choose_plan(pf, b'{"a":1}\n' * 100)
    assert plan.needles is None and plan.compile_check() is None  # no check: every line passes


def test_empty_requirement_passes_everything() -> None:
    assert Prefilter(None).check(b"") and Prefilter(None, b"u").check(b"x")
    assert choose_plan(Prefilter(None), b"abc\n").needles is None


def test_a_cheap_matcher_drops_frequent_literals_sooner() -> None:
    # A literal on 80 % of the lines saves a match on 20 % of them: worth testing before
    # a full decode (HIT_COST), not before msgspec's partial one (LAZY_HIT_COST).
    pf = prefilter_for(cwpattern.parse("{ $.userIdentity.type = IAMUser }"))
    sample = (b'{"userIdentity":{"type":"IAMUser"}}\n' * 4 + b'{"userIdentity":{}}\n') * 200
    assert choose_plan(pf, sample, hit_cost=HIT_COST).filter.requirement is not None
    assert choose_plan(pf, sample, hit_cost=LAZY_HIT_COST).filter.requirement is None


def test_hit_cost_of_a_pattern() -> None:
    from cwpattern import lazyjson

    iam = cwpattern.parse("{ $.userIdentity.type = IAMUser }")
    assert hit_cost_for(iam) == (LAZY_HIT_COST if lazyjson.HAVE_MSGSPEC else HIT_COST)
    assert hit_cost_for(cwpattern.parse("{ $.* = 1 }")) == HIT_COST
    assert hit_cost_for(cwpattern.parse("AccessDenied")) == HIT_COST
