from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hypothesis import settings

DATA = Path(__file__).parent / "data"

# Every analyzer answer built during the tests is re-checked with the matcher, and a
# failed re-check raises AnalyzerInternalError instead of degrading to "unknown".
os.environ.setdefault("CWPATTERN_ANALYZER_STRICT", "1")

# CI is derandomized: the same examples on every run, so a red build is reproducible and
# never a coin toss; developers' runs ("dev") keep exploring new examples.
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


#: the literal searchers a scan can use: as installed ("auto": memmem for a few literals,
#: hyperscan for more), each alone, and the pure-Python bytes.find fallback
SEARCH_ENGINES = ["auto", "hyperscan", "memmem", "python"]


def force_search_engine(monkeypatch: Any, engine: str) -> None:
    """Make scans use only ``engine``'s literal search (pytest.skip when not installed)."""
    import pytest

    from cwpattern import multiliteral

    if engine in ("hyperscan", "python"):
        monkeypatch.setattr(multiliteral, "HAVE_MEMMEM", False)
    if engine in ("memmem", "python"):
        monkeypatch.setattr(multiliteral, "HAVE_HYPERSCAN", False)
    if engine == "hyperscan" and not multiliteral.HAVE_HYPERSCAN:
        pytest.skip("hyperscan not installed")
    if engine == "memmem" and not multiliteral.HAVE_MEMMEM:
        pytest.skip("ahocorasick-rs not installed")
    if engine == "auto" and not (multiliteral.HAVE_MEMMEM or multiliteral.HAVE_HYPERSCAN):
        pytest.skip("no fast literal searcher installed")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                row = json.loads(line)
                row["_where"] = f"{path.name}:{number}"
                rows.append(row)
    return rows
