"""A small benchmark run: every engine must count exactly what the reference evaluator
counts, on every input and pattern of benchmarks/run.py (timings are not checked)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_runner():  # benchmarks/ is not a package: load run.py by path
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    importlib.util.find_spec("orjson") is None, reason="the hand-written baseline uses orjson"
)
def test_quick_benchmark_counts_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _load_runner()
    monkeypatch.setattr(run, "OUT", tmp_path)
    monkeypatch.setattr(sys, "argv", ["run.py"])
    results = run.run(size=6_000_000, quick=True, repeat=1)
    assert results["problems"] == []
    rows = results["rows"]
    combos = {(r["input"], r["pattern_id"]) for r in rows}
    assert combos == {(i, p) for i, ps in run.PLAN.items() for p in ps}
    for input_name, pattern_id in combos:
        engines = {
            r["engine"]: r
            for r in rows
            if (r["input"], r["pattern_id"]) == (input_name, pattern_id)
        }
        if pattern_id == run.MANY:  # each count checked against its single scan
            assert engines["cwpattern-many"]["singles_equal"] is True
            continue
        if pattern_id == run.SIMULATE:  # one pass: the datapoints of the single simulates
            one, singles = engines["simulate-one-pass"], engines["simulate-singles"]
            assert one["counts"] == singles["counts"] and one["count"] > 0
            continue
        if input_name == run.TREE:  # the same records as JSON lines
            expected = next(
                r["count"]
                for r in rows
                if (r["input"], r["pattern_id"], r["engine"]) == (run.SYN, pattern_id, "reference")
            )
        else:
            expected = engines["reference"]["count"]
        for engine, row in engines.items():
            if not row.get("anchor"):
                assert row["count"] == expected, (input_name, pattern_id, engine)
            assert row["peak_MB"] > 0 and row["seconds"] >= 0
        if input_name != run.TREE:  # with and without hyperscan when it is installed
            assert {"cwpattern", "cwpattern-j2", "reference"} <= set(engines)
    counts = {(r["input"], r["pattern_id"]): r["count"] for r in rows if r["engine"] == "reference"}
    assert counts[(run.SYN, "cis-4.7")] > 0  # the data exercise the patterns
    assert counts[(run.SYN, "iam-user")] > counts[(run.SYN, "cis-4.7")]
    assert counts[(run.SYN40, "cis-4.7")] >= counts[(run.SYN3, "cis-4.7")] >= 0
    assert counts[("access log", "access-admin")] > 0
    assert results["regex"]["matches"] == 0 and results["regex"]["python_re_seconds"] is None
    # where the one-process time went: measured inside the scans, never more than their time
    from cwpattern import archive, multiliteral

    by = {(r["input"], r["pattern_id"], r["engine"]): r for r in rows}
    searched = multiliteral.default_engine() != "python"  # (else bytes.find: not timed)
    for key in [(run.SYN, "cis-4.7", "cwpattern"), (run.SYN, run.MANY, "cwpattern-many")]:
        split = by[key]["breakdown"]
        assert 0 <= split["search"] <= by[key]["seconds"], key
        assert (split["search"] > 0) == searched, key
        assert split["inflate"] == split["frame"] == 0, key  # (JSON lines: no documents)
    tree = by[(run.TREE, "cis-4.7", "cwpattern")]
    split = tree["breakdown"]
    assert split["inflate"] > 0 and sum(split.values()) <= tree["seconds"]
    assert (split["frame"] > 0) == archive.HAVE_FRAMING
    report = run.report({**results, "targets": run.targets(results)})
    assert "| target" in report and "cwpattern --jobs 2" in report
    assert "Where the time goes" in report and "inflating and framing alone" in report
