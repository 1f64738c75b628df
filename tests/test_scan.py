"""cwpattern.scanner against its definition: ``compiled.extract(event.message)`` over
``iter_events``, for every input shape, with one and several processes, and with tiny
buffers so that every block and work-unit boundary falls inside lines."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from conftest import SEARCH_ENGINES, force_search_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patterns_gen import patterns

import cwpattern
from cwpattern import scanner as scan_module
from cwpattern.printer import unparse
from cwpattern.scanner import Match, count, iter_messages, scan
from cwpattern.sources import ScanStats, iter_events
from cwpattern.synth import generate

MAX_LINE = 3000
CIS_47 = (
    "{($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
    "($.eventName = ScheduleKeyDeletion))}"
)
PATTERNS = [
    CIS_47,
    "{ $.userIdentity.type = IAMUser }",
    '{ $.errorCode = "*" }',
    "{ $.readOnly IS FALSE && $.eventName = Get* }",
    "{ $.eventVersion NOT EXISTS }",
    "{ $.n > 2 }",
    "AccessDenied",
    '"kms.amazonaws.com"',
    "-Decrypt",
    "%Sched[a-z]+Deletion%",
    "[host, ident, user, ts, request = *admin*, status = 4*, size]",
    "[first, rest]",
    "",
]


def _reference(
    pattern: str, paths: list[str], max_line: int = MAX_LINE
) -> tuple[list[Match], ScanStats]:
    compiled = cwpattern.compile(pattern)
    st = ScanStats()
    out = []
    for event in iter_events(paths, stats=st, max_line_bytes=max_line):
        values = compiled.extract(event.message)
        if values is not None:
            out.append(Match(event.message, event.location, values, event.timestamp))
    return out, st


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    records = list(generate(1500, seed=3, kms_alarm_share=0.02))
    lines = [r.encode() for r in records]
    # A DisableKey record whose eventSource is spelled with JSON escapes.
    spelled = json.loads(records[0])
    spelled.update(eventSource="kms.amazonaws.com", eventName="DisableKey")
    escaped = json.dumps(spelled).replace("kms.amazon", "k\\u006ds.am\\u0061zon")
    assert "kms.amazonaws.com" not in escaped
    defects = [
        b"",
        b"   ",
        b'{"truncated": "kms.amazonaws.com',
        escaped.encode(),
        b"\xff\xfe not utf-8 AccessDenied",
        b'{"eventSource":"kms.amazonaws.com","eventName":"DisableKey","pad":"'
        + b"x" * MAX_LINE
        + b'"}',
        b'{"n": 3, "eventName": "DisableKey", "eventSource": "kms.amazonaws.com"}',
        b"[1, 2]",
        b'{"eventName":"ScheduleKeyDeletion","eventSource":"kms.amazonaws.com"}\r',
    ]
    body = lines[:700] + defects + lines[700:]
    (root / "trail.jsonl").write_bytes(b"\xef\xbb\xbf" + b"\n".join(body))  # BOM, no final newline
    with gzip.open(root / "trail.jsonl.gz", "wb") as fh:
        fh.write(b"\n".join(lines[:400]) + b"\n")
    (root / "aws").mkdir()
    (root / "aws" / "Records.json").write_text(
        json.dumps({"Records": [json.loads(r) for r in records[:300]]}), encoding="utf-8"
    )
    (root / "aws" / "filter-log-events.json").write_text(
        json.dumps(
            {
                "events": [
                    {"timestamp": 1700000000000 + i, "message": r}
                    for i, r in enumerate(records[300:400])
                ]
            }
        ),
        encoding="utf-8",
    )
    (root / "access.log").write_bytes(
        b"\n".join(
            [
                b'10.0.0.1 - ana [01/Jan/2024:00:00:01 +0000] "GET /admin/x HTTP/1.1" 404 77',
                b'10.0.0.2 - - [01/Jan/2024:00:00:02 +0000] "GET / HTTP/1.1" 200 12',
                b'10.0.0.3 - bob [01/Jan/2024:00:00:03 +0000] "POST /admin HTTP/1.1" 403 9 \xff',
                b"",
                b"AccessDenied\tDecrypt",
                b"solo",
            ]
        )
        + b"\n"
    )
    (root / "broken.jsonl.gz").write_bytes(gzip.compress(b"\n".join(lines[:50]))[:-30])
    (root / "fake.gz").write_bytes(b"not gzip")
    return root


@pytest.fixture(params=["big-buffers", "tiny-buffers", "tiny-buffers-mapped"])
def buffers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Block and work-unit sizes, and whether plain files are mapped (every file, in
    "-mapped") or read into a buffer (never, in "tiny-buffers")."""
    if request.param.startswith("tiny-buffers"):
        monkeypatch.setattr(scan_module, "_BLOCK", 4096)
        monkeypatch.setattr(scan_module, "_SNIFF", 1024)
        monkeypatch.setattr(scan_module, "_UNIT", 64 * 1024)
        mapped = request.param.endswith("-mapped")
        monkeypatch.setattr(scan_module, "_MAP_MIN", 1 if mapped else 1 << 62)
    return str(request.param)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_scan_equals_iter_events(corpus: Path, pattern: str, buffers: str) -> None:
    paths = [str(corpus)]
    expected, ref_stats = _reference(pattern, paths)
    for jobs in (1, 2):
        st = ScanStats()
        got = list(scan(pattern, paths, jobs=jobs, stats=st, max_line_bytes=MAX_LINE))
        assert got == expected, (pattern, jobs)
        assert st.files == ref_stats.files
        for reason in ("oversized_line", "bad_gzip", "unreadable_file"):
            assert st.skipped.get(reason) == ref_stats.skipped.get(reason), reason
        assert count(pattern, paths, jobs=jobs, max_line_bytes=MAX_LINE) == len(expected)
        messages = list(iter_messages(pattern, paths, jobs=jobs, max_line_bytes=MAX_LINE))
        # Lines as they are in the file; their messages are decoded with U+FFFD (spec §4.3).
        assert [m.decode("utf-8", "replace") for m in messages] == [m.message for m in expected]


