"""Hostile log inputs (issue 11 items 2, 4, 9; issue 9 items 8, 9): no file or line is
dropped without being counted and reported, and a scan that lost input says so in its
exit status (2) unless the user accepts it (``--skip-ok`` / ``-s``)."""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from cwpattern.cli import main
from cwpattern.commands import grep as grep_command
from cwpattern.sources import ScanStats, expand, iter_events

DIGEST = {
    "awsAccountId": "123456789012",
    "digestStartTime": "2024-05-02T08:00:00Z",
    "digestEndTime": "2024-05-02T09:00:00Z",
    "digestS3Bucket": "trail-bucket",
    "digestS3Object": "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/05/02/x.json.gz",
    "logFiles": [],
    "previousDigestSignature": None,
}


def record(name: str, minute: int = 0) -> dict[str, Any]:
    return {
        "eventTime": f"2024-05-02T09:{minute:02d}:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
    }


def grep(capfdbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, str]:
    code = main(["grep", *argv])
    out, err = capfdbinary.readouterr()
    return code, out, err.decode("utf-8", "replace")


def events(paths: list[Path], **options: Any) -> tuple[list[str], ScanStats]:
    st = ScanStats()
    return [e.message for e in iter_events([str(p) for p in paths], stats=st, **options)], st


# --- item 2: the file-type guess ----------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    ['["web"] started', '{"level": "info"} started', "[1, 2] 3 things", '["web"]'],
)
def test_text_log_whose_first_line_looks_like_json(
    tmp_path: Path, first: str, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "app.log"
    path.write_text(f"{first}\nERROR a\nERROR b\n")
    got, st = events([path])
    assert got == [first, "ERROR a", "ERROR b"] and st.skipped == {}
    code, out, _ = grep(capfdbinary, "ERROR", str(path))
    assert (code, out) == (0, b"ERROR a\nERROR b\n")


def test_real_json_documents_are_still_json(tmp_path: Path) -> None:
    pretty = tmp_path / "array.json"
    pretty.write_text(json.dumps([record("DisableKey")], indent=2))
    lines = tmp_path / "lines.log"
    lines.write_text("\n".join(json.dumps(record(n)) for n in ("A", "B")) + "\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"Records": [{"eventName": "A"}, {"eventName": }]}')
    got, st = events([pretty, lines, broken])
    assert got == [
        json.dumps(record("DisableKey"), separators=(",", ":")),
        json.dumps(record("A")),
        json.dumps(record("B")),
        '{"eventName":"A"}',  # Records are streamed: the records before the error are kept
    ]
    assert st.skipped == {"invalid_json": 1}  # a broken document is reported, not text


def test_stray_nul_does_not_skip_a_text_file(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"INFO start\nERROR \0 injected\n" + b"ERROR b\n" * 100)
    got, st = events([path])
    assert len(got) == 102 and got[1] == "ERROR \0 injected"
    assert st.skipped == {} and st.flagged == {"nul_bytes": 1}
    code, out, err = grep(capfdbinary, "-c", "ERROR", str(path))
    assert (code, out) == (0, b"101\n") and "flagged 1 x nul_bytes" in err


def test_binary_file_is_skipped_and_fails_the_run(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    blob = tmp_path / "core.bin"
    rng = random.Random(7)
    blob.write_bytes(bytes(rng.randrange(256) for _ in range(4096)) + b"\0" * 8)
    log = tmp_path / "a.log"
    log.write_text("ERROR a\n")
    code, out, err = grep(capfdbinary, "ERROR", str(log), str(blob))
    assert (code, out) == (2, b"ERROR a\n") and "skipped 1 x binary_file" in err
    code, out, err = grep(capfdbinary, "--skip-ok", "ERROR", str(log), str(blob))
    assert (code, out) == (0, b"ERROR a\n") and "binary_file" in err
    code, _, err = grep(capfdbinary, "-s", "ERROR", str(log), str(blob))
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    ("content", "options", "reason"),
    [
        (b'{"a":1}\na, not json\n', [], "invalid_json_line"),
        (b"ERROR a\n" + b"x" * 200 + b"\n", ["--max-line-bytes", "100"], "oversized_line"),
    ],
)
# (A JSON line with invalid UTF-8 is no longer skipped: it is an event, decoded with U+FFFD
# and flagged not_utf8 (item 3, tests/hostile/test_decoding.py).)
def test_every_skipped_line_makes_the_status_2(
    tmp_path: Path,
    capfdbinary: pytest.CaptureFixture[bytes],
    content: bytes,
    options: list[str],
    reason: str,
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    # (the skipped line holds the pattern's term: a line that cannot match, whatever it
    # is, need not be examined, and the scanner does not examine it)
    code, _, err = grep(capfdbinary, *options, "a", str(path))
    assert code == 2 and f"skipped 1 x {reason}" in err, err
    code, _, _ = grep(capfdbinary, "--skip-ok", *options, "a", str(path))
    assert code == 0


# --- item 9: truncated gzip ----------------------------------------------------------------


def test_truncated_gzip_keeps_what_was_decompressed(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    data = gzip.compress(b"".join(b"ERROR line %d\n" % i for i in range(300)), mtime=0)
    path = tmp_path / "app.log.gz"
    path.write_bytes(data[:-6])  # the trailer cut: all 300 lines decompress (zcat: 300)
    got, st = events([path])
    assert got == [f"ERROR line {i}" for i in range(300)]
    assert st.skipped == {"bad_gzip": 1} and "truncated" in st.problems[0]
    code, out, err = grep(capfdbinary, "-c", "ERROR", str(path))
    assert (code, out) == (2, b"300\n") and "truncated" in err


# --- item 4: directory walks ---------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")
def test_walk_counts_every_entry_it_leaves_out(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    top = tmp_path / "logs"
    (top / "sub").mkdir(parents=True)
    (top / ".hidden_dir").mkdir()
    (top / ".hidden_dir" / "x.log").write_text("ERROR hidden dir\n")
    (top / ".hidden.log").write_text("ERROR hidden file\n")
    (top / "sub" / "a.log").write_text("ERROR a\n")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "b.log").write_text("ERROR linked\n")
    (top / "link").symlink_to(other, target_is_directory=True)
    (top / "loop").symlink_to(top, target_is_directory=True)  # a cycle
    (top / "broken.log").symlink_to(tmp_path / "missing")
    os.mkfifo(top / "pipe")
    got, st = events([top])
    assert got == ["ERROR a"]
    assert st.ignored == {"hidden": 2, "symlinked_dir": 2}
    assert st.skipped == {"broken_link": 1, "special_file": 1}
    got, st = events([top], follow=True, hidden=True)
    assert got == ["ERROR hidden file", "ERROR hidden dir", "ERROR linked", "ERROR a"]
    assert st.ignored == {"symlink_loop": 1}  # followed once, the cycle stopped
    code, out, err = grep(capfdbinary, "ERROR", str(top))
    assert (code, out) == (2, b"ERROR a\n")  # a broken link and a FIFO could not be read
    for kind in ("hidden", "symlinked_dir", "broken_link", "special_file"):
        assert f" x {kind} (first: " in err, kind
    (top / "broken.log").unlink()
    (top / "pipe").unlink()
    code, out, err = grep(capfdbinary, "ERROR", str(top))
    assert (code, out) == (0, b"ERROR a\n") and "ignored 2 x hidden" in err


# --- issue 9 item 8: trail buckets as `aws s3 sync` leaves them -------------------------------


def bucket(tmp_path: Path) -> Path:
    root = tmp_path / "bucket" / "AWSLogs" / "123456789012"
    trail = root / "CloudTrail" / "us-east-1" / "2024" / "05" / "02"
    digest = root / "CloudTrail-Digest" / "us-east-1" / "2024" / "05" / "02"
    trail.mkdir(parents=True)
    digest.mkdir(parents=True)
    with gzip.open(trail / "123456789012_CloudTrail_us-east-1_20240502T0900Z_a.json.gz", "wt") as f:
        json.dump({"Records": [record("DisableKey", 1), record("Decrypt", 2)]}, f)
    name = "123456789012_CloudTrail-Digest_us-east-1_t_us-east-1_20240502T090000Z.json.gz"
    with gzip.open(digest / name, "wt") as f:
        json.dump(DIGEST, f)
    return tmp_path / "bucket"


def test_digest_files_are_not_events(tmp_path: Path) -> None:
    top = bucket(tmp_path)
    got, st = events([top])
    assert len(got) == 2 and st.ignored == {"cloudtrail_digest": 1} and st.skipped == {}
    # by shape, wherever it lies
    moved = tmp_path / "digest.json"
    moved.write_text(json.dumps(DIGEST))
    got, st = events([moved])
    assert got == [] and st.ignored == {"cloudtrail_digest": 1} and st.skipped == {}


def test_simulate_goes_on_past_files_that_are_not_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = bucket(tmp_path)
    (top / "README.md").write_text("# notes about this bucket\n")
    argv = ["simulate", "-p", "{ $.eventName = DisableKey }", "--cis-alarm", "--format", "json"]
    code = main([*argv, str(top)])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["alarm_state_reached"] and doc["input"]["skipped"] == {"untimed_event": 1}
    assert doc["input"]["ignored"] == {"cloudtrail_digest": 1}
    assert code == 2 and "--skip-ok" in err  # the README line was not evaluated
    assert main([*argv, "--skip-ok", str(top)]) == 0
    capsys.readouterr()
    assert main([*argv, "--exclude", "*.md", str(top)]) == 0
    assert json.loads(capsys.readouterr().out)["input"]["ignored"] == {
        "cloudtrail_digest": 1,
        "excluded": 1,
    }


def test_glob_and_exclude_like_ripgrep(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    for rel in ("a/x.jsonl", "a/y.log", "b/x.jsonl", "b/deep/z.jsonl", "c.jsonl"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(json.dumps({"f": rel}) + "\n")

    def walked(**rules: Any) -> tuple[list[str], dict[str, int]]:
        st = ScanStats()
        found = [os.path.relpath(p, tmp_path) for p in expand([str(tmp_path)], st, **rules)]
        return found, st.ignored

    everything = ["a/x.jsonl", "a/y.log", "b/deep/z.jsonl", "b/x.jsonl", "c.jsonl"]
    assert walked()[0] == everything
    assert walked(globs=["*.jsonl"]) == (
        ["a/x.jsonl", "b/deep/z.jsonl", "b/x.jsonl", "c.jsonl"],
        {"excluded": 1},
    )
    assert walked(globs=["!b"])[0] == ["a/x.jsonl", "a/y.log", "c.jsonl"]
    assert walked(excludes=["b/deep"])[0] == ["a/x.jsonl", "a/y.log", "b/x.jsonl", "c.jsonl"]
    assert walked(globs=["b/**"])[0] == ["b/deep/z.jsonl", "b/x.jsonl"]
    assert walked(globs=["*/x.jsonl"])[0] == ["a/x.jsonl", "b/x.jsonl"]
    code, out, err = grep(capfdbinary, "-c", "--exclude", "a", "-g", "*.jsonl", "f", str(tmp_path))
    assert (code, out) == (0, b"3\n") and "ignored 1 x excluded" in err
    # a file named explicitly is always read
    code, out, _ = grep(capfdbinary, "-c", "-g", "*.jsonl", "f", str(tmp_path / "a" / "y.log"))
    assert (code, out) == (0, b"1\n")


def test_readme_main_job_counts_each_record_once(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """The README's main job scans the flattened copies only (not the S3 trees beside
    them, which hold the same records again)."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    command = next(line for line in readme.splitlines() if "cwpattern grep --count" in line)
    args = command.split("cwpattern grep ", 1)[1]
    assert "--glob '*.jsonl'" in args and "real datasets" not in readme
    data = root / "tests" / "data" / "cloudtrail"
    pattern = "{ $.eventSource = kms.amazonaws.com }"
    code, out, _ = grep(capfdbinary, "-c", "--glob", "*.jsonl", pattern, str(data))
    every = [json.loads(line) for p in sorted(data.glob("*.jsonl")) for line in p.open()]
    ids = [r.get("eventID") for r in every if r.get("eventSource") == "kms.amazonaws.com"]
    assert code == 0 and int(out) == len(ids)
    code, out, _ = grep(capfdbinary, "-c", pattern, str(data))
    assert int(out) > len(ids)  # without the glob, the S3 trees' records count twice


# --- issue 9 item 9: the progress bar --------------------------------------------------------


def test_progress_counts_compressed_bytes_for_gzip(tmp_path: Path) -> None:
    rng = random.Random(3)
    text = "".join(f"ERROR {rng.random()} {'x' * 40}\n" for _ in range(20_000))
    path = tmp_path / "big.log.gz"
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    size = path.stat().st_size
    assert len(text) > 5 * size  # decompressed bytes would pass 100 % early
    st = ScanStats()
    seen: list[int] = []
    from cwpattern.scanner import count

    n = count("ERROR", [str(path)], stats=st, progress=lambda _: seen.append(st.stored_bytes()))
    assert n == 20_000 and seen and seen == sorted(seen)
    assert seen[-1] == size and all(s <= size for s in seen)


def test_progress_bar_closed_before_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    pytest.importorskip("tqdm")
    path = tmp_path / "a.log"
    path.write_text("ERROR a\n" * 10)
    order: list[str] = []
    real_close = grep_command._Progress.close

    def close(self: Any) -> None:
        order.append("bar closed")
        real_close(self)

    class Out:
        def write(self, data: bytes) -> int:
            order.append(f"stdout {data!r}")
            return len(data)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(grep_command._Progress, "close", close)
    monkeypatch.setattr(sys, "stdout", type("S", (), {"buffer": Out()})())
    assert main(["grep", "-c", "--progress", "always", "ERROR", str(path)]) == 0
    assert order == ["bar closed", "stdout b'10\\n'"]
    assert b"100%" in capfdbinary.readouterr().err


def test_a_file_truncated_while_mapped_is_reported_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # logrotate's copytruncate empties a log in place while readers have it open: the
    # mapped pages past the new end would fault (SIGBUS) if touched.  The scan stops at
    # the next window and reports it.
    from cwpattern import scanner

    monkeypatch.setattr(scanner, "_BLOCK", 64 * 1024)
    path = tmp_path / "app.log"
    path.write_bytes(b"ERROR disk full\n" * 100_000)  # 1.6 MB: mapped, 25 windows
    st = ScanStats()
    found = scanner.scan("ERROR", str(path), stats=st, max_line_bytes=1000)
    first = next(found)
    assert first.message == "ERROR disk full"
    os.truncate(path, 0)
    rest = list(found)  # no SIGBUS
    assert 0 < len(rest) + 1 < 100_000
    assert st.skipped == {"changed_while_read": 1}
    assert "shrank to 0 bytes" in st.problems[-1]
