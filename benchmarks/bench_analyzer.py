"""Analyzer speed: is analysis interactive?

Measures, in one run on this machine:

1. cold start: ``python -c "import cwpattern"`` and a whole ``cwpattern explain --control
   cis-aws-3.0.0-4.7 <reference>`` process (parser build and analysis included);
2. ``explain`` of the CIS 4.7 reference against its own control after start-up (median of
   repeated runs; the target is well under 100 ms);
3. the catalog cross-check: every reference pattern of the catalog against every other
   version of the same control (``relation`` both ways), the target being a few seconds;
4. the catalog self-check: every reference is ``equivalent`` to itself;
5. hostile inputs (issue 11 item 11): the slowest call (``covers``, ``relation``,
   ``warnings``) on pigeonhole-shaped pairs within the 1,024-character limit (before the
   budget counted work: 13 s and more), and ``covers`` on a union of 326 patterns (before:
   about 2 minutes), with the work units the budget allowed.

Usage: ``python benchmarks/bench_analyzer.py [--repeat N] [--json OUT] [--hostile-only]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from itertools import combinations
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


NAMES = "abcdefghijklmnopqrstuvwxyzABCDEFGH"


def _pigeonhole(holes: int) -> tuple[list[str], list[str], list[str]]:
    """Pigeon clauses, "not two in one hole" clauses and "two in one hole" conjunctions."""
    it = iter(NAMES)
    var = {(i, j): next(it) for i in range(holes + 1) for j in range(holes)}
    pigeons = range(holes + 1)
    clauses = ["(" + "||".join(f"$.{var[i, j]}=1" for j in range(holes)) + ")" for i in pigeons]
    apart = [
        f"($.{var[i, j]}!=1||$.{var[k, j]}!=1)"
        for j in range(holes)
        for i, k in combinations(pigeons, 2)
    ]
    clash = [
        f"$.{var[i, j]}=1&&$.{var[k, j]}=1"
        for j in range(holes)
        for i, k in combinations(pigeons, 2)
    ]
    return clauses, apart, clash


def _sat_union(patterns: int, variables: int, seed: int = 1) -> tuple[list[str], str]:
    """Random three-condition patterns whose union nearly covers every event (3-SAT)."""
    rng = random.Random(seed)
    union = []
    for _ in range(patterns):
        chosen = rng.sample(range(variables), 3)
        union.append(
            "{ " + " && ".join(f"$.x{v} {rng.choice(('=', '!='))} 1" for v in chosen) + " }"
        )
    return union, "{" + "&&".join(f"$.x{v}=*" for v in range(variables)) + "}"


def hostile(results: dict[str, float | int]) -> None:
    clauses, apart, clash = _pigeonhole(4)
    clauses5, _, clash5 = _pigeonhole(5)
    pairs = {
        # six pigeons, five holes, two clashes left out (1,022 + 222 characters): before,
        # 11 s of CPU to find the gap
        "pigeonhole5": ("{" + "||".join(clash5[2:]) + "}", "{" + "&&".join(clauses5) + "}"),
        # R is the whole pigeonhole problem (unsatisfiable), P a small pattern
        "pigeonhole_R": ("{ $.z = 1 || $.y = 2 }", "{" + "&&".join(clauses + apart) + "}"),
        # P = "two pigeons share a hole" covers R = "every pigeon has a hole"
        "pigeonhole_P": ("{" + "||".join(clash) + "}", "{" + "&&".join(clauses) + "}"),
    }
    for name, (pattern, reference) in pairs.items():
        assert len(pattern) <= 1024 and len(reference) <= 1024, name
        worst = worst_cpu = 0.0
        for call in ("covers", "relation", "warnings"):
            t, c = time.perf_counter(), time.process_time()
            if call == "warnings":
                cwpattern.analyzer.warnings(pattern, reference=reference)
            else:
                getattr(cwpattern.analyzer, call)(pattern, reference)
            worst = max(worst, time.perf_counter() - t)
            worst_cpu = max(worst_cpu, time.process_time() - c)
        results[f"{name}_chars"] = len(pattern) + len(reference)
        results[f"{name}_slowest_call_s"] = worst
        results[f"{name}_slowest_call_cpu_s"] = worst_cpu  # independent of the machine's load
    union, reference = _sat_union(326, 76)
    t, c = time.perf_counter(), time.process_time()
    answer = cwpattern.analyzer.covers(union, reference)
    results["union326_covers_s"] = time.perf_counter() - t
    results["union326_covers_cpu_s"] = time.process_time() - c
    results["union326_chars"] = sum(map(len, union)) + len(reference)
    results["union326_budget_units"] = int(answer.reason.split("budget of ")[1].split()[0])
    union, reference = _sat_union(163, 38)
    c = time.process_time()
    cwpattern.analyzer.covers(union, reference)
    results["union163_covers_cpu_s"] = time.process_time() - c


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--hostile-only", action="store_true", help="only part 5")
    args = parser.parse_args()
    reference = controls.get(CONTROL).effective_pattern
    env_python = [sys.executable]
    results: dict[str, float | int] = {}
    if args.hostile_only:
        hostile(results)
        _print(results, args.json)
        return 0

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
    hostile(results)
    _print(results, args.json)
    return 0


def _print(results: dict[str, float | int], out: str | None) -> None:
    width = max(map(len, results))
    for key, value in results.items():
        print(
            f"{key:<{width}}  {value:.3f}"
            if isinstance(value, float)
            else f"{key:<{width}}  {value}"
        )
    if out:
        Path(out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
