"""``cwpattern grep``: output forms, exit codes, parallel output, stdin, progress."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cwpattern
from cwpattern import scanner as scan_module
from cwpattern.cli import main
from cwpattern.sources import iter_events
from cwpattern.synth import generate

CIS_47 = (
    "{($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
    "($.eventName = ScheduleKeyDeletion))}"
)
SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("grep")
    with open(root / "trail.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(record + "\n" for record in generate(2000, seed=11, kms_alarm_share=0.01))
    with gzip.open(root / "more.jsonl.gz", "wt", encoding="utf-8") as fh:
        for record in generate(300, seed=12, kms_alarm_share=0.05):
            fh.write(record + "\n")
    return root


def _expected(pattern: str, paths: list[str]) -> list[str]:
    compiled = cwpattern.compile(pattern)
    return [e.message for e in iter_events(paths) if compiled.matches(e.message)]


def _run(capfdbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, str]:
    code = main(["grep", *argv])
    out, err = capfdbinary.readouterr()
    return code, out, err.decode("utf-8", "replace")


def test_prints_matching_messages(trail: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    expected = _expected(CIS_47, [str(trail)])
    assert expected
    code, out, _ = _run(capfdbinary, CIS_47, str(trail))
    assert code == 0
    assert out.decode("utf-8").splitlines() == expected


def test_count(trail: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = _run(capfdbinary, "--count", "AccessDenied", str(trail))
    assert code == 0 and out == b"%d\n" % len(_expected("AccessDenied", [str(trail)]))
    code, out, _ = _run(capfdbinary, "-c", "NoSuchTermAnywhere", str(trail))
    assert code == 1 and out == b"0\n"


def test_json_output(trail: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = _run(capfdbinary, "--json", CIS_47, str(trail / "trail.jsonl"))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["message"] for r in rows] == _expected(
        CIS_47, [str(trail / "trail.jsonl")]
    )
    events = {e.message: e for e in iter_events([str(trail / "trail.jsonl")])}
    for row in rows:
        event = events[row["message"]]
        assert row["location"] == event.location and row["timestamp"] == event.timestamp
        assert row["extractedValues"] == {}


def test_extracted_values_in_json(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(b'1.2.3.4 - ana "GET /a" 404 7\n1.2.3.5 - bob "GET /b" 200 9\n')
    code, out, _ = _run(capfdbinary, "--json", "[ip, id, user, req, status = 4*, size]", str(log))
    assert code == 0
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["extractedValues"] == {
        "$ip": "1.2.3.4",
        "$id": "-",
        "$user": "ana",
        "$req": "GET /a",
        "$status": "404",
        "$size": "7",
    }
    assert row["location"] == f"{log}:1" and row["timestamp"] is None


def test_jobs_give_the_same_ordered_output(
    trail: Path, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_module, "_UNIT", 256 * 1024)  # several units per file
    for args in (
        ["{ $.userIdentity.type = IAMUser }"],
        ["--json", "Decrypt"],
        ["-c", "--", "-Get"],
    ):
        one = _run(capfdbinary, "--jobs", "1", *args, str(trail))
        two = _run(capfdbinary, "--jobs", "2", *args, str(trail))
        assert one == two and one[0] == 0 and one[1], (one[2], two[2])


def test_exit_codes(trail: Path, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert _run(capfdbinary, "{ $.a = ", str(trail))[0] == 2  # syntax error
    missing = str(tmp_path / "missing.jsonl")
    code, out, err = _run(capfdbinary, "-c", "--total", "AccessDenied", str(trail), missing)
    assert code == 2 and int(out) > 0 and "missing.jsonl: unreadable_file" in err
    assert _run(capfdbinary, "-q", "AccessDenied", str(trail), missing)[0] == 0
    assert _run(capfdbinary, "-q", "NoSuchTerm", str(trail))[:2] == (1, b"")
    assert _run(capfdbinary, "-s", "-c", "AccessDenied", missing)[2] == ""


def test_skipped_data_is_reported_and_exits_2_unless_accepted(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "x.log"
    path.write_bytes(b"ERROR a\n" + b"E" * 100 + b"\nERROR b\n")
    code, out, err = _run(capfdbinary, "--max-line-bytes", "50", "ERROR", str(path))
    assert code == 2 and out == b"ERROR a\nERROR b\n"
    assert "skipped 1 x oversized_line" in err and "--skip-ok" in err
    for accept in ("--skip-ok", "-s"):
        code, out, _ = _run(capfdbinary, accept, "--max-line-bytes", "50", "ERROR", str(path))
        assert code == 0 and out == b"ERROR a\nERROR b\n"
    code, _, _ = _run(capfdbinary, "--skip-ok", "--max-line-bytes", "50", "nothing", str(path))
    assert code == 1


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "cwpattern", "grep", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_stdin_and_progress(trail: Path) -> None:
    data = (trail / "trail.jsonl").read_bytes()
    result = _cli("-c", "AccessDenied", stdin=data)
    assert result.returncode == 0
    assert int(result.stdout) == len(_expected("AccessDenied", [str(trail / "trail.jsonl")]))
    assert result.stderr == b""  # stderr is not a terminal: no progress bar
    shown = _cli("-c", "--progress", "always", "AccessDenied", str(trail))
    assert b"100%" in shown.stderr and int(shown.stdout) > 0


def test_closed_pipe_is_not_an_error(trail: Path) -> None:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = f"{sys.executable} -m cwpattern grep Decrypt {trail / 'trail.jsonl'} | head -n 1"
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {cmd}"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.count(b"\n") == 1
    assert b"Traceback" not in result.stderr


def test_count_each_one_line_per_pattern_in_order(
    trail: Path, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    from cwpattern import controls

    patterns_file = tmp_path / "patterns.txt"
    patterns_file.write_text("AccessDenied\n\n{ $.userIdentity.type = IAMUser }\n", "utf-8")
    argv = ["--count", "--each", "-e", CIS_47, "-f", str(patterns_file), "--control"]
    code, out, _ = _run(capfdbinary, *argv, "cis-aws-3.0.0", "-e", "Decrypt", str(trail))
    cis = controls.resolve("cis-aws-3.0.0")
    labels = [CIS_47, "AccessDenied", "{ $.userIdentity.type = IAMUser }"]
    labels += [c.id for c in cis] + ["Decrypt"]
    texts = labels[:3] + [c.effective_pattern for c in cis] + ["Decrypt"]
    expected = [f"{len(_expected(t, [str(trail)]))}\t{label}" for t, label in zip(texts, labels)]
    assert code == 0 and out.decode("utf-8").splitlines() == expected
    assert int(expected[0].split("\t")[0]) > 0


def test_count_each_and_several_patterns_with_jobs(
    trail: Path, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several work units per file, and a gzip file scanned whole by a worker.
    monkeypatch.setattr(scan_module, "_UNIT", 256 * 1024)
    started = []
    real = scan_module._start_method
    monkeypatch.setattr(scan_module, "_start_method", lambda: started.append(1) or real())
    missing = str(trail / "missing.jsonl")
    for args in (
        ["--count", "--each", "-e", CIS_47, "-e", "AccessDenied", "--control", "cis-aws-3.0.0"],
        ["-e", "Decrypt", "-e", "{ $.userIdentity.type = IAMUser }"],
        ["--json", "-e", "Decrypt", "-e", "{ $.userIdentity.type = IAMUser }"],
    ):
        one = _run(capfdbinary, "--jobs", "1", *args, str(trail), missing)
        two = _run(capfdbinary, "--jobs", "2", *args, str(trail), missing)
        assert one == two and one[0] == 2 and one[1], (one[2], two[2])
        assert "missing.jsonl: unreadable_file" in two[2] and "ignored" not in two[2]
    assert len(started) == 3  # the --jobs 2 runs did start workers


def test_repeated_e_means_any_of_them(
    trail: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    a, b = "AccessDenied", "{ $.eventSource = kms.amazonaws.com }"
    want = [
        m for m in _expected("", [str(trail)]) if cwpattern.matches(a, m) or cwpattern.matches(b, m)
    ]
    code, out, _ = _run(capfdbinary, "-e", a, "-e", b, str(trail))
    assert code == 0 and out.decode("utf-8").splitlines() == want
    code, out, _ = _run(capfdbinary, "--count", "-e", a, "-e", b, str(trail))
    assert out == b"%d\n" % len(want)
    code, out, _ = _run(capfdbinary, "--count", "-e", "NoSuchTermAnywhere", str(trail))
    assert code == 1 and out == b"0\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["--each", "AccessDenied"],  # --each without --count and -e
        ["--count", "--each", "-e", "{ $.a = "],  # invalid pattern
        ["--count", "--each", "--control", "cis-aws-9.9.9"],  # unknown benchmark
        ["--count", "-f", "/nonexistent/patterns.txt"],
        ["-l", "-e", "AccessDenied"],  # per-file options take one pattern
    ],
)
def test_several_patterns_errors(
    trail: Path, capfdbinary: pytest.CaptureFixture[bytes], argv: list[str]
) -> None:
    code, out, _ = _run(capfdbinary, *argv, str(trail))
    assert code == 2 and out == b""
