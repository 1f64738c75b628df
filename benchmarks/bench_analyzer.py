"""Analyzer speed: is analysis interactive?

Measures, in one run on this machine:

1. cold start: ``python -c "import cwpattern"`` and a whole ``cwpattern explain --control
   cis-aws-3.0.0-4.7 <reference>`` process (parser build and analysis included);
2. ``explain`` of the CIS 4.7 reference against its own control after start-up (median of
   repeated runs; the target is well under 100 ms);
3. the catalog cross-check: every reference pattern of the catalog against every other
   version of the same control (``relation`` both ways), the target being a few seconds;
4. the catalog self-check: every reference is ``equivalent`` to itself.

Usage: ``python benchmarks/bench_analyzer.py [--repeat N] [--json OUT]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import cwpattern
import cwpattern.analyzer
from cwpattern import controls
from cwpattern.explain import explain

CONTROL = "cis-aws-3.0.0-4.7"


ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    reference = controls.get(CONTROL).effective_pattern
    env_python = [sys.executable]
    results: dict[str, float | int] = {}

    results["cold_import_s"] = _wall(env_python + ["-c", "import cwpattern"], args.repeat)
    results["cold_explain_s"] = _wall(
        env_python + ["-m", "cwpattern", "explain", "--control", CONTROL, reference], args.repeat
    )

    # After start-up: a fresh process that has imported the modules and built the parser
    # (on an unrelated pattern)
    # times its first explain of the reference, so no analysis result is cached.
    probe = (
        "import time, cwpattern, cwpattern.analyzer; from cwpattern.explain import explain; "
        "cwpattern.compile('x'); t = time.perf_counter(); "
        f"r = explain({reference!r}, control={CONTROL!r}); "
        "assert r['covers'] and r['relation'] == 'equivalent'; "
        "print(time.perf_counter() - t)"
    )
    firsts = [
        float(
            subprocess.run(
                env_python + ["-c", probe], check=True, capture_output=True, text=True, env=ENV
            ).stdout
        )
        for _ in range(args.repeat)
    ]
    results["explain_after_startup_ms"] = statistics.median(firsts) * 1000
    explain(reference, control=CONTROL)
    times = []
    for _ in range(args.repeat * 4):
        t = time.perf_counter()
        explain(reference, control=CONTROL)
        times.append(time.perf_counter() - t)
    results["explain_repeated_ms"] = statistics.median(times) * 1000

    t = time.perf_counter()
    pairs = 0
    for topic in controls.topics():
        members = controls.by_topic(topic)
        for a, b in itertools.permutations(members, 2):
            cwpattern.relation(a.effective_pattern, b.effective_pattern)
            pairs += 1
    results["catalog_pairs"] = pairs
    results["catalog_cross_versions_s"] = time.perf_counter() - t

    t = time.perf_counter()
    for control in controls.all_controls():
        assert (
            cwpattern.analyzer.equivalent(control.effective_pattern, control.effective_pattern)
            is True
        ), control.id
    results["catalog_self_check_s"] = time.perf_counter() - t
    results["controls"] = len(controls.all_controls())

    width = max(map(len, results))
    for key, value in results.items():
        print(
            f"{key:<{width}}  {value:.3f}"
            if isinstance(value, float)
            else f"{key:<{width}}  {value}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
