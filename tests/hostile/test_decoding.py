"""Issue 11 item 3: one decoding rule for bytes, in the API and in the scanner.

A ``bytes`` message is UTF-8 with invalid sequences replaced by U+FFFD, for every family
(spec §4.3), so one stray byte cannot hide an event from a JSON or space-delimited
pattern.  Differential: ``matches(line)`` / ``extract(line)`` on the raw bytes equal what
``cwpattern.scan`` reports for the same lines of a file, for every family.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cwpattern
from cwpattern import compiler
from cwpattern.prefilter import prefilter_for
from cwpattern.sources import ScanStats


def test_the_issue_case() -> None:
    line = b"x \xff"
    assert cwpattern.compile("[a, b]").matches(line) is True
    assert cwpattern.compile("[a, b]").extract(line) == {"$a": "x", "$b": "\ufffd"}


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        ('{ $.userAgent = "aws-cli*" }', b'{"userAgent": "aws-cli\xff/2"}'),
        ("{ $.eventName = DeleteTrail }", b'{"eventName": "DeleteTrail", "x": "\xc3"}'),
        ("[ip, user = root, ...]", b"10.0.0.1 root \xfe\xff GET"),
        ("%a.b%", b"a\xe2\x82b"),  # one incomplete sequence: one U+FFFD
        ('"\ufffd"', b"bad \x80 byte"),  # a term holding U+FFFD finds the replacement
    ],
)
def test_a_stray_byte_does_not_hide_an_event(pattern: str, line: bytes, tmp_path: Path) -> None:
    assert cwpattern.compile(pattern).matches(line) is True
    path = tmp_path / "one.log"
    path.write_bytes(b"first line\n" + line + b"\n")
    stats = ScanStats()
    found = [m.location for m in cwpattern.scan(pattern, str(path), fmt="text", stats=stats)]
    assert found == [f"{path}:2"]
    assert stats.flagged == {"not_utf8": 1}


PATTERNS = [
    "a",
    '-a -"\ufffd"',
    '"\ufffd a"',
    '?"\ufffd" ?b',
    '"é"',
    "%a.b%",
    "%^[^a]+$%",
    "%\\W{2}%",
    '{ $.a = "*\ufffd*" }',
    '{ $.a = "\ufffd" || $.b = "é" }',
    "{ $.a = %^.$% }",
    "{ $.a != x }",
    "{ $.b NOT EXISTS }",
    "[x, y]",
    '[x, y = "*\ufffd*", ...]',
    '[x = "\ufffd", ...]',
    "[..., z = %a.%]",
    "",
]
PIECES = [
    b"a",
    b"b",
    b"x",
    b" ",
    b"\xff",
    b"\x80",
    b"\xe2\x82",
    b"\xc3",
    b"\xc3\xa9",  # é
    b"\xef\xbf\xbd",  # a real U+FFFD
    b"\xed\xa0\x80",  # an encoded surrogate: invalid
    b"\xf4\x90\x80\x80",  # above U+10FFFF: invalid
    b'"',
    b"[",
    b"]",
]
raw_lines = st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map(b"".join)
json_lines = st.tuples(raw_lines, raw_lines).map(
    lambda ab: b'{"a":"' + ab[0].replace(b'"', b"") + b'","b":"' + ab[1].replace(b'"', b"") + b'"}'
)
lines = st.lists(st.one_of(raw_lines, json_lines), min_size=1, max_size=12)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_matches_bytes_equals_the_scanner(pattern: str, tmp_path: Path, data: list[bytes]) -> None:
    compiled = cwpattern.compile(pattern)
    data = [line for line in data if line.strip(b" ")]  # blank lines are not events
    if not data:
        return
    path = tmp_path / "lines.log"
    path.write_bytes(b"\n".join(data) + b"\n")
    expected = [
        (f"{path}:{n}", compiled.extract(line))
        for n, line in enumerate(data, 1)
        if compiled.matches(line)
    ]
    for jobs in (1, 2) if pattern == "[x, y]" else (1,):
        got = [
            (m.location, m.extracted if compiled.family == "space-delimited" else {})
            for m in cwpattern.scan(compiled, str(path), fmt="text", jobs=jobs)
        ]
        assert got == expected, (pattern, data)
    assert cwpattern.scanner.count(compiled, [str(path)], fmt="text") == len(expected)
    line_match = compiler.compile_line_matcher(compiled.ast)
    check = prefilter_for(compiled.ast).check
    for line in data:
        want = compiled.matches(line)
        assert line_match(line) is want, (pattern, line)
        assert want <= check(line), (pattern, line)  # the prefilter is sound


@settings(max_examples=60)
@given(st.lists(json_lines, min_size=1, max_size=8))
def test_json_lines_with_invalid_utf8_are_events(data: list[bytes]) -> None:
    """In a JSON-lines file, invalid UTF-8 inside a string is decoded with U+FFFD: the line
    is an event (flagged), matched as ``matches(bytes)`` matches it."""
    import tempfile

    compiled = cwpattern.compile('{ $.a = "*\ufffd*" || $.b = "*é*" }')
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.jsonl"
        path.write_bytes(b"\n".join(data) + b"\n")
        stats = ScanStats()
        got = [m.location for m in cwpattern.scan(compiled, str(path), fmt="jsonl", stats=stats)]
        events = list(cwpattern.sources.iter_events([str(path)], fmt="jsonl"))
    assert got == [f"{path}:{n}" for n, line in enumerate(data, 1) if compiled.matches(line)]
    assert len(events) == len(data) and "not_utf8" not in stats.skipped


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("split", [1, 7, 64 * 1024])
def test_a_stray_byte_does_not_hide_a_records_document(
    tmp_path: Path, gz: bool, split: int
) -> None:
    # A CloudTrail Records document with one invalid byte in a field was skipped whole
    # (not_utf8): every record, the clean ones too, escaped every pattern.  It now reads
    # as U+FFFD like every other family, and the file is flagged, not skipped.
    import gzip

    from cwpattern.scanner import count
    from cwpattern.sources import iter_events

    records = [b'{"eventName":"DisableKey","userAgent":"x\xff"}']
    records += [b'{"eventName":"DisableKey","userAgent":"ok\xef\xbf\xbd"}'] * split
    doc = b'{"Records":[' + b",".join(records) + b"]}\n"
    path = tmp_path / ("trail.json.gz" if gz else "trail.json")
    path.write_bytes(gzip.compress(doc) if gz else doc)
    stats = ScanStats()
    events = list(iter_events([str(path)], stats=stats))
    assert len(events) == len(records) and stats.skipped == {}
    assert stats.flagged == {"not_utf8": 1}
    pattern = '{ $.userAgent = "x*" }'
    assert cwpattern.compile(pattern).matches(records[0])
    assert count(pattern, [str(path)], stats=ScanStats()) == 1
    assert count('{ $.eventName = "DisableKey" }', [str(path)], stats=ScanStats()) == len(records)


def test_a_spelled_replacement_character_is_not_invalid_utf8(tmp_path: Path) -> None:
    from cwpattern.sources import iter_events

    path = tmp_path / "trail.json"
    path.write_bytes('{"Records":[{"userAgent":"ok\ufffd"}]}'.encode())
    stats = ScanStats()
    assert len(list(iter_events([str(path)], stats=stats))) == 1
    assert stats.flagged == {} and stats.skipped == {}
