"""Executed documentation.

* every ``>>>`` example in ``README.md`` and ``docs/*.md`` (one test per file);
* every ``>>>`` example in every module of the ``cwpattern`` package (one test per
  module, found with ``pkgutil.walk_packages``; the few that cannot be imported for
  doctesting are listed in ``NOT_DOCTESTED`` with the reason, and reported as skips);
* the code table of ``docs/errors.md``: each row's example raises exactly that code at
  exactly that position, and every code the parser can raise has a row.

Markdown examples need a blank line before the closing fence, otherwise doctest takes
the fence as part of the expected output.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import cwpattern

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cwpattern"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Modules whose doctests are not run, and why.  Nothing else is left out.
NOT_DOCTESTED: dict[str, str] = {
    "cwpattern.__main__": "importing it runs the CLI and exits (python -m cwpattern)",
}


# --------------------------------------------------------------------------- Markdown


def _run_quietly(
    run: Callable[..., doctest.TestResults], *args: Any, **kwargs: Any
) -> tuple[doctest.TestResults, str]:
    """Run ``doctest.testfile``/``testmod`` and return its results and its report."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = run(*args, **kwargs)
    return result, out.getvalue()


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_examples(path: Path) -> None:
    result, report = _run_quietly(
        doctest.testfile,
        str(path),
        module_relative=False,
        optionflags=FLAGS,
        encoding="utf-8",
        report=False,
    )
    assert result.failed == 0, f"{path.name}: {result.failed} failing example(s)\n{report}"


_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_python_blocks_are_doctests(path: Path) -> None:
    """Every ```python block is a doctest (so none escapes execution) and ends with a
    blank line (otherwise doctest reads the closing fence as expected output)."""
    text = path.read_text(encoding="utf-8")
    problems = []
    for match in _PYTHON_BLOCK.finditer(text):
        line = text[: match.start()].count("\n") + 1
        body = match.group(1)
        if not body.lstrip().startswith(">>>"):
            problems.append(f"{path.name}:{line}: python block without >>> examples")
        elif not body.endswith("\n\n"):
            problems.append(f"{path.name}:{line}: no blank line before the closing ```")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- modules


def _module_names() -> list[str]:
    broken: list[str] = []
    names = {"cwpattern"}
    for info in pkgutil.walk_packages(cwpattern.__path__, "cwpattern.", onerror=broken.append):
        names.add(info.name)
    return sorted(names | set(broken))  # a package that fails to import still gets a test


MODULES = _module_names()


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name: str) -> None:
    if name in NOT_DOCTESTED:
        pytest.skip(NOT_DOCTESTED[name])
    module = importlib.import_module(name)
    result, report = _run_quietly(doctest.testmod, module, optionflags=FLAGS, report=False)
    assert result.failed == 0, f"{name}: {result.failed} failing example(s)\n{report}"


def test_not_doctested_list_is_current() -> None:
    assert set(NOT_DOCTESTED) <= set(MODULES), "stale NOT_DOCTESTED entry"


# --------------------------------------------------------------------------- docs/errors.md


def _error_rows() -> list[tuple[str, str, int]]:
    """``(code, example pattern, pos)`` for each row of the table under ``## Codes``."""
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    section = text.split("\n## Codes\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 4, f"malformed row: {line}"
        code, example, pos = cells[0].strip("`"), cells[1], int(cells[2])
        repeated = re.fullmatch(r"\*\(([\d,]+) × `(.)`\)\*", example)
        if repeated:
            pattern = repeated.group(2) * int(repeated.group(1).replace(",", ""))
        else:
            quoted = re.fullmatch(r"`(.*)`", example)
            assert quoted, f"example of {code} is not in backticks: {example}"
            pattern = quoted.group(1).replace("\\|", "|")
        rows.append((code, pattern, pos))
    return rows


ERROR_ROWS = _error_rows()


def test_error_table_is_well_formed() -> None:
    codes = [code for code, _, _ in ERROR_ROWS]
    assert len(codes) >= 20, "the ## Codes table was not found or lost rows"
    assert len(codes) == len(set(codes)), "a code has two rows"


@pytest.mark.parametrize(("code", "pattern", "pos"), ERROR_ROWS, ids=[r[0] for r in ERROR_ROWS])
def test_error_table_example(code: str, pattern: str, pos: int) -> None:
    with pytest.raises(cwpattern.PatternSyntaxError) as info:
        cwpattern.compile(pattern)
    assert (info.value.code, info.value.pos) == (code, pos), str(info.value)


_RAISED_CODE = re.compile(
    r"""\b(?:_Fail|PatternSyntaxError|_?fail|_?error)\(\s*["']([A-Z][A-Z_]+)["']"""
)


def test_every_raised_code_is_documented() -> None:
    """Each code passed literally to the parser's error constructors has a table row."""
    raised = set()
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "PatternSyntaxError" in source and path.name != "errors.py":
            raised |= set(_RAISED_CODE.findall(source))
    assert raised, "no error code found in the sources: the scan is broken"
    documented = {code for code, _, _ in ERROR_ROWS}
    assert raised <= documented, f"codes without a row in docs/errors.md: {raised - documented}"
