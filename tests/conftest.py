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


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                row = json.loads(line)
                row["_where"] = f"{path.name}:{number}"
                rows.append(row)
    return rows
