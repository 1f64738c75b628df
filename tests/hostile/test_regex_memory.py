"""Issue 11 item 7: the bit-parallel regex search keeps memory a small multiple of the
message, whatever the body.

It cached up to ten doubling levels per distinct character class, each as large as the
message: 61 pieces ``[aX]{1000}`` needed about 650 bytes per message character (4 GB for
a 4 MB message).  Now at most ``_MAX_CACHED`` bit sets are kept besides those of the class
in use.  The full-size original runs in ``benchmarks/bench_hostile.py``.
"""

from __future__ import annotations

import tracemalloc

import pytest

import cwpattern
from cwpattern import regex as regex_module
from cwpattern.regex import compile_search

from .conftest import needs_rlimit, run_capped

CLASSES = "bcdefghijklmnopqrstuvwxyzBCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BODIES = {
    "issue: 61 x [aX]{1000}": "".join(f"[a{c}]{{1000}}" for c in CLASSES),
    "61 x [aX]{1,1000}": "".join(f"[a{c}]{{1,1000}}" for c in CLASSES),
    "alternating 3 classes": "[ab]{1000}[ac]{1000}[ad]{1000}" * 20,
    "61 x [aX]{999}[aX]*": "".join(f"[a{c}]{{999}}[a{c}]*" for c in CLASSES[:40]),
}
#: Bytes per message character a search may hold at its peak (measured: at most 33).
BOUND = 40


@pytest.mark.parametrize("name", sorted(BODIES))
def test_peak_memory_is_a_small_multiple_of_the_message(name: str) -> None:
    body = BODIES[name]
    pattern = cwpattern.compile(f"%{body}%")
    assert len(pattern.pattern) <= 1024
    n = 100_000
    message = "a" * n
    pattern.matches("warm up")
    tracemalloc.start()
    try:
        found = pattern.matches(message)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found is True  # every piece matches a run of 'a'
    assert peak < BOUND * n, f"{peak / n:.0f} bytes per character"


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize(
    "message",
    ["a" * 2500, "a" * 61_000 + "b", "x" + "a" * 70_000, ("a" * 999 + "b") * 70, "a" * 60_999],
)
def test_results_equal_those_with_every_level_cached(
    name: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Evicting and recomputing levels changes no answer (Python re is no oracle here:
    it backtracks for minutes on these bodies)."""
    search = compile_search(cwpattern.parse(f"%{BODIES[name]}%").regex)  # type: ignore[attr-defined]
    bounded = search(message)
    monkeypatch.setattr(regex_module, "_MAX_CACHED", 10**9)
    assert search(message) is bounded
    monkeypatch.setattr(regex_module, "_MAX_CACHED", 0)
    assert search(message) is bounded


@needs_rlimit
def test_the_issue_case_matches_under_a_memory_cap() -> None:
    """1 MB of 'a' under a 64 MiB cap: the true answer (before: 650 MB, MemoryError)."""
    outcome = run_capped(
        f"""
import cwpattern
pattern = cwpattern.compile("%" + {BODIES["issue: 61 x [aX]{1000}"]!r} + "%")
message = "a" * 1_000_000
cap(64)
try:
    report(pattern.matches(message))
except cwpattern.MatchResourceError as e:
    report(str(e))
"""
    )
    assert outcome is True