def test_events_are_exact_when_locations_are_produced(corpus: Path, buffers: str) -> None:
    path = str(corpus / "trail.jsonl")
    _, ref = _reference("", [path])
    st = ScanStats()
    list(scan("{ $.nothing = 1 }", [path], stats=st, max_line_bytes=MAX_LINE))
    # Lines the scan never had to decode are not checked for JSON validity: the truncated
    # line, the non-UTF-8 one (not JSON once decoded) and the whitespace-only line count as
    # events.
    assert ref.skipped["invalid_json_line"] == 2 and "not_utf8" not in ref.skipped
    assert ref.skipped["empty_line"] == 2 and st.skipped["empty_line"] == 1
    assert st.events == ref.events + 3
    assert st.skipped["oversized_line"] == ref.skipped["oversized_line"] == 1
    assert st.bytes == ref.bytes


def test_the_escaped_record_is_found(corpus: Path) -> None:
    found = [m.message for m in scan(CIS_47, str(corpus / "trail.jsonl"), max_line_bytes=MAX_LINE)]
    assert any("\\u006d" in m for m in found)
    assert not any('"pad"' in m for m in found)  # the oversized line is skipped


def test_defects_are_counted_not_fatal(corpus: Path) -> None:
    st = ScanStats()
    n = count("AccessDenied", [str(corpus), str(corpus / "missing.jsonl")], stats=st)
    assert n > 0
    assert st.skipped["unreadable_file"] == 1 and st.skipped["bad_gzip"] == 2


def test_arguments_are_checked(corpus: Path) -> None:
    with pytest.raises(ValueError):
        list(scan("x", str(corpus), fmt="xml"))
    with pytest.raises(ValueError):
        count("x", str(corpus), jobs=0)
    with pytest.raises(cwpattern.PatternSyntaxError):
        count("{ $.a = ", str(corpus))


