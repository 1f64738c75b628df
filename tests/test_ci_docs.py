"""The YAML examples of docs/ci.md work: the GitHub Actions workflow's cwpattern step
writes a SARIF log that the upload step then reads, and the pre-commit configuration names
hooks the repository defines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT / "tests" / "data" / "audit" / "fail_filter_misses_event.json"
yaml = pytest.importorskip("yaml")


def _blocks() -> list[object]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_workflow_uploads_the_sarif_cwpattern_writes(tmp_path: Path) -> None:
    (workflow,) = [b for b in _blocks() if isinstance(b, dict) and "jobs" in b]
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["metric-filters"]["steps"]
    (check,) = [s for s in steps if "cwpattern check" in s.get("run", "")]
    (upload,) = [
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    ]
    assert upload["if"] == "always()"
    written = check["run"].split(">")[-1].strip()
    assert upload["with"]["sarif_file"] == written
    # run the step as the runner would, on a describe-metric-filters dump
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    shutil.copy(DUMP, tmp_path / "filters.json")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-e", "-c", check["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr  # a control is not covered: the job fails
    log = json.loads((tmp_path / written).read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    (finding,) = log["runs"][0]["results"]
    assert finding["ruleId"] == "cis-aws-3.0.0-4.7"
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "filters.json"


def test_pre_commit_config_names_real_hooks() -> None:
    (config,) = [b for b in _blocks() if isinstance(b, dict) and "repos" in b]
    defined = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    used = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert used == defined
