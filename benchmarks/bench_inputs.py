"""Hostile documents and log files at their original sizes (issue 11 items 9, 10, 12, 13).

``tests/hostile/`` runs scaled-down versions; this runs the originals, each in a fresh
interpreter, and prints the outcome, the time and the peak memory (VmHWM) of each:

    python benchmarks/bench_inputs.py

Before the fixes: YAML billion laughs took over 60 s and 2.1 GB; 100,000-deep JSON and
5,000-deep YAML raised RecursionError; 10**400 raised OverflowError; a truncated gzip
under 64 KiB yielded 0 of its 300 lines.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

_PRELUDE = """
import gzip, json, os, sys, tempfile, time
sys.path.insert(0, {src!r})
from cwpattern.errors import CWPatternError

def peak_mb():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024

def laughs(levels, width=10):
    lines = ["Mappings:", "  L:", "    a0: &a0 [lol]"]
    for i in range(1, levels):
        lines.append(f"    a{{i}}: &a{{i}} [" + ", ".join([f"*a{{i - 1}}"] * width) + "]")
    lines += ["Resources:", "  F:", "    Type: AWS::Logs::MetricFilter", "    Properties:",
              "      LogGroupName: g", f"      FilterPattern: !Join ['', *a{{levels - 1}}]",
              f"      Extra: *a{{levels - 1}}",
              "      MetricTransformations: [{{MetricName: m, MetricNamespace: n, MetricValue: '1'}}]"]
    return "\\n".join(lines) + "\\n"

start = time.perf_counter()
try:
    outcome = run()
except CWPatternError as e:
    outcome = f"error: {{e}}"
print(json.dumps({{"outcome": str(outcome)[:110], "s": time.perf_counter() - start,
                  "peak_mb": peak_mb()}}))
"""

CASES = {
    "YAML billion laughs (10**9 leaves)": """
        def run():
            from cwpattern.aws.iac import from_cloudformation
            return from_cloudformation(laughs(10))
    """,
    "snapshot JSON nested 100,000 deep": """
        def run():
            from cwpattern.aws.snapshot import load_snapshot
            path = os.path.join(tempfile.mkdtemp(), "deep.json")
            with open(path, "w") as fh:
                fh.write('{"trails":' + "[" * 100_000 + "]" * 100_000 + "}")
            return load_snapshot(path)
    """,
    "CloudFormation YAML nested 5,000 deep": """
        def run():
            from cwpattern.aws.iac import from_cloudformation
            return from_cloudformation("Resources:\\n  X: " + "[" * 5000 + "]" * 5000 + "\\n")
    """,
    "Threshold 10**400 in CloudFormation": """
        def run():
            from cwpattern.aws.audit import audit_iac
            from cwpattern.aws.iac import from_cloudformation
            t = {"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
                "AlarmName": "a", "MetricName": "m", "Namespace": "n", "Statistic": "Sum",
                "Period": 300, "EvaluationPeriods": 1, "Threshold": 10**400,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold"}}}}
            report = audit_iac(from_cloudformation(json.dumps(t)), assume_log_group="g")
            return [p["message"] for p in report.problems]
    """,
    "truncated gzip, 300 lines under 64 KiB": """
        def run():
            from cwpattern.sources import ScanStats, iter_events
            path = os.path.join(tempfile.mkdtemp(), "app.log.gz")
            data = gzip.compress(b"".join(b"ERROR line %d\\n" % i for i in range(300)))
            with open(path, "wb") as fh:
                fh.write(data[:-6])
            st = ScanStats()
            n = sum(1 for _ in iter_events([path], stats=st))
            return f"{n} lines read, skipped {st.skipped}"
    """,
}


def main() -> None:
    width = max(map(len, CASES))
    print(f"{'case':<{width}}  {'s':>6}  {'peak MB':>7}  outcome")
    for name, body in CASES.items():
        script = textwrap.dedent(body) + _PRELUDE.format(src=str(SRC))
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
        )
        if done.returncode:
            print(f"{name:<{width}}  FAILED: {done.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(done.stdout)
        print(f"{name:<{width}}  {r['s']:6.2f}  {r['peak_mb']:7.0f}  {r['outcome']}")


if __name__ == "__main__":
    main()
