"""cwpattern.multiliteral: the hyperscan searcher and the bytes.find fallback mark the
same lines (every line that contains a literal, and no other)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwpattern import multiliteral
from cwpattern.multiliteral import HAVE_HYPERSCAN, HAVE_MEMMEM, MEMMEM_MAX, LiteralSet

ENGINES = (
    ["python"] + (["hyperscan"] if HAVE_HYPERSCAN else []) + (["memmem"] if HAVE_MEMMEM else [])
)

alphabet = st.sampled_from([b"a", b"b", b"ab", b"\n", b"\\", b"u", b'"', b"\r", b"ba"])
needle = st.lists(st.sampled_from([b"a", b"b", b"\\", b"u", b'"', b"\n"]), min_size=1, max_size=4)


def lines_marked(starts: list[int], data: bytes) -> set[int]:
    return {data.count(b"\n", 0, s) for s in starts}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(alphabet, max_size=60).map(b"".join),
    st.lists(needle.map(b"".join), min_size=1, max_size=5),
    st.integers(0, 10),
)
def test_engines_mark_exactly_the_lines_with_a_literal(
    data: bytes, needles: list[bytes], cut: int
) -> None:
    start = min(cut, len(data))
    region = data[start:]
    wanted = {
        i
        for i, line in enumerate(data[:start].split(b"\n")[-1:] + region.split(b"\n")[1:])
        if any(n in line for n in needles if b"\n" not in n)
    }
    # (line numbers relative to the line holding `start`; the first line is cut at `start`)
    first = data[start:].split(b"\n")[0]
    wanted = {i for i in wanted if i > 0} | (
        {0} if any(n in first for n in needles if b"\n" not in n) else set()
    )
    base = data.count(b"\n", 0, start)
    for engine in ENGINES:
        starts = LiteralSet(needles, engine=engine).starts(bytearray(data), start, len(data))
        assert starts == sorted(starts) and all(start <= s < len(data) for s in starts)
        assert {n - base for n in lines_marked(starts, data)} == wanted, engine


@settings(max_examples=200, deadline=None)
@given(
    st.lists(alphabet, max_size=60).map(b"".join),
    st.lists(needle.map(b"".join), min_size=1, max_size=5),
)
def test_engines_report_the_same_needles_per_line(data: bytes, needles: list[bytes]) -> None:
    # hits(): at least one (needle, offset) per line and needle present in that line, and
    # none for a needle the line lacks: the shared passes of scan_many rely on it.
    def per_line(ls: LiteralSet) -> set[tuple[bytes, int]]:
        found = ls.hits(data, 0, len(data))
        assert [o for _, o in found] == sorted(o for _, o in found)
        return {(ls.needles[i], data.count(b"\n", 0, o)) for i, o in found}

    lines = data.split(b"\n")
    wanted = {
        (n, k) for k, line in enumerate(lines) for n in needles if n in line and b"\n" not in n
    }
    for engine in ENGINES:
        assert per_line(LiteralSet(needles, engine=engine)) == wanted, engine


@pytest.mark.skipif(not HAVE_MEMMEM, reason="ahocorasick-rs not installed")
def test_auto_searches_a_few_literals_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    few = [b"DisableKey", b"ScheduleKeyDeletion", b"\\u"]
    assert LiteralSet(few).engine == "memmem"
    many = [b"x%d" % i for i in range(MEMMEM_MAX + 1)]
    assert LiteralSet(many).engine == multiliteral.default_engine()
    if HAVE_HYPERSCAN:
        assert LiteralSet(many).engine == "hyperscan"
        assert LiteralSet(few, regexes=[b"[0-9]e"]).engine == "hyperscan"
    monkeypatch.setattr(multiliteral, "HAVE_HYPERSCAN", False)
    assert multiliteral.default_engine() == "memmem" and LiteralSet(many).engine == "memmem"
    monkeypatch.setattr(multiliteral, "HAVE_MEMMEM", False)
    assert multiliteral.default_engine() == "python" and LiteralSet(few).engine == "python"


LONG_TOKENS = st.sampled_from(
    [b"a", b"b", b"\n", b"\\", b"u", b'"', b"0", b":", b"x" * 7, b"DisableKey", b'Key"']
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(LONG_TOKENS, min_size=200, max_size=4000).map(b"".join),
    st.lists(needle.map(b"".join), min_size=1, max_size=5),
)
def test_engines_agree_on_long_inputs(data: bytes, needles: list[bytes]) -> None:
    # SIMD engines switch strategies on long buffers (hyperscan's FDR/Teddy, memchr's
    # memmem): every line holding a literal is still marked, and no other.
    wanted = {
        k
        for k, line in enumerate(data.split(b"\n"))
        if any(n in line for n in needles if b"\n" not in n)
    }
    for engine in ENGINES:
        starts = LiteralSet(needles, engine=engine).starts(data, 0, len(data))
        assert lines_marked(starts, data) == wanted, engine


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        LiteralSet([b"x"], engine="grep")


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_many_literals_and_escapes_in_one_pass() -> None:
    data = b'{"a":"\\u0041"}\n{"b":"DisableKey"}\n{"c":"x"}\n{"d":"DetachGroupPolicy"}\n'
    names = [b"%sPolicy" % bytes([65 + i]) * 2 for i in range(40)] + [b"DetachGroupPolicy"]
    ls = LiteralSet([b'DisableKey"', b"\\u", *names], engine="hyperscan")
    assert lines_marked(ls.starts(data, 0, len(data)), data) == {0, 1, 3}


@pytest.mark.parametrize("memmem", [True, False])
@pytest.mark.parametrize("needle", [b"\n\n", b"\n\r\n", b"aa", b"\n"])
def test_find_all_finds_every_occurrence(
    needle: bytes, memmem: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cwpattern import multiliteral

    if memmem and not HAVE_MEMMEM:
        pytest.skip("ahocorasick-rs not installed")
    monkeypatch.setattr(multiliteral, "HAVE_MEMMEM", memmem)
    rng = random.Random(len(needle))
    for _ in range(200):
        data = bytes(rng.choice(b"a\n\r") for _ in range(rng.randint(0, 40)))
        start = rng.randint(0, len(data))
        end = rng.randint(start, len(data))
        expected = [
            i for i in range(start, end - len(needle) + 1) if data[i : i + len(needle)] == needle
        ]
        for buf in (data, bytearray(data), memoryview(data)):
            assert multiliteral.find_all(buf, needle, start, end) == expected
