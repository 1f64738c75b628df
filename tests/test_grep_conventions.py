"""``cwpattern grep`` output conventions as ripgrep users expect (issue 14 item 5): -l,
-H/-I, -n (line or record index), -v, -m, per-file -c and --total, --json file/position."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.cli import main


def grep(capfdbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, list[str]]:
    code = main(["grep", *argv])
    out = capfdbinary.readouterr().out.decode()
    return code, out.splitlines()


@pytest.fixture()
def logs(tmp_path: Path) -> Path:
    (tmp_path / "a.log").write_text("ERROR one\nINFO two\nERROR three\nERROR four\n")
    (tmp_path / "b.log").write_text("INFO only\n")
    records = [{"eventName": n, "eventTime": "2024-05-02T09:00:00Z"} for n in ("A", "B", "A")]
    (tmp_path / "c.json").write_text(json.dumps({"Records": records}))
    return tmp_path


def test_files_with_matches(logs: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out = grep(capfdbinary, "-l", "ERROR", str(logs))
    assert code == 0 and out == [str(logs / "a.log")]
    code, out = grep(capfdbinary, "-l", "{ $.eventName = A }", str(logs))
    assert code == 0 and out == [str(logs / "c.json")]
    code, out = grep(capfdbinary, "-l", "NOTHING", str(logs))
    assert code == 1 and out == []


def test_file_names_and_positions(logs: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    a = str(logs / "a.log")
    assert grep(capfdbinary, "-n", "ERROR", a)[1] == [
        "1:ERROR one",
        "3:ERROR three",
        "4:ERROR four",
    ]
    assert grep(capfdbinary, "-H", "ERROR t", a)[1] == [f"{a}:ERROR three"]
    assert grep(capfdbinary, "-Hn", "ERROR t", a)[1] == [f"{a}:3:ERROR three"]
    c = str(logs / "c.json")
    assert grep(capfdbinary, "-Hn", "{ $.eventName = A }", c)[1] == [
        f'{c}:Records[0]:{{"eventName":"A","eventTime":"2024-05-02T09:00:00Z"}}',
        f'{c}:Records[2]:{{"eventName":"A","eventTime":"2024-05-02T09:00:00Z"}}',
    ]
    assert grep(capfdbinary, "ERROR t", a)[1] == ["ERROR three"]  # bare by default


def test_invert_and_max_count(logs: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    a, b = str(logs / "a.log"), str(logs / "b.log")
    assert grep(capfdbinary, "-v", "ERROR", a, b) == (0, ["INFO two", "INFO only"])
    assert grep(capfdbinary, "-v", "-c", "--total", "ERROR", a, b) == (0, ["2"])
    assert grep(capfdbinary, "-v", "-n", "-H", "ERROR", b) == (0, [f"{b}:1:INFO only"])
    assert grep(capfdbinary, "-m", "2", "ERROR", a) == (0, ["ERROR one", "ERROR three"])
    assert grep(capfdbinary, "-m", "1", "-H", "{ $.eventName = A }", str(logs / "c.json"), a)[
        1
    ] == [f'{logs / "c.json"}:{{"eventName":"A","eventTime":"2024-05-02T09:00:00Z"}}']
    assert grep(capfdbinary, "-m", "1", "-c", "-H", "ERROR", str(logs)) == (0, [f"{a}:1"])


def test_counts_per_file_and_total(logs: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    a, c = str(logs / "a.log"), str(logs / "c.json")
    # several paths: one count per file with events selected (as rg -c)
    assert grep(capfdbinary, "-c", "ERROR", a, c) == (0, [f"{a}:3"])
    assert grep(capfdbinary, "-c", "--total", "ERROR", a, c) == (0, ["3"])
    assert grep(capfdbinary, "-c", "-I", "ERROR", a, c) == (0, ["3"])
    # one path, even a directory: the total, as before; -H: per file
    assert grep(capfdbinary, "-c", "{ $.eventName = A } ", str(logs)) == (0, ["2"])
    assert grep(capfdbinary, "-c", "-H", "{ $.eventName = A }", str(logs)) == (0, [f"{c}:2"])


def test_json_carries_file_and_position(
    logs: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, out = grep(capfdbinary, "--json", "{ $.eventName = B }", str(logs))
    (line,) = out
    doc = json.loads(line)
    assert code == 0 and doc["file"] == str(logs / "c.json")
    assert doc["position"] == "Records[1]" and doc["location"] == f"{logs / 'c.json'}#Records[1]"
    code, out = grep(capfdbinary, "--json", "ERROR f", str(logs))
    assert json.loads(out[0])["position"] == "4"