def test_stdin(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = (corpus / "access.log").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    got = list(scan("[host, ident, user, ts, request = *admin*, status = 4*, size]"))
    assert [m.location for m in got] == ["<stdin>:1", "<stdin>:3"]
    assert got[0].extracted["$status"] == "404" and got[1].extracted["$size"] == "9 \ufffd"


line_alphabet = st.sampled_from(
    [
        b"a",
        b"b",
        b" ",
        b'"',
        b"[",
        b"]",
        b"7",
        b"\r",
        b"\\u0061",
        b'{"a":"a"}',
        b'{"b":7}',
        b"\xff",
        b"ERROR",
    ]
)
lines = st.lists(line_alphabet, max_size=6).map(b"".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(patterns, st.lists(lines, max_size=30), st.sampled_from(["auto", "text", "jsonl"]))
def test_generated_files(
    tmp_path: Path, tree: cwpattern.ast.Pattern, body: list[bytes], fmt: str
) -> None:
    path = tmp_path / "gen.log"
    path.write_bytes(b"\n".join(body))
    pattern = unparse(tree)
    compiled = cwpattern.compile(pattern)
    expected = [
        (e.message, e.location)
        for e in iter_events([str(path)], fmt=fmt)
        if compiled.matches(e.message)
    ]
    got = [(m.message, m.location) for m in scan(pattern, str(path), fmt=fmt)]
    assert got == expected
    assert count(pattern, str(path), fmt=fmt) == len(expected)


def test_peak_buffer_does_not_grow_with_the_input(tmp_path: Path) -> None:
    # One line longer than the buffer is drained, not buffered.
    path = tmp_path / "long.log"
    with open(path, "wb") as fh:
        fh.write(b"ERROR first\n" + b"x" * (3 * (8 << 20)) + b" ERROR\nERROR last\n")
    st = ScanStats()
    got = [m.location for m in scan("ERROR", str(path), stats=st)]
    assert got == [f"{path}:1", f"{path}:3"]
    assert st.skipped == {"oversized_line": 1}
    assert os.path.getsize(path) == st.bytes


@pytest.mark.parametrize("pattern", [CIS_47, "{ $.n > 2 }", "AccessDenied", "[first, rest]"])
def test_without_orjson(corpus: Path, pattern: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cwpattern import compiler

    monkeypatch.setattr(compiler, "_orjson", None)
    monkeypatch.setattr(scan_module, "HAVE_ORJSON", False)
    expected, _ = _reference(pattern, [str(corpus)])
    assert list(scan(pattern, [str(corpus)], max_line_bytes=MAX_LINE)) == expected


@pytest.mark.parametrize("orjson", [True, False])
@pytest.mark.parametrize("pattern", [CIS_47, "{ $.userIdentity.type = IAMUser }", "{ $.n > 2 }"])
def test_without_msgspec(
    corpus: Path, pattern: str, orjson: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JSON patterns decode in full (orjson, or the standard library) without msgspec:
    # the same matches and counts.
    from cwpattern import compiler, lazyjson

    monkeypatch.setattr(lazyjson, "HAVE_MSGSPEC", False)
    if not orjson:
        monkeypatch.setattr(compiler, "_orjson", None)
        monkeypatch.setattr(scan_module, "HAVE_ORJSON", False)
    expected, _ = _reference(pattern, [str(corpus)])
    assert list(scan(pattern, [str(corpus)], max_line_bytes=MAX_LINE)) == expected
    assert count(pattern, [str(corpus)], max_line_bytes=MAX_LINE) == len(expected)


@pytest.mark.parametrize("engine", ["hyperscan", "memmem", "python"])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_literal_searcher_alone(
    corpus: Path, pattern: str, buffers: str, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each literal searcher alone (hyperscan's one pass, memmem's pass per literal, the
    # pure-Python bytes.find fallback) gives the same matches.
    force_search_engine(monkeypatch, engine)
    expected, _ = _reference(pattern, [str(corpus)])
    for jobs in (1, 2):
        got = list(scan(pattern, [str(corpus)], jobs=jobs, max_line_bytes=MAX_LINE))
        assert got == expected, jobs


@pytest.mark.parametrize(
    "body",
    [
        b"a\r",
        b"\r\na\r\n\r",
        b"\r",
        b"\n\n\r\n",
        b"x\r\ny\r",
        b"\xef\xbb\xbfx\n",
        b"\xef\xbb\xbf",
        b"x" * 50 + b"\r\n" + b"y" * 60 + b"\r",
        b'{"a":"x"}\r\n{"a":"x"}\r',
    ],
)
@pytest.mark.parametrize("pattern", ["", "-zz", "x", '{ $.a = "x" }', "[f]"])
def test_line_ends(tmp_path: Path, body: bytes, pattern: str) -> None:
    path = tmp_path / "ends.log"
    path.write_bytes(body)
    for fmt in ("auto", "text", "jsonl"):
        compiled = cwpattern.compile(pattern)
        expected = [
            (e.message, e.location)
            for e in iter_events([str(path)], fmt=fmt, max_line_bytes=55)
            if compiled.matches(e.message)
        ]
        got = [
            (m.message, m.location) for m in scan(pattern, str(path), fmt=fmt, max_line_bytes=55)
        ]
        assert got == expected, fmt


def test_spawned_workers(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers started with "spawn" receive everything by pickling (syntax tree, plan).
    monkeypatch.setattr(scan_module, "_start_method", lambda: "spawn")
    monkeypatch.setattr(scan_module, "_UNIT", 256 * 1024)
    pattern = "{ $.userIdentity.type = IAMUser }"
    expected, _ = _reference(pattern, [str(corpus)])
    assert list(scan(pattern, [str(corpus)], jobs=2, max_line_bytes=MAX_LINE)) == expected


@pytest.mark.parametrize("engine", SEARCH_ENGINES)
def test_scan_many_equals_one_scan_per_pattern(
    corpus: Path, buffers: str, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    force_search_engine(monkeypatch, engine)
    paths = [str(corpus)]
    singles = [_reference(p, paths)[0] for p in PATTERNS]
    per_pattern: list[list[Match]] = [[] for _ in PATTERNS]
    st = ScanStats()
    for i, m in cwpattern.scan_many(PATTERNS, paths, stats=st, max_line_bytes=MAX_LINE):
        per_pattern[i].append(m)
    assert per_pattern == singles
    _, ref = _reference("", paths)
    assert st.files == ref.files and st.bytes == ref.bytes
    counts = cwpattern.count_many(PATTERNS, paths, max_line_bytes=MAX_LINE)
    assert counts == [len(s) for s in singles]


def test_scan_many_order_and_edge_cases(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"x1 y\nx2\ny3 x\n")
    got = [(i, m.location[-4:]) for i, m in cwpattern.scan_many(["y", "x", "y"], str(path))]
    assert got == [(0, "og:1"), (1, "og:1"), (2, "og:1"), (1, "og:2")] + [
        (0, "og:3"),
        (1, "og:3"),
        (2, "og:3"),
    ]
    assert cwpattern.count_many([], str(path)) == []
    assert list(cwpattern.scan_many([], str(path))) == []
    with pytest.raises(ValueError, match="unknown format"):
        cwpattern.count_many(["x"], str(path), fmt="xml")


def test_counting_every_line_reports_what_could_not_be_evaluated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counting without needles matches a region's lines in one pass; a matcher that runs
    # out of resources on one line sends the region to the line-by-line loop, which
    # counts it as not evaluated (never a verdict) and the other lines as usual.
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a":1}\n' * 5 + b'{"a":"boom"}\n' + b'{"b":1}\n' * 5)
    real = scan_module.compile_line_matcher

    def hostile(tree: cwpattern.ast.Pattern):
        match = real(tree)

        def exhausted(line: bytes) -> bool:
            if b"boom" in bytes(line):  # (a JSON matcher may get a memoryview)
                raise RecursionError("too deep")
            return match(line)

        return exhausted

    monkeypatch.setattr(scan_module, "compile_line_matcher", hostile)
    st = ScanStats()
    assert count("{ $.a NOT EXISTS || $.a = 1 }", str(path), stats=st) == 10
    assert st.skipped == {"not_evaluated": 1}


@pytest.mark.parametrize("engine", SEARCH_ENGINES)
def test_many_patterns_with_jobs_equal_one_process(
    corpus: Path, buffers: str, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The corpus holds JSON lines (with defects), plain text, gzip (a good, a truncated and
    # a fake one), a CloudTrail {"Records": [...]} document and filter-log-events output.
    force_search_engine(monkeypatch, engine)
    paths = [str(corpus), str(corpus / "missing.jsonl")]
    singles = [_reference(p, paths)[0] for p in PATTERNS]
    one = ScanStats()
    counts = cwpattern.count_many(PATTERNS, paths, stats=one, max_line_bytes=MAX_LINE)
    assert counts == [len(s) for s in singles]
    hits_one = ScanStats()
    ordered = list(cwpattern.scan_many(PATTERNS, paths, stats=hits_one, max_line_bytes=MAX_LINE))
    started = []
    real = scan_module._start_method
    monkeypatch.setattr(scan_module, "_start_method", lambda: started.append(1) or real())
    for jobs in (2, 3):
        st = ScanStats()
        got = cwpattern.count_many(PATTERNS, paths, jobs=jobs, stats=st, max_line_bytes=MAX_LINE)
        assert got == counts, jobs
        assert (st.files, st.bytes) == (one.files, one.bytes)
        for reason in ("oversized_line", "bad_gzip", "unreadable_file", "not_evaluated"):
            assert st.skipped.get(reason) == one.skipped.get(reason), (jobs, reason)
        st = ScanStats()
        many = list(
            cwpattern.scan_many(PATTERNS, paths, jobs=jobs, stats=st, max_line_bytes=MAX_LINE)
        )
        assert many == ordered, jobs  # the same matches, locations and order
        assert st.to_dict() == hits_one.to_dict(), jobs  # problems located in the file
    assert len(started) == 4  # every run with jobs > 1 started workers
    per_pattern: list[list[Match]] = [[] for _ in PATTERNS]
    for i, m in ordered:
        per_pattern[i].append(m)
    assert per_pattern == singles


def test_many_patterns_with_jobs_report_unevaluated_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several work units (and a gzip file, scanned whole by a worker): an event the matcher
    # cannot evaluate is reported by the worker that met it, and never counted as a match.
    monkeypatch.setattr(scan_module, "_UNIT", 64 * 1024)
    body = b"".join(b'{"a":%d,"pad":"%s"}\n' % (i % 7, b"p" * 40) for i in range(6000))
    body += b'{"a":"boom"}\n' + body
    (tmp_path / "a.jsonl").write_bytes(body)
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(b'{"a":"boom"}\n{"a":1}\n'))
    (tmp_path / "c.log").write_bytes(b"boom 1\nfine 1\n" * 3)
    real = scan_module.compile_line_matcher

    def hostile(tree: cwpattern.ast.Pattern):
        match = real(tree)

        def exhausted(line: bytes) -> bool:
            if b"boom" in bytes(line):
                raise RecursionError("too deep")
            return match(line)

        return exhausted

    monkeypatch.setattr(scan_module, "compile_line_matcher", hostile)
    patterns = ["{ $.a = 1 }", "{ $.a NOT EXISTS || $.a = 1 }", "1"]
    results = []
    for jobs in (1, 2):
        st = ScanStats()
        counts = cwpattern.count_many(patterns, str(tmp_path), jobs=jobs, stats=st)
        results.append((counts, st.skipped, st.files))
        with pytest.raises(cwpattern.MatchResourceError):  # no stats: fail closed
            cwpattern.count_many(patterns, str(tmp_path), jobs=jobs)
    assert results[0] == results[1]
    counts, skipped, files = results[0]
    ones = body.count(b'{"a":1,')
    assert counts == [ones + 1, ones + 1, ones + 1 + 3]
    # (each pattern meets the hostile lines its prefilter lets through: at least the five
    # "boom" events for the pattern without literals)
    assert set(skipped) == {"not_evaluated"} and skipped["not_evaluated"] >= 5 and files == 3


def test_many_patterns_jobs_are_checked(corpus: Path) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        cwpattern.count_many(["x"], str(corpus), jobs=0)
    with pytest.raises(ValueError, match="positive integer"):
        list(cwpattern.scan_many(["x"], str(corpus), jobs=-1))
