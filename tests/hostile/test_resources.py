"""Issue 11 item 1: running out of memory or stack is never a verdict.

``CompiledPattern.matches``/``extract`` raise :class:`cwpattern.MatchResourceError`; a scan
counts the event as ``not_evaluated`` (and raises when nobody passed a ``stats`` to read
the count); ``cwpattern grep`` reports it on stderr and exits with status 2.  Bad messages
(invalid UTF-8, not JSON, nested too deep) still simply do not match.
"""

from __future__ import annotations

import sys

import pytest

import cwpattern

from .conftest import needs_rlimit, run_capped

#: A 2 MB JSON message whose decoded form needs about 40 MB (one dict per 3 bytes).
_JSON_SETUP = """
import cwpattern
pattern = cwpattern.compile("{ $.a[0].b NOT EXISTS }")
message = '{"a":[' + ",".join(["{}"] * 700_000) + "]}"
"""
#: The issue's regex (distinct [aX]{1000} pieces) over 1 MB of "a": tens of MB of bit sets.
_REGEX_SETUP = """
import cwpattern
pieces = "bcdefghijklmnopqrstuvwxyzBCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
pattern = cwpattern.compile("%" + "".join(f"[a{c}]{{1000}}" for c in pieces) + "%")
message = "a" * 1_000_000
"""


@needs_rlimit
@pytest.mark.parametrize("setup", [_JSON_SETUP, _REGEX_SETUP], ids=["json", "regex"])
@pytest.mark.parametrize("method", ["matches", "extract"])
def test_memory_exhaustion_raises_match_resource_error(setup: str, method: str) -> None:
    outcome = run_capped(
        setup
        + f"""
ample = pattern.{method}(message)       # with memory: the true answer
cap(8)                                   # then 8 MiB more than the process uses
try:
    capped = ["answer", pattern.{method}(message)]
except cwpattern.MatchResourceError as e:
    capped = ["error", e.reason, isinstance(e, cwpattern.CWPatternError)]
report([ample, capped])
"""
    )
    ample, capped = outcome
    assert ample in (True, {})  # the message matches
    assert capped == ["error", "MemoryError", True]


def test_stack_exhaustion_raises_match_resource_error() -> None:
    """Called with almost no stack left, matching fails with MatchResourceError (or the
    RecursionError of the call itself), never answers False."""
    pattern = cwpattern.compile("[a, b = x*, c != z || c = z]")
    message = "a x1 y"
    assert pattern.matches(message) is True
    outcomes = set()

    def at_depth(extra: int) -> str:
        old = sys.getrecursionlimit()
        try:
            sys.setrecursionlimit(_depth() + extra)
        except RecursionError:  # below the current depth, as CPython counts it
            return "limit too low"
        try:
            return repr(pattern.matches(message))
        except cwpattern.MatchResourceError as e:
            return e.reason
        except RecursionError:
            return "RecursionError outside"
        finally:
            sys.setrecursionlimit(old)

    for extra in range(1, 60):
        outcomes.add(at_depth(extra))
    assert "False" not in outcomes
    assert "RecursionError" in outcomes  # MatchResourceError("RecursionError")
    assert "True" in outcomes


def _depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    return depth


@pytest.mark.parametrize(
    "message",
    [
        b'{"a": 1, "b": "\xff"}',  # invalid UTF-8
        "not json at all",
        '{"a":' * 100_000 + "1" + "}" * 100_000,  # deeper than any decoder goes
        "[" * 100_000,
    ],
    ids=["invalid-utf8", "not-json", "deep-object", "deep-array"],
)
def test_bad_messages_still_never_raise(message: str | bytes) -> None:
    """Bad messages are a verdict (no match for structure they lack), not an error."""
    assert cwpattern.compile("{ $.zzz NOT EXISTS && $.a NOT EXISTS }").matches(message) is False
    assert cwpattern.compile("[a, b, c, d, e, f, g]").extract(message) is None  # 1-4 fields


_SCAN_SETUP = """
import os, sys, tempfile
import cwpattern
import cwpattern.scanner
from cwpattern.sources import ScanStats
path = os.path.join(tempfile.mkdtemp(), "big.jsonl")
with open(path, "w") as fh:
    fh.write('{"a":[1]}\\n')
    fh.write('{"a":[' + ",".join(["{}"] * 1_400_000) + "]}\\n")  # 4 MB, ~90 MB decoded
    fh.write('{"a":[2]}\\n')
pattern = "{ $.a[0].b NOT EXISTS }"
"""


@needs_rlimit
@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_counts_not_evaluated(jobs: int) -> None:
    outcome = run_capped(
        _SCAN_SETUP
        + f"""
ample = cwpattern.scanner.count(pattern, [path], max_line_bytes=8 << 20)
cap(50)
stats = ScanStats()
found = [m.location for m in cwpattern.scan(pattern, path, stats=stats, max_line_bytes=8 << 20, jobs={jobs})]
try:
    counted = cwpattern.scanner.count(pattern, [path], max_line_bytes=8 << 20, jobs={jobs})
except cwpattern.MatchResourceError as e:
    counted = str(e)
report([ample, found, stats.skipped, stats.problems, counted])
"""
    )
    ample, found, skipped, problems, counted = outcome
    assert ample == 3
    assert [loc.rsplit(":", 1)[1] for loc in found] == ["1", "3"]
    assert skipped == {"not_evaluated": 1}
    assert problems[0].endswith(":2: not_evaluated: matching ran out of resources (MemoryError)")
    assert "not_evaluated" in counted  # count() without stats: an error, not 2


@needs_rlimit
@pytest.mark.parametrize("options", [["--count"], []], ids=["count", "lines"])
def test_grep_reports_not_evaluated_and_exits_2(options: list[str]) -> None:
    outcome = run_capped(
        _SCAN_SETUP
        + f"""
import contextlib, io
from cwpattern.cli import main
cap(50)
err = io.StringIO()
with contextlib.redirect_stderr(err):
    rc = main(["grep", *{options!r}, "--max-line-bytes", "8000000", pattern, path])
sys.stdout.flush()
report([rc, err.getvalue()])
"""
    )
    rc, stderr = outcome
    assert rc == 2
    assert "not_evaluated" in stderr and "MemoryError" in stderr
