"""Regex search with RE2 (cwpattern.re2regex) against the own bit-parallel engine.

Long subjects are searched with RE2 when it takes the regex; the own engine (the
reference here, itself checked against Python ``re`` in tests/test_regex.py) answers for
short subjects and for what RE2 is not given.  Both must agree on every regex and
subject: generated bodies (the project's regex strategies) x subjects with newlines,
non-ASCII characters, lone surrogates, and lines with invalid UTF-8.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_regex import REGEXES, SUBJECT_CHARS, regex_and_witness

from cwpattern import compiler, parse, re2regex
from cwpattern.ast import Regex
from cwpattern.regex import (
    LONG_SUBJECT,
    _BitSearch,
    _LongSubjects,
    code_point_bytes,
    compile_line_search,
    compile_search,
    parse_regex,
)

pytestmark = pytest.mark.skipif(not re2regex.HAVE_RE2, reason="google-re2 not installed")


def P(body: str) -> Regex:
    return parse_regex(body, pattern="%" + body + "%", offset=1)


def _agree(regex: Regex, subject: str) -> None:
    expected = _BitSearch(regex)(subject)
    fast = re2regex.searcher(regex)
    if fast is not None:
        found = fast(code_point_bytes(subject))
        assert found is None or found is expected, (re2regex.expression(regex), subject)
    assert compile_search(regex)(subject) is expected, subject
    line = subject.encode("utf-8", "surrogatepass")
    if line.decode("utf-8", "replace") == subject:
        assert compile_line_search(regex)(line) is expected, subject


LONG = st.text(SUBJECT_CHARS, min_size=LONG_SUBJECT, max_size=LONG_SUBJECT + 40)
SUBJECTS = st.one_of(st.text(SUBJECT_CHARS, max_size=20), LONG)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(REGEXES, st.lists(SUBJECTS, min_size=1, max_size=4))
def test_re2_agrees_with_the_own_engine(regex: Regex, subjects: list[str]) -> None:
    for subject in subjects:
        _agree(regex, subject)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(regex_and_witness(), st.text(SUBJECT_CHARS, min_size=LONG_SUBJECT, max_size=300))
def test_long_subjects_holding_a_witness_match(case: tuple[Regex, str], pad: str) -> None:
    regex, witness = case
    for subject in (pad + witness, witness + pad, pad[:100] + witness + pad[100:]):
        _agree(regex, subject)
        assert compile_search(regex)(subject)


FILLER = "z" * LONG_SUBJECT

CASES = [
    ("^WARN\\s\\d+", "WARN\n42" + FILLER, True),
    ("^WARN\\s\\d+", FILLER + "WARN 42", False),
    ("gz$", FILLER + "a.tgz", True),
    ("gz$", FILLER + "a.tgz\n", False),
    ("a.b", FILLER + "a\nb", False),
    ("a.b", FILLER + "aéb", True),
    ("a\\sb", FILLER + "a\nb", True),
    ("a\\Wb", FILLER + "a\u2003b", True),
    ("a[^c]b", FILLER + "a\ud800b", True),
    ("a\\w+b", FILLER + "aéb", False),
    ("[A-Z]{3}\\d{2,}", FILLER + "ABC1", False),
    ("[A-Z]{3}\\d{2,}", FILLER + "ABC12", True),
    ("AccessDenied[A-Za-z]*", FILLER + "AccessDeniedException", True),
    ("x|^y", "y" + FILLER, True),
    ("x|^y", FILLER + "y", False),
    ("x\\x21", FILLER + "x!", True),
    # hyperscan 5.4 (wheel 0.9.1, AVX-512) said "no match" to these (and crashed on the
    # last one with HS_FLAG_SOM_LEFTMOST): why the long subjects go to RE2
    ("ba*.\\da", "1" * 300 + "b\x000a", True),
    ("xb*.[0-9]a", FILLER + "xq0a", True),
    ("xa*[a-z][0-9]a", FILLER + "xq0a", True),
    ("[a-z]+x{2}x{0,3}", "1" * 300 + "axx", True),
]


@pytest.mark.parametrize("body, subject, expected", CASES)
def test_cases(body: str, subject: str, expected: bool) -> None:
    regex = P(body)
    assert re2regex.searcher(regex) is not None, body  # these go to RE2
    assert _BitSearch(regex)(subject) is expected
    _agree(regex, subject)


def test_what_re2_is_not_given_stays_with_the_own_engine() -> None:
    for body in ("a*", "x|b*", "a$b", "a^", "x[^a]{40}y[^b]{30}"):
        assert re2regex.expression(P(body)) is None, body
    assert re2regex.expression(P("x[^a]{30}y[^b]{30}")) is not None  # within the budget


def test_expressions_spell_every_character_as_an_escape() -> None:
    expr = re2regex.expression(P("a\\.b[^x-z]{2}\\d"))
    assert expr == b"\\x61\\x2e\\x62[\\x00-\\x77\\x7b-\\xff]{2,2}[\\x30-\\x39]"


def test_invalid_utf8_lines() -> None:
    # An invalid byte reads as U+FFFD (one code point) before the search (spec §4.3).
    search = compile_line_search(P("a.b"))
    assert search(b"x" * LONG_SUBJECT + b"a\xffb")
    assert not search(b"x" * LONG_SUBJECT + b"a\xff\xfeb")  # two code points
    assert search(b"x" * LONG_SUBJECT + b"a\xe2\x80b")  # one truncated sequence: one U+FFFD
    line_matcher = compiler.compile_line_matcher(parse("%a.b%"))
    assert line_matcher(bytearray(b"x" * LONG_SUBJECT + b"a\xffb"))


def test_without_re2(monkeypatch: pytest.MonkeyPatch) -> None:
    regex = P("Access[A-Z][a-z]+d")
    subject = FILLER + "AccessDenied"
    calls = []
    real = re2regex.Re2Search.__call__

    def counting(self: re2regex.Re2Search, data: bytes) -> bool | None:
        calls.append(1)
        return real(self, data)

    monkeypatch.setattr(re2regex.Re2Search, "__call__", counting)
    search = compile_search(regex)
    assert search(subject) and calls  # RE2 answered
    monkeypatch.setattr(re2regex, "HAVE_RE2", False)
    assert search(subject)  # the own engine, the same answer
    assert not search(FILLER + "Accessdenied")


def test_re2_answers_only_where_it_is_faster() -> None:
    # RE2 builds its automaton lazily; on counted repetitions of broad sets over text that
    # keeps partial matches alive its cache thrashes (about 30x slower than the own engine
    # here): the first long subject times both, and the own engine keeps such regexes.
    thrashing = compile_search(P("a[ab]{20}c"))
    subject = "ab" * 2000
    assert thrashing(subject) is False and thrashing(subject + "a" + "b" * 20 + "c")
    assert isinstance(thrashing, _LongSubjects) and thrashing.fast.answers is False
    quick = compile_search(P("UnauthorizedOperation|AccessDenied[A-Za-z]*"))
    assert quick("x" * 300 + "AccessDeniedException")
    assert isinstance(quick, _LongSubjects) and quick.fast.answers is True


def test_probe_subjects_keep_partial_matches_alive() -> None:
    probe = re2regex.probe_subject(P("a.{60}c"))
    assert len(probe) == re2regex.PROBE_LENGTH and "c" not in probe and "a" in probe
    assert not compile_search(P("a.{60}c"))(probe)
