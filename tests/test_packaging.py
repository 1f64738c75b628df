"""The grammar must be found both from a wheel and from the source tree / editable install."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import cwpattern
from cwpattern._grammar import grammar_path

ROOT = Path(__file__).resolve().parents[1]


def test_source_tree_uses_top_level_grammar() -> None:
    pkg_dir = Path(cwpattern.__file__).resolve().parent
    if (pkg_dir / "cwpattern.lark").is_file():
        pytest.skip("running from an installed wheel")
    assert grammar_path() == ROOT / "grammar" / "cwpattern.lark"


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree")
def test_wheel_carries_and_uses_the_grammar(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.fail(f"wheel build failed:\n{build.stdout}\n{build.stderr}")
    (wheel,) = tmp_path.glob("cwpattern-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cwpattern/cwpattern.lark" in names and "cwpattern/py.typed" in names
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    code = (
        "import cwpattern, cwpattern._grammar as g; "
        "print(g.grammar_path()); "
        "print(cwpattern.compile('{ $.a = 1 }').matches('{\"a\":1}'))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    path, result = out.stdout.split()
    assert Path(path).is_relative_to(target) and result == "True"
