"""CloudTrail S3 trees searched whole (cwpattern.archive and the scanner's Records path):
the matches, locations and counts of every file equal those of the streaming reader
(``iter_events`` + ``CompiledPattern.matches``), with and without isal, msgspec and
hyperscan, on clean documents (which take the fast path: checked) and on every kind of
document it must leave to the streaming reader."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

import cwpattern
from cwpattern import archive, multiliteral, scanner
from cwpattern.scanner import count, scan
from cwpattern.sources import ScanStats, iter_events
from cwpattern.synth import generate

RECORDS = [json.loads(r) for r in generate(300, seed=5, kms_alarm_share=0.05)]

#: Records that are not plain compact CloudTrail (each spelled as given).
ODD = [
    '{"eventSource":"kms.amazonaws.com","eventName":"\\u0044isableKey"}',
    '{"eventSource":"kms.amazonaws.com","eventName":"DisableKey","n":1E2}',
    '{"eventSource":"kms.amazonaws.com","eventName":"DisableKey","n":1E400}',
    '{"eventName":"DisableKey","eventSource":"kms.amazonaws.com","x":[{"a":1},{"b":2}]}',
    '{"eventSource":"kms.amazonaws.com","eventName":"Other","eventName":"DisableKey"}',
    '{"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion","z":-0}',
    '{"n":100.0,"m":"x"}',
    '{"n":1.0E2,"m":"x"}',
    '{"u":"é 字 😀 DisableKey","eventTime":"2024-03-04T08:00:00Z"}',
    "[1,2]",
    '"DisableKey"',
    "7",
    '{"eventSource":"kms.amazonaws.com","eventName":"DisableKey","s":"},{\\"x\\":1"}',
]

PATTERNS = [
    "{($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
    "($.eventName = ScheduleKeyDeletion))}",
    "{ $.userIdentity.type = IAMUser }",
    '{ $.n = "100.0" }',
    "{ $.n = 100 }",
    "{ $.u = %DisableKey% }",
    "DisableKey",  # a term pattern: always streamed
]


def _doc(records: list[str]) -> bytes:
    return ('{"Records":[' + ",".join(records) + "]}").encode()


def _compact(records: list[dict[str, object]]) -> list[str]:
    return [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in records]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    base = _compact(RECORDS)
    files: dict[str, bytes] = {
        # clean documents (the fast path)
        "a/clean.json.gz": gzip.compress(_doc(base[:150])),
        "a/odd.json.gz": gzip.compress(_doc(base[150:200] + ODD + base[200:220])),
        "a/plain.json": _doc(base[220:260]),
        "a/two-members.json.gz": gzip.compress(_doc(base[260:280])[:500])
        + gzip.compress(_doc(base[260:280])[500:]),
        "a/empty.json.gz": gzip.compress(b'{"Records":[]}'),
        # documents the streaming reader decides
        "b/blanks.json.gz": gzip.compress(b'{"Records": [' + ", ".join(base[:20]).encode() + b"]}"),
        "b/other-member.json.gz": gzip.compress(_doc(base[20:40])[:-1] + b',"x":1}'),
        "b/truncated.json.gz": gzip.compress(_doc(base[40:80]))[:-40],
        "b/broken-json.json.gz": gzip.compress(_doc(base[80:90] + ['{"a":}'] + base[90:100])),
        "b/bad-utf8.json.gz": gzip.compress(
            _doc(base[100:110]).replace(b'"eventName":"', b'"eventName":"\xff', 1)
        ),
        "b/trailing.json.gz": gzip.compress(_doc(base[110:120])) + b"garbage",
        "b/lone-surrogate.json.gz": gzip.compress(
            _doc(base[120:125] + ['{"eventName":"DisableKey","s":"\\ud800"}'])
        ),
        "b/deep.json.gz": gzip.compress(
            _doc(base[125:130] + ['{"d":' + "[" * 2000 + "]" * 2000 + "}"] + base[130:140])
        ),
        "b/jsonl.json.gz": gzip.compress("\n".join(base[140:150]).encode()),
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _reference(pattern: str, root: Path) -> tuple[list[tuple[str, str, int | None]], ScanStats]:
    compiled = cwpattern.compile(pattern)
    st = ScanStats()
    out = [
        (e.message, e.location, e.timestamp)
        for e in iter_events([str(root)], stats=st)
        if compiled.matches(e.message)
    ]
    return out, st


@pytest.fixture(params=["fast", "no-isal", "no-msgspec", "no-hyperscan", "no-memmem"])
def libraries(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "no-isal":
        monkeypatch.setattr(archive, "HAVE_ISAL", False)
    elif request.param == "no-msgspec":
        monkeypatch.setattr(archive, "HAVE_FRAMING", False)
    elif request.param == "no-hyperscan":
        monkeypatch.setattr(multiliteral, "HAVE_HYPERSCAN", False)
    elif request.param == "no-memmem":
        monkeypatch.setattr(multiliteral, "HAVE_MEMMEM", False)
    return str(request.param)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_tree_scan_equals_the_streaming_reader(
    tree: Path, pattern: str, libraries: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected, ref_st = _reference(pattern, tree)
    whole: list[str] = []
    real = scanner._archived_records

    def spy(engine: object, path: str, st: ScanStats) -> object:
        got = real(engine, path, st)  # type: ignore[arg-type]
        if got is not None:
            whole.append(Path(path).name)
        return got

    monkeypatch.setattr(scanner, "_archived_records", spy)
    st = ScanStats()
    got = [(m.message, m.location, m.timestamp) for m in scan(pattern, str(tree), stats=st)]
    assert got == expected
    assert (st.events, st.skipped, st.flagged, st.files, st.bytes) == (
        ref_st.events,
        ref_st.skipped,
        ref_st.flagged,
        ref_st.files,
        ref_st.bytes,
    )
    assert st.problems == ref_st.problems
    assert count(pattern, str(tree)) == len(expected)
    assert count(pattern, str(tree), jobs=2) == len(expected)
    # The clean documents were searched whole, when the libraries are there and the
    # pattern is a JSON pattern; the others never.
    fast = libraries == "fast" or (libraries == "no-isal" and archive.HAVE_FRAMING)
    fast = fast and multiliteral.HAVE_HYPERSCAN and archive.HAVE_FRAMING
    if fast and pattern.startswith("{"):
        assert {"clean.json.gz", "odd.json.gz", "plain.json", "empty.json.gz"} <= set(whole)
        assert "two-members.json.gz" in whole
    assert not {n for n in whole if n.startswith(("blanks", "other", "trunc", "broken"))}
    assert not {n for n in whole if n.startswith(("bad-utf8", "trailing", "lone", "deep"))}
    if not pattern.startswith("{"):
        assert whole == []


def test_inflate_with_either_inflater(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _doc(_compact(RECORDS[:50]))
    packed = gzip.compress(doc)
    for isal in (True, False):
        monkeypatch.setattr(archive, "HAVE_ISAL", isal and archive._isal is not None)
        assert archive.inflate(packed, len(doc)) == doc
        assert archive.inflate(packed + gzip.compress(b"x"), len(doc) + 1) == doc + b"x"
        assert archive.inflate(packed, len(doc) - 1) is None  # over the limit
        assert archive.inflate(packed[:-4], len(doc)) is None  # truncated
        assert archive.inflate(packed + b"junk", len(doc)) is None  # trailing garbage
        assert archive.inflate(packed[:20] + b"\0" + packed[21:], len(doc)) is None
        assert archive.inflate(zlib.compress(doc), len(doc)) is None  # not gzip


@pytest.mark.parametrize("isal", [True, False])
def test_inflate_whatever_size_the_trailer_states(
    isal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # inflate first asks for the size the last member's trailer states; members larger
    # than that (an earlier member, or one after an empty last member) take more calls,
    # with the same bytes, limit and damage verdicts.
    monkeypatch.setattr(archive, "HAVE_ISAL", isal and archive._isal is not None)
    doc = _doc(_compact(RECORDS[:40]))
    n = len(doc)
    cases = {
        "one member": gzip.compress(doc),
        "large first": gzip.compress(doc[: n - 7]) + gzip.compress(doc[n - 7 :]),
        "small first": gzip.compress(doc[:7]) + gzip.compress(doc[7:]),
        "empty last": gzip.compress(doc) + gzip.compress(b""),
        "three": gzip.compress(doc[:100]) + gzip.compress(b"") + gzip.compress(doc[100:]),
    }
    for name, packed in cases.items():
        assert archive.inflate(packed, n) == doc, name
        assert archive.inflate(packed, n + 1000) == doc, name
        assert archive.inflate(packed, n - 1) is None, name
        assert archive.inflate(packed, 0) is None, name
        assert archive.inflate(packed[:-1], n) is None, name  # truncated trailer
        assert archive.inflate(packed + b"\0", n) is None, name  # padding: not clean gzip
        assert archive.inflate(packed[:-4] + (n + 1).to_bytes(4, "little"), n + 9) is None
        assert archive.inflate(packed[:-4] + (1).to_bytes(4, "little"), n + 9) is None
    members = cases["large first"]
    first = len(gzip.compress(doc[: n - 7]))
    for cut in range(1, len(members), 97):
        if cut != first:  # there, a whole first member: a clean gzip file of its own
            assert archive.inflate(members[:cut], n) is None, cut


def test_frame_records_only_frames_exact_compact_documents() -> None:
    if not archive.HAVE_FRAMING:
        pytest.skip("msgspec not installed")
    recs = ['{"a":1}', "[1,{}]", '"x"', '{"b":{"c":[{"d":1},{"e":2}]}}']
    doc = _doc(recs)
    frames = archive.frame_records(doc)
    assert frames is not None
    assert [doc[a : a + n].decode() for a, n in zip(frames.starts, frames.sizes)] == recs
    assert archive.frame_records(doc + b"\n") == frames
    assert archive.frame_records(b'{"Records":[]}') == archive.RecordFrames([], [])
    for bad in (
        b'{"Records":[{"a":1}, {"b":2}]}',  # a blank between records
        b'{"Records":[{"a":1}],"x":2}',  # another member
        b'{"Records":[{"a":1}],"Records":[{"b":2}]}',
        b'{"Records":[{"a":1},]}',
        b'{"Records":[{"a":"\xff"}]}',  # invalid UTF-8
        b'{"Records":[{"a":NaN}]}',
        b' {"Records":[{"a":1}]}',
        b'{"Records":[{"a":1}]}x',
    ):
        assert archive.frame_records(bad) is None, bad


def test_other_files_are_not_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A JSON-lines file (plain or gzip) is seen not to be a Records document from its first
    # bytes: never inflated or read whole a second time.
    calls: list[int] = []
    real = archive.inflate

    def spy(data: bytes, limit: int) -> bytes | None:
        calls.append(len(data))
        return real(data, limit)

    monkeypatch.setattr(archive, "inflate", spy)
    line = b'{"eventName":"DisableKey"}\n'
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(line * 1000))
    (tmp_path / "b.json").write_bytes(line * 1000)
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(_doc([line.strip().decode()] * 10)))
    assert count("{ $.eventName = DisableKey }", str(tmp_path)) == 2010
    assert len(calls) == (1 if archive.HAVE_FRAMING and multiliteral.HAVE_HYPERSCAN else 0)
