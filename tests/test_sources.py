"""cwpattern.sources: every input shape, from the real copied data and from files made here."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sys
import tracemalloc
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from cwpattern.sources import FORMATS, ScanStats, iter_events, iter_lines_bytes

CT = Path(__file__).parent / "data" / "cloudtrail"
INVICTUS_TREE = CT / "invictus-ir_aws_dataset" / "AWSLogs"
S3_DAY = INVICTUS_TREE / "218007301253" / "CloudTrail" / "us-east-1" / "2023" / "07" / "10"
STRATUS = CT / "stratus-red-team_detonation-logs"


def scan(paths, **kw):  # type: ignore[no-untyped-def]
    stats = ScanStats()
    events = list(iter_events([str(p) for p in paths], stats=stats, **kw))
    return events, stats


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def iso_ms(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


# --------------------------------------------------------------------------- real data


@pytest.mark.parametrize(
    "name, count",
    [
        ("kms_doc_examples.jsonl", 67),
        ("cloudtrail_doc_examples.jsonl", 24),
        ("invictus-ir_aws_dataset.records.jsonl", 2900),
        ("stratus-red-team_detonation-logs.records.jsonl", 310),
    ],
)
def test_real_jsonl_files_give_each_line_verbatim(name: str, count: int) -> None:
    path = CT / name
    events, stats = scan([path])
    lines = lines_of(path)
    assert len(lines) == count and [e.message for e in events] == lines
    assert [e.location for e in events] == [f"{path}:{i}" for i in range(1, count + 1)]
    assert (stats.files, stats.events, stats.bytes, stats.skipped) == (
        1,
        count,
        path.stat().st_size,
        {},
    )
    for event in events:
        record = json.loads(event.message)
        expected = iso_ms(record["eventTime"]) if "eventTime" in record else None
        assert event.timestamp == expected


def test_real_s3_tree_is_walked_sorted_and_records_reserialised_as_cloudtrail_does() -> None:
    events, stats = scan([INVICTUS_TREE])
    names = [
        "218007301253_CloudTrail_us-east-1_20230710T1205Z_nx9Yx1FyJdBaTqKj.json",
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_2ru8PrDKZmsO3yWC.json",
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_RBxlxVrF890sGHGg.json.gz",
        "218007301253_CloudTrail_us-east-1_20230710T1230Z_GyyPwrInk2rgv8V0.json",
    ]
    counts = [10, 3, 20, 2]
    expected_locations = [
        f"{S3_DAY / n}#Records[{i}]" for n, c in zip(names, counts) for i in range(c)
    ]
    assert [e.location for e in events] == expected_locations
    # The curated JSON-lines copy holds the same records, compact, one per line: the
    # messages must be exactly those lines (what CloudTrail sends to CloudWatch Logs).
    compact = set(lines_of(CT / "invictus-ir_aws_dataset.records.jsonl"))
    assert all(e.message in compact for e in events)
    assert len({e.message for e in events}) == 35
    assert sum('"eventSource":"kms.amazonaws.com"' in e.message for e in events) == 7
    decompressed = sum((S3_DAY / n).stat().st_size for n in names if not n.endswith(".gz"))
    decompressed += len(gzip.decompress((S3_DAY / names[2]).read_bytes()))
    assert (stats.files, stats.events, stats.bytes, stats.skipped) == (4, 35, decompressed, {})
    assert all(e.timestamp == iso_ms(json.loads(e.message)["eventTime"]) for e in events)


def test_real_stratus_arrays_of_records() -> None:
    files = sorted(STRATUS.glob("aws.*.json"))
    events, stats = scan(files)
    assert [e.location.rsplit("/", 1)[1] for e in events] == [
        "aws.defense-evasion.cloudtrail-stop.json#[0]",
        *[f"aws.defense-evasion.organizations-leave.json#[{i}]" for i in range(3)],
        *[f"aws.persistence.iam-create-admin-user.json#[{i}]" for i in range(3)],
        *[f"aws.persistence.sts-federation-token.json#[{i}]" for i in range(2)],
    ]
    compact = set(lines_of(CT / "stratus-red-team_detonation-logs.records.jsonl"))
    assert all(e.message in compact for e in events) and stats.skipped == {}
    assert sum('"type":"FederatedUser"' in e.message for e in events) == 1


def test_directory_walk_reads_text_files_beside_the_data_as_text() -> None:
    events, stats = scan([STRATUS])
    text_files = [STRATUS / n for n in ("LICENSE", "NOTICE", "PROVENANCE.md")]
    text_lines = [ln for f in text_files for ln in f.read_text(encoding="utf-8").split("\n")[:-1]]
    non_empty = [ln for ln in text_lines if ln]
    assert stats.files == 7
    assert stats.events == len(events) == 9 + len(non_empty)
    assert stats.skipped == {"empty_line": len(text_lines) - len(non_empty)}
    assert [e.message for e in events if e.location.startswith(str(STRATUS / "LICENSE:"))] == [
        ln for ln in (STRATUS / "LICENSE").read_text(encoding="utf-8").split("\n")[:-1] if ln
    ]


# --------------------------------------------------------------------------- made-up files


def test_jsonl_lines_are_verbatim_not_reserialised_and_gzip_is_transparent(tmp_path: Path) -> None:
    lines = [
        '{"b": 1,  "a": "é"}',
        '{"eventTime":"2024-03-04T08:00:01Z","x":[1,2]}',
        '  {"c":null}  ',
    ]
    plain, packed = tmp_path / "a.jsonl", tmp_path / "b.log.gz"
    plain.write_text("\n".join(lines) + "\n", encoding="utf-8")
    packed.write_bytes(gzip.compress(("\r\n".join(lines)).encode()))
    for path in (plain, packed):
        events, stats = scan([path])
        assert [e.message for e in events] == lines
        assert [e.timestamp for e in events] == [None, 1709539201000, None]
        assert stats.skipped == {}


def test_invalid_and_empty_json_lines_are_skipped_and_located(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"ok":1}\nnot json\n{"ok":2}\n{"truncated":\n\n{"nan":NaN}\n'
        + b"[" * 5000
        + b'\n{"bad":"\xff"}\n{"ok":3}'
    )
    events, stats = scan([path])
    # A line with invalid UTF-8 is an event, decoded with U+FFFD (spec §4.3), and flagged.
    assert [(e.message, e.location) for e in events] == [
        ('{"ok":1}', f"{path}:1"),
        ('{"ok":2}', f"{path}:3"),
        ('{"bad":"\ufffd"}', f"{path}:8"),
        ('{"ok":3}', f"{path}:9"),
    ]
    assert stats.skipped == {"invalid_json_line": 4, "empty_line": 1}
    assert stats.flagged == {"not_utf8": 1}
    assert [p.split(": ")[0] for p in stats.problems] == [f"{path}:{n}" for n in (2, 4, 5, 6, 7, 8)]


def test_first_line_broken_falls_back_to_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"eventVersion":"1.08","eventTi\n{"a":1}\n{"a":2}\n', encoding="utf-8")
    events, stats = scan([path])
    assert [e.message for e in events] == ['{"a":1}', '{"a":2}']
    assert stats.skipped == {"invalid_json_line": 1}


def test_records_file_pretty_printed_and_gzip(tmp_path: Path) -> None:
    doc = {
        "Records": [
            {"eventTime": "2024-03-04T08:00:00Z", "eventName": "Décrypt", "n": 1.5},
            "not a record",
            {"eventName": "X", "big": 10**30},
        ]
    }
    pretty, packed = tmp_path / "r.json", tmp_path / "r.json.gz"
    pretty.write_text(json.dumps(doc, indent=3, ensure_ascii=True), encoding="utf-8")
    packed.write_bytes(gzip.compress(json.dumps(doc).encode()))
    for path in (pretty, packed):
        events, stats = scan([path])
        assert [(e.message, e.location, e.timestamp) for e in events] == [
            (
                '{"eventTime":"2024-03-04T08:00:00Z","eventName":"Décrypt","n":1.5}',
                f"{path}#Records[0]",
                1709539200000,
            ),
            ('{"eventName":"X","big":1000000000000000000000000000000}', f"{path}#Records[2]", None),
        ]
        assert stats.skipped == {"not_a_record": 1}
        assert stats.problems == [f"{path}#Records[1]: not_a_record: JSON str, not an object"]


def test_concatenated_pretty_documents_and_bare_records(tmp_path: Path) -> None:
    path = tmp_path / "jq-output.json"
    path.write_text(
        '{\n  "eventName": "A"\n}\n{\n  "Records": [\n {"eventName": "B"}]\n}\n7\n',
        encoding="utf-8",
    )
    events, stats = scan([path])
    assert [(e.message, e.location) for e in events] == [
        ('{"eventName":"A"}', f"{path}:1"),
        ('{"eventName":"B"}', f"{path}:4#Records[0]"),
    ]
    assert stats.skipped == {"not_a_record": 1}


def test_broken_document_is_counted_once(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{\n  "Records": [\n    {"eventName": "A"},\n    {"eventN', encoding="utf-8")
    events, stats = scan([path])
    # Records documents are streamed: the records before the cut are delivered.
    assert [e.message for e in events] == ['{"eventName":"A"}']
    assert stats.skipped == {"invalid_json": 1}
    assert stats.problems[0].startswith(f"{path}:4: invalid_json: ")


def test_aws_logs_filter_log_events_output(tmp_path: Path) -> None:
    out = {
        "events": [
            {
                "logStreamName": "s1",
                "timestamp": 1709539200123,
                "message": "plain text line",
                "ingestionTime": 1709539201000,
                "eventId": "1",
            },
            {"logStreamName": "s1", "timestamp": 1709539200456, "message": '{"a": 1,  "b":2}'},
            {"logStreamName": "s1", "timestamp": "soon", "message": "no numeric timestamp"},
            {"logStreamName": "s1", "timestamp": 1},
            "junk",
        ],
        "searchedLogStreams": [],
        "nextToken": "x",
    }
    path = tmp_path / "filter-log-events.json"
    path.write_text(json.dumps(out, indent=4), encoding="utf-8")
    events, stats = scan([path])
    assert [(e.message, e.timestamp, e.location) for e in events] == [
        ("plain text line", 1709539200123, f"{path}#events[0]"),
        ('{"a": 1,  "b":2}', 1709539200456, f"{path}#events[1]"),
        ("no numeric timestamp", None, f"{path}#events[2]"),
    ]
    assert stats.skipped == {"bad_event": 2}


def test_cloudtrail_lookup_events_output(tmp_path: Path) -> None:
    record = '{"eventVersion":"1.08","eventName":"DisableKey"}'
    out = {
        "Events": [
            {
                "EventId": "e1",
                "EventName": "DisableKey",
                "EventTime": "2024-03-04T08:00:00+00:00",
                "CloudTrailEvent": record,
            },
            {"EventId": "e2", "EventTime": 1709539200.5, "CloudTrailEvent": record},
            {"EventId": "e3"},
        ]
    }
    path = tmp_path / "lookup.json"
    path.write_text(json.dumps(out), encoding="utf-8")
    events, stats = scan([path])
    assert [(e.message, e.timestamp) for e in events] == [
        (record, 1709539200000),
        (record, 1709539200500),
    ]
    assert stats.skipped == {"bad_event": 1}


def test_text_logs_crlf_brackets_and_braces_are_text(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"[2024-03-04 08:00:00] INFO start\r\n{main} ready\r\n\r\n  \nlast")
    events, stats = scan([path])
    assert [e.message for e in events] == [
        "[2024-03-04 08:00:00] INFO start",
        "{main} ready",
        "  ",
        "last",
    ]
    assert [e.location for e in events] == [f"{path}:{n}" for n in (1, 2, 4, 5)]
    assert stats.skipped == {"empty_line": 1} and all(e.timestamp is None for e in events)


def test_non_utf8_text_is_delivered_with_replacement_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "latin1.log"
    path.write_bytes("café ok\n".encode("latin-1") + "naïve ok\n".encode())
    events, stats = scan([path])
    assert [e.message for e in events] == ["caf\ufffd ok", "naïve ok"]
    assert stats.flagged == {"not_utf8": 1} and stats.skipped == {}


def test_binary_garbage_is_skipped_in_auto_and_survives_as_text(tmp_path: Path) -> None:
    path = tmp_path / "core.bin"
    rng = random.Random(1)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(20000)) + b"\0")
    events, stats = scan([path])
    assert events == [] and stats.skipped == {"binary_file": 1}
    events, stats = scan([path], fmt="text")
    pieces = path.read_bytes().split(b"\n")
    last = len(pieces) - 1
    pieces = [p[:-1] if p.endswith(b"\r") and i < last else p for i, p in enumerate(pieces)]
    messages = [e.message for e in events]
    assert messages == [p.decode("utf-8", "replace") for p in pieces if p]
    assert stats.skipped.get("empty_line", 0) == pieces.count(b"")
    assert stats.flagged["not_utf8"] == sum(1 for p in pieces if p and _not_utf8(p)) > 0


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_bad_and_truncated_gzip(tmp_path: Path) -> None:
    fake = tmp_path / "fake.json.gz"
    fake.write_text('{"Records":[]}', encoding="utf-8")
    lines = [f'{{"n":{i},"pad":"{"x" * 50}"}}' for i in range(2000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    complete = zlib.decompressobj(31).decompress(data[: len(data) // 2]).count(b"\n")
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(200)))
    events, stats = scan([fake, cut, garbage])
    assert [e.message for e in events] == lines[:complete] and 0 < complete < 2000
    # everything decompressed is read (as zcat): the cut last line is reported, not lost
    assert stats.skipped == {"bad_gzip": 3, "invalid_json_line": 1} and stats.files == 3
    assert [p.split(": ")[0] for p in stats.problems] == [
        str(fake),
        str(cut),
        f"{cut}:{complete + 1}",
        str(garbage),
    ]


def test_oversized_lines_are_skipped_without_buffering_them(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"a":1}\n{"big":"')
        for _ in range(20):
            fh.write(b"x" * (1 << 20))
        fh.write(b'"}\n' + b'{"b":' + b"1" * 90 + b'}\n{"c":3}\n{"tail":"' + b"y" * 200)
    tracemalloc.start()
    try:
        events, stats = scan([path], max_line_bytes=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(e.message, e.location) for e in events] == [
        ('{"a":1}', f"{path}:1"),
        ('{"b":' + "1" * 90 + "}", f"{path}:3"),
        ('{"c":3}', f"{path}:4"),
    ]
    assert stats.skipped == {"oversized_line": 2} and stats.bytes == path.stat().st_size
    assert peak < 2 << 20, f"peak {peak} bytes while skipping a 20 MiB line"
    # exactly at the limit is accepted, one byte more is not
    edge = tmp_path / "edge.log"
    edge.write_bytes(b"a" * 100 + b"\r\n" + b"b" * 101 + b"\n" + b"c" * 100)
    events, stats = scan([edge], max_line_bytes=100)
    assert [e.message for e in events] == ["a" * 100, "c" * 100]
    assert stats.skipped == {"oversized_line": 1}


def test_oversized_document(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    doc = {"events": [{"message": f"m{i}"} for i in range(100)]}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    events, stats = scan([path], max_document_bytes=500)
    assert events == [] and stats.skipped == {"oversized_document": 1}
    events, stats = scan([path], max_document_bytes=path.stat().st_size)
    assert len(events) == 100
    # Records documents are streamed: the limit applies to each record, not to the file.
    records = tmp_path / "records.json"
    big = {"Records": [{"i": i} for i in range(100)] + [{"pad": "x" * 600}, {"i": 100}]}
    records.write_text(json.dumps(big, indent=1), encoding="utf-8")
    events, stats = scan([records], max_document_bytes=500)
    assert len(events) == 100 and stats.skipped == {"oversized_document": 1}
    assert stats.problems[0].startswith(f"{records}#Records[100]: oversized_document")


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_and_missing_files_are_counted(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"a":1}\n', encoding="utf-8")
    missing = tmp_path / "missing.jsonl"
    locked = tmp_path / "locked.jsonl"
    locked.write_text('{"secret":1}\n', encoding="utf-8")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # root reads anything
            pytest.skip("running as a user that can read mode-000 files")
        events, stats = scan([missing, locked, good])
    finally:
        locked.chmod(0o600)
    assert [e.message for e in events] == ['{"a":1}']
    assert stats.skipped == {"unreadable_file": 2} and stats.files == 1
    assert stats.problems[0] == f"{missing}: unreadable_file: No such file or directory"


def test_missing_file_even_as_root(tmp_path: Path) -> None:
    events, stats = scan([tmp_path / "nope.log"])
    assert events == [] and stats.skipped == {"unreadable_file": 1} and stats.files == 0


def test_directory_tree_sorted_hidden_skipped(tmp_path: Path) -> None:
    (tmp_path / "b" / "2").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    for rel, text in {
        "b/2/z.log": "z",
        "b/1.log": "b1",
        "a/x.log": "ax",
        "c.log": "c",
        ".hidden.log": "h",
        ".git/HEAD": "ref",
        "b/.swp": "s",
    }.items():
        (tmp_path / rel).write_text(text + "\n", encoding="utf-8")
    events, stats = scan([tmp_path])
    assert [e.message for e in events] == ["ax", "b1", "z", "c"]
    assert stats.files == 4


def test_stdin_binary_text_and_gzip(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = b'{"a":1}\n{"b":2}\n'
    for paths in (None, [], ["-"]):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
        stats = ScanStats()
        events = list(iter_events(paths, stats=stats))
        assert [(e.message, e.location) for e in events] == [
            ('{"a":1}', "<stdin>:1"),
            ('{"b":2}', "<stdin>:2"),
        ]
        assert stats.files == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO("no buffer here\nline 2\n"))
    assert [e.message for e in iter_events(["-"])] == ["no buffer here", "line 2"]
    monkeypatch.setattr(
        sys,
        "stdin",
        io.TextIOWrapper(io.BytesIO(gzip.compress(json.dumps({"Records": [{"x": 1}]}).encode()))),
    )
    got = [(e.message, e.location) for e in iter_events(None)]
    assert got == [('{"x":1}', "<stdin>#Records[0]")]
    monkeypatch.setattr(sys, "stdin", None)
    stats = ScanStats()
    assert list(iter_events(None, stats=stats)) == [] and stats.skipped == {"unreadable_file": 1}


def test_explicit_formats(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\nplain\n{"b":2}\n', encoding="utf-8")
    texts = [e.message for e in iter_events([str(path)], fmt="text")]
    assert texts == ['{"a": 1}', "plain", '{"b":2}']
    stats = ScanStats()
    texts = [e.message for e in iter_events([str(path)], fmt="jsonl", stats=stats)]
    assert texts == ['{"a": 1}', '{"b":2}']
    assert stats.skipped == {"invalid_json_line": 1}
    one_per_line = tmp_path / "y.txt"
    one_per_line.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    events = list(iter_events([str(one_per_line)], fmt="json"))
    assert [(e.message, e.location) for e in events] == [
        ('{"a":1}', f"{one_per_line}:1"),
        ('{"b":2}', f"{one_per_line}:2"),
    ]
    assert "auto" in FORMATS
    with pytest.raises(ValueError, match="unknown format"):
        list(iter_events([str(path)], fmt="xml"))


def test_single_path_string_is_not_split_into_characters() -> None:
    path = CT / "kms_doc_examples.jsonl"
    assert sum(1 for _ in iter_events(str(path))) == 67  # type: ignore[arg-type]


def test_iter_lines_bytes_offsets_and_numbers(tmp_path: Path) -> None:
    data = b"first\r\n\nthird line\nfourth"
    plain, packed = tmp_path / "p.log", tmp_path / "p.log.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    for path in (plain, packed):
        stats = ScanStats()
        got = [(r.lineno, r.offset, r.data) for r in iter_lines_bytes([str(path)], stats=stats)]
        assert got == [(1, 0, b"first"), (3, 8, b"third line"), (4, 19, b"fourth")]
        assert all(data[off : off + len(d)] == d for _, off, d in got)
        assert stats.skipped == {"empty_line": 1} and stats.bytes == len(data)


def test_problem_list_is_capped_but_counts_are_not(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"ok":0}\n' + "nope\n" * 120, encoding="utf-8")
    events, stats = scan([path])
    assert len(events) == 1 and stats.skipped == {"invalid_json_line": 120}
    assert len(stats.problems) == stats.max_problems == 50
    assert stats.to_dict()["skipped"] == {"invalid_json_line": 120}


def test_read_error_mid_file_keeps_earlier_events(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cwpattern import sources

    failed_at: list[int] = []

    class Failing(io.BytesIO):
        def read1(self, n: int = -1) -> bytes:  # type: ignore[override]
            if self.tell() >= 150_000:
                failed_at.append(self.tell())
                raise OSError(5, "Input/output error")
            return super().read1(min(n, 4096))

    lines = [f"line {i:05} ".ljust(99, "x") for i in range(2000)]  # 100 bytes with the newline
    path = tmp_path / "disk.log"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    monkeypatch.setattr(
        sources, "open", lambda p, mode: Failing(Path(p).read_bytes()), raising=False
    )
    events, stats = scan([path])
    assert failed_at and [e.message for e in events] == lines[: failed_at[0] // 100]
    assert stats.skipped == {"read_error": 1}
    assert stats.problems == [f"{path}: read_error: Input/output error"]


def test_compact_records_fast_path_equals_the_slow_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Records that orjson would re-encode as they are written take a fast path; every
    # other one (floats, -0, big ints, escapes, duplicate keys, blanks) the slow one.
    from cwpattern import sources

    if sources._orjson is None:
        pytest.skip("orjson not installed")
    records = [
        '{"eventName":"A","resources":[{"a":1},{"b":2},{"c":[{}]}],"x":"},{"}',
        '{"n":1.5,"m":"x"}',
        '{"n":1e16}',
        '{"n":-0,"m":0}',
        '{"n":123456789012345678901234567890}',
        '{"s":"\\u0041\\n\\t\\"\\\\ \\/"}',
        '{"k":1,"k":2}',
        '{"k": 1}',
        '{"u":"é 字 😀","eventTime":"2024-03-04T08:00:00Z"}',
        '{"z":0.000015}',
        "[1,2]",
        '{"deep":' + "[" * 50 + "]" * 50 + "}",
        '{"last":true}',
    ]
    body = '{"Records":[' + ",".join(records) + '],"other":{"a":[1]}}\n{"Records":[]}'
    path = tmp_path / "compact.json"
    path.write_text(body, encoding="utf-8")
    fast_stats = ScanStats()
    taken: list[str] = []
    real = sources._compact_record

    def spy(win, loc, st, ts_of):  # type: ignore[no-untyped-def]
        event = real(win, loc, st, ts_of)
        if event is not None:
            taken.append(event.message)
        return event

    monkeypatch.setattr(sources, "_compact_record", spy)
    fast = [
        (e.message, e.location, e.timestamp) for e in iter_events([str(path)], stats=fast_stats)
    ]
    assert taken == [records[8], records[11]]  # the others go the slow way
    monkeypatch.setattr(sources, "_orjson", None)
    slow_stats = ScanStats()
    slow = [
        (e.message, e.location, e.timestamp) for e in iter_events([str(path)], stats=slow_stats)
    ]
    assert fast == slow and fast_stats == slow_stats
    assert len(fast) == len(records) - 1 and fast_stats.skipped == {"not_a_record": 1}
    assert fast[2][0] == '{"n":1e+16}' and fast[6][0] == '{"k":2}'
