"""Hostile CloudTrail ``{"Records":[...]}`` documents (issue 11, item 8): a gzip bomb is
streamed record by record in bounded memory, and a failure in one file never stops the
scan of the next ones.  (Scaled: the 100 MB original runs as `benchmarks/hostile.py`.)"""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

import cwpattern
from cwpattern import sources
from cwpattern.cli import main
from cwpattern.sources import ScanStats, iter_events

from .conftest import needs_rlimit, run_capped


def _bomb(path: Path, records: int, record: bytes = b"{}") -> Path:
    """A gzip ``{"Records":[...]}`` document of ``records`` copies of ``record``."""
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'{"Records":[')
        chunk = (record + b",") * 4096
        for _ in range(records // 4096):
            fh.write(chunk)
        fh.write((record + b",") * (records % 4096))
        fh.write(record + b"]}")
    return path


def _peak(fn: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()  # type: ignore[operator]
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_of_empty_records_streams_in_bounded_memory(tmp_path: Path) -> None:
    n = 60_000  # 180 KB inflated from a few hundred bytes of gzip
    path = _bomb(tmp_path / "bomb.json.gz", n - 1)
    assert path.stat().st_size < 1024
    st = ScanStats()
    count, peak = _peak(lambda: sum(1 for _ in iter_events([str(path)], stats=st)))
    assert count == n and st.events == n and st.skipped == {}
    # The whole-document reader peaked at 537 MB here (a read buffer of the largest
    # document size, then every record); streaming holds a read chunk and one record.
    assert peak < 16 << 20, peak


def test_large_records_document_memory_does_not_grow_with_its_size(tmp_path: Path) -> None:
    record = b'{"eventName":"DisableKey","pad":"' + b"x" * 2000 + b'"}'
    path = _bomb(tmp_path / "big.json.gz", 16_000, record)  # 32 MB inflated
    st = ScanStats()
    count, peak = _peak(
        lambda: cwpattern.count_many(["DisableKey", "{ $.pad = x* }"], str(path), stats=st)
    )
    assert count == [16_001, 16_001] and st.bytes > 32_000_000
    assert peak < 16 << 20, peak  # half the 32 MB document (the whole-document reader: 580 MB)


def test_a_failing_file_does_not_stop_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _bomb(
        tmp_path / "a.json.gz", 10, b'{"eventName":"Boom","n":1.5}'
    )  # (a float: slow path)
    second = _bomb(tmp_path / "b.json.gz", 2, b'{"eventName":"DisableKey"}')
    real = sources._dump

    def exhausted(record, loc, st):  # type: ignore[no-untyped-def]
        if record.get("eventName") == "Boom":
            raise MemoryError
        return real(record, loc, st)

    monkeypatch.setattr(sources, "_dump", exhausted)
    st = ScanStats()
    found = [e.location for e in iter_events([str(first), str(second)], stats=st)]
    assert found == [f"{second}#Records[{i}]" for i in range(3)]
    assert st.skipped == {"out_of_memory": 1}
    # The CLI says so and exits 2 (an input was not scanned), after scanning the rest.
    code = main(["grep", "--count", "--total", "DisableKey", str(first), str(second)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "3\n" and "out_of_memory" in err


_MANY_SETUP = """
import os, tempfile
import cwpattern
from cwpattern.sources import ScanStats
path = os.path.join(tempfile.mkdtemp(), "big.jsonl")
with open(path, "w") as fh:
    fh.write('{"a":[1]}\\n')
    fh.write('{"a":[' + ",".join(["{}"] * 1_400_000) + "]}\\n")  # 4 MB, ~90 MB decoded
    fh.write('{"a":[2]}\\n')
patterns = ["NoSuchTerm", "{ $.a[0].b NOT EXISTS }"]
"""


@needs_rlimit
def test_scan_many_counts_not_evaluated_for_every_pattern() -> None:
    # One read, several patterns: an event a pattern could not evaluate is counted (never a
    # silent "no match"), whichever pattern it is, and count_many without stats raises.
    outcome = run_capped(
        _MANY_SETUP
        + """
cap(50)
stats = ScanStats()
counts = cwpattern.count_many(patterns, path, stats=stats, max_line_bytes=8 << 20)
try:
    bare = cwpattern.count_many(patterns, path, max_line_bytes=8 << 20)
except cwpattern.MatchResourceError as e:
    bare = str(e)
report([counts, stats.skipped, bare])
"""
    )
    counts, skipped, bare = outcome
    assert counts == [0, 2] and skipped == {"not_evaluated": 1}
    assert "not_evaluated" in bare
