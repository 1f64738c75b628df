"""cwpattern.multiliteral: the hyperscan searcher and the bytes.find fallback mark the
same lines (every line that contains a literal, and no other)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwpattern.multiliteral import HAVE_HYPERSCAN, LiteralSet

ENGINES = ["python"] + (["hyperscan"] if HAVE_HYPERSCAN else [])

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


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        LiteralSet([b"x"], engine="grep")


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_many_literals_and_escapes_in_one_pass() -> None:
    data = b'{"a":"\\u0041"}\n{"b":"DisableKey"}\n{"c":"x"}\n{"d":"DetachGroupPolicy"}\n'
    names = [b"%sPolicy" % bytes([65 + i]) * 2 for i in range(40)] + [b"DetachGroupPolicy"]
    ls = LiteralSet([b'DisableKey"', b"\\u", *names], engine="hyperscan")
    assert lines_marked(ls.starts(data, 0, len(data)), data) == {0, 1, 3}
