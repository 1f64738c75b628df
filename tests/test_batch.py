"""The public pieces engines build on: events from one file's bytes (framed exactly as
``iter_events``/``grep``) and the batch matcher (exactly ``compiled.matches``)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import force_search_engine
from hypothesis import given
from hypothesis import strategies as st
from patterns_gen import messages, patterns
from spark_inputs import EDGE_LINES, EDGE_PATTERNS, make_edge_files, make_tree

import cwpattern
from cwpattern.batch import BatchMatcher, decode_message, utf8_requirement
from cwpattern.printer import unparse
from cwpattern.scanner import BytesCounter, count, count_many
from cwpattern.sources import ScanStats, events_from_bytes, iter_events


def _inputs(tmp_path: Path) -> list[Path]:
    logs, digests = make_tree(tmp_path / "tree", per_file=15)
    edge = make_edge_files(tmp_path / "edge")
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"a":1}\n{"a":2}\n')[:-12])
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\0\1\2")
    return [*logs, *digests, *edge, bad, truncated, binary]


def test_events_from_bytes_frames_every_file_as_iter_events(tmp_path: Path) -> None:
    for path in _inputs(tmp_path):
        expected_stats, got_stats = ScanStats(), ScanStats()
        expected = list(iter_events([str(path)], stats=expected_stats))
        got = list(events_from_bytes(path.read_bytes(), str(path), stats=got_stats))
        assert got == expected, path
        assert got_stats.to_dict() == expected_stats.to_dict(), path
    for fmt in ("jsonl", "text", "json"):
        path = tmp_path / "edge" / "edge.jsonl"
        assert list(events_from_bytes(path.read_bytes(), str(path), fmt=fmt)) == list(
            iter_events([str(path)], fmt=fmt)
        )


def test_events_from_bytes_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        list(events_from_bytes(b"", "x", fmt="yaml"))


def test_batch_counts_equal_grep_count_on_the_edge_cases(tmp_path: Path) -> None:
    files = make_edge_files(tmp_path)
    events = [e.message for e in iter_events([str(p) for p in files])]
    matcher = BatchMatcher(EDGE_PATTERNS)
    # as str, and as the surrogatepass bytes cwpattern.spark stores
    raws = [m.encode("utf-8", "surrogatepass") for m in events]
    expected = [count(p, [str(f) for f in files]) for p in EDGE_PATTERNS]
    assert matcher.counts(events) == expected
    assert BatchMatcher(EDGE_PATTERNS).counts(raws) == expected
    assert len(set(expected)) > 3  # the patterns tell the messages apart


def test_batch_reuses_its_plan_and_skips_messages_failing_the_prefilter() -> None:
    matcher = BatchMatcher(['{ $.eventName = "DisableKey" }'])
    batch = [b'{"eventName":"Encrypt"}'] * 50 + [b'{"eventName":"DisableKey"}']
    assert matcher.counts(batch) == [1]
    assert matcher.counts(batch) == [1]
    assert matcher.matchers[0].prefilter_checks == 2


@given(st.lists(patterns, min_size=1, max_size=3), st.lists(messages, max_size=8))
def test_batch_mask_is_matches(trees: list[cwpattern.ast.Pattern], msgs: list[str]) -> None:
    texts = [unparse(t) for t in trees]
    matcher = BatchMatcher(texts)
    raws = [m.encode("utf-8", "surrogatepass") for m in msgs]
    totals = []
    for i, text in enumerate(texts):
        compiled = cwpattern.compile(text)
        expected = [compiled.matches(m) for m in msgs]
        assert matcher.mask(msgs, i) == expected
        assert matcher.mask(raws, i) == expected
        totals.append(sum(expected))
    # counts: one shared search for every pattern's needles (a fresh matcher plans on
    # this batch)
    assert BatchMatcher(texts).counts(raws) == totals
    assert matcher.counts(msgs) == totals


def test_lone_surrogates_in_patterns_never_reach_the_literal_pushdown() -> None:
    pattern = '"\udcff"'  # a term that is the surrogateescape of byte 0xff
    message = "x\udcffy"
    assert cwpattern.matches(pattern, message)
    assert BatchMatcher([pattern]).counts([message]) == [1]
    assert utf8_requirement(b"\xff") is None
    assert utf8_requirement(("or", (b"a", b"\xff"))) is None


def test_decode_message_round_trips_surrogates_and_leaves_other_bytes() -> None:
    text = "caf\u00e9 \ud800 \udcff"
    assert decode_message(text.encode("utf-8", "surrogatepass")) == text
    assert decode_message(b"\xff\xfe") == b"\xff\xfe"


@pytest.mark.parametrize("line", EDGE_LINES)
def test_each_edge_line_is_framed_as_grep_frames_it(tmp_path: Path, line: bytes) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(line + b"\n")
    assert list(events_from_bytes(line + b"\n", str(path))) == list(iter_events([str(path)]))


def test_grep_counts_records_with_lone_surrogate_escapes(tmp_path: Path) -> None:
    # a Records document may escape a lone surrogate; the scanner's prefilter must not
    # crash on the re-serialised message (it raised UnicodeEncodeError)
    path = tmp_path / "trail.json"
    path.write_text('{"Records":[{"errorMessage":"caf\\u00e9 \\ud800","eventName":"X"}]}')
    patterns = ['{ $.eventName = "X" }', "{ $.errorMessage = %caf% }", '{ $.eventName = "Y" }']
    assert [count(p, [str(path)]) for p in patterns] == [1, 1, 0]
    assert count_many(patterns, [str(path)]) == [1, 1, 0]


@pytest.mark.parametrize("flags", [[], ["-n"], ["-H"], ["-c", "-H"], ["--json"], ["-l"]])
def test_grep_prints_records_with_lone_surrogate_escapes(tmp_path: Path, flags: list[str]) -> None:
    # printing such a record crashed with UnicodeEncodeError (exit 1 and a traceback): it
    # is written with its JSON escape, as the record spelled it
    path = tmp_path / "trail.json"
    path.write_text('{"Records":[{"x":"\\ud800","eventName":"X"},{"x":"ok","eventName":"X"}]}')
    run = subprocess.run(
        [sys.executable, "-m", "cwpattern", "grep", *flags, '{ $.eventName = "X" }', str(path)],
        capture_output=True,
    )
    assert run.returncode == 0, run.stderr.decode()
    assert b"Traceback" not in run.stderr
    if not flags:
        assert run.stdout.splitlines() == [
            b'{"x":"\\ud800","eventName":"X"}',
            b'{"x":"ok","eventName":"X"}',
        ]


def _with_engine(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    force_search_engine(monkeypatch, "auto" if fast else "python")


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "bytes.find"])
def test_bytes_counter_counts_each_file_as_count_many(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_engine(monkeypatch, fast)
    patterns = [*dict.fromkeys(EDGE_PATTERNS + ['{ $.eventName = "ConsoleLogin" }'])]
    counter = BytesCounter(patterns)
    got_stats, expected_stats = ScanStats(), ScanStats()
    totals = [0] * len(patterns)
    for path in _inputs(tmp_path):
        before = list(counter.totals)
        counter.add(path.read_bytes(), str(path), got_stats)
        one = count_many(patterns, [str(path)], stats=expected_stats)
        assert [a - b for a, b in zip(counter.totals, before)] == one, path
        totals = [a + b for a, b in zip(totals, one)]
    assert counter.totals == totals and sum(totals) > 0
    assert got_stats.skipped == expected_stats.skipped
    assert got_stats.ignored == expected_stats.ignored  # digest files, by path
    assert got_stats.files == expected_stats.files
    with pytest.raises(ValueError):
        BytesCounter([])


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "bytes.find"])
def test_many_patterns_on_documents_share_one_prefilter_pass_exactly(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Events of a document are searched in batches joined by newlines: messages holding
    # newlines, JSON escapes, lone surrogates, and needles at batch and message edges.
    _with_engine(monkeypatch, fast)
    messages = []
    for i in range(1300):  # several batches of document events
        k = i % 9
        messages.append(
            [
                '{"eventName":"DisableKey","eventSource":"kms.amazonaws.com"}',
                '{"eventName":"\\u0044isableKey","eventSource":"kms.amazonaws.com"}',
                "ERROR\nDisableKey at the start of a second line",
                "line one\nERROR",
                '{"errorCode":"AccessDenied","note":"caf\\u00e9 \\ud800"}',
                "",
                '{"a":null}',
                "DisableKey \ud800 ERROR",  # a lone surrogate in the message itself
                '{"eventName":"Encrypt"}',
            ][k]
        )
    doc = {
        "events": [{"timestamp": 1709539200000 + i, "message": m} for i, m in enumerate(messages)]
    }
    path = tmp_path / "events.json"
    import json

    path.write_text(json.dumps(doc))
    patterns = [
        *EDGE_PATTERNS,
        "{ $.eventName = DisableKey && $.eventSource = kms.amazonaws.com }",
        "ERROR DisableKey",
        '{ $.errorCode = "AccessDenied" }',
    ]
    events = [e.message for e in iter_events([str(path)])]
    assert len(events) > 1000 and any("\ud800" in m for m in events)
    expected = [sum(cwpattern.compile(p).matches(m) for m in events) for p in patterns]
    assert count_many(patterns, [str(path)]) == expected
    assert [count(p, [str(path)]) for p in patterns] == expected
    assert len(set(expected)) > 4
