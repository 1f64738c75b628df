"""Issue 11 item 6: the space-delimited tokenizer is linear in time, and matching keeps
only the fields the pattern binds.

Before the fix, ``[a, b, c=x]`` against ``'[ ' * 40_000`` took 19 s (every unclosed ``[``
scanned to the end of the line) and trailing blanks were quadratic too; the full-size
originals run in ``benchmarks/bench_hostile.py``.
"""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cwpattern
from cwpattern import _reference
from cwpattern.delimited import tokenize

from .conftest import needs_rlimit, run_capped

HOSTILE = {
    "unclosed-brackets": "'[ ' * 40_000",
    "unclosed-after-closed": "'[x] ' + '[ ' * 40_000",
    "quotes": "'\" ' * 40_001",
    "trailing-blanks": "'a' + ' ' * 40_000",
    "trailing-tabs": "'a b' + '\\t' * 40_000",
}
PATTERNS = ["[a, b, c=x]", "[a, ..., b]", "[a, ..., b=x*, c]", "[]"]


@needs_rlimit
def test_hostile_lines_tokenize_in_linear_time() -> None:
    """All cases together, under a CPU-time cap of 20 s (they take well under a second
    each now; before the fix the first one alone took 19 s, the trailing blanks 120 s)."""
    cases = ", ".join(f"{name!r}: {expr}" for name, expr in HOSTILE.items())
    outcome = run_capped(
        f"""
import resource
import cwpattern
from cwpattern.delimited import tokenize
resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
out = {{}}
for name, message in {{{cases}}}.items():
    out[name] = [len(tokenize(message))] + [
        cwpattern.compile(p).extract(message) is not None for p in {PATTERNS!r}
    ]
report(out)
""",
        timeout=120,
    )
    assert outcome == {
        "unclosed-brackets": [40_000, False, True, False, True],
        "unclosed-after-closed": [40_001, False, True, False, True],
        "quotes": [20_001, False, True, False, True],  # 20,000 '" "' fields, then a '"'
        "trailing-blanks": [1, False, False, False, True],
        "trailing-tabs": [2, False, True, False, True],
    }


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_matching_keeps_only_the_bound_fields(name: str) -> None:
    """Peak memory of a match is a small multiple of the message, not one object per field
    (40,000 fields cost over 5 MB before)."""
    message = eval(HOSTILE[name])  # noqa: S307 - the fixed expressions above
    for pattern in ("[a, b, c=x*]", "[a, ..., b, c]"):
        compiled = cwpattern.compile(pattern)
        compiled.matches("warm up the caches a b c")
        tracemalloc.start()
        try:
            compiled.matches(message)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 3 * len(message) + 20_000, (pattern, peak, len(message))


messages = st.text(st.sampled_from(['"', "[", "]", " ", "\t", "a", "x", "1"]), max_size=30)


@settings(max_examples=300)
@given(messages)
def test_tokens_equal_the_reference(message: str) -> None:
    assert [tuple(t) for t in tokenize(message)] == _reference._fields(message)


@settings(max_examples=150)
@given(messages)
@pytest.mark.parametrize(
    "pattern",
    [
        "[a]",
        "[a, b]",
        "[a, b, c=x*]",
        "[a = %^\\[%, ...]",
        "[..., z]",
        "[a, ..., z = 1]",
        '[a, ..., y = "*x*", z]',
        "[..., y, z]",
        "[a, b, ...]",
        "[]",
    ],
)
def test_delimited_matching_equals_the_reference(pattern: str, message: str) -> None:
    compiled = cwpattern.compile(pattern)
    expected = _reference.evaluate(compiled.ast, message)
    assert compiled.extract(message) == expected
    assert compiled.matches(message) is (expected is not None)
