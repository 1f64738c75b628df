"""The hostile inputs of issue 11 at full size: time and memory of each, one process each.

    python benchmarks/bench_hostile.py [--quick] [--timeout SECONDS] [--only NAME]

tests/hostile/ runs scaled-down versions of these cases in CI; this script runs the
originals (the sizes of the issue) to show the bounds: matching time linear in the
message, memory a small multiple of it.  Each case runs in a fresh interpreter, which
builds the message, then reports the CPU time of the call and the memory it added (the
high-water mark ``VmHWM`` after the call minus the resident size ``VmRSS`` before it), also
per message byte.  A case over ``--timeout`` CPU seconds is stopped and reported as such
(Linux only: ``/proc`` and ``RLIMIT_CPU``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

_CLASSES = "bcdefghijklmnopqrstuvwxyzBCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_REGEX_61 = "%" + "".join(f"[a{c}]{{1000}}" for c in _CLASSES) + "%"

#: name -> (pattern, message expression, message expression with --quick, what the issue saw)
CASES: dict[str, tuple[str, str, str, str]] = {
    "delimited: unclosed '[' x 40,000": (
        "[a, b, c=x]",
        "'[ ' * 40_000",
        "'[ ' * 40_000",
        "19 s",
    ),
    "delimited: unclosed '[' x 160,000": (
        "[a, b, c=x]",
        "'[ ' * 160_000",
        "'[ ' * 80_000",
        "174 s",
    ),
    "delimited: 1 MiB of unclosed '['": (
        "[a, b, c=x]",
        "'[ ' * (1 << 19)",
        "'[ ' * 100_000",
        "about half an hour (estimated)",
    ),
    "delimited, every field read: 1 MiB of unclosed '['": (
        "[a, ..., c=x]",
        "'[ ' * (1 << 19)",
        "'[ ' * 100_000",
        "(quadratic like the above)",
    ),
    "delimited: 160,000 trailing blanks": (
        "[a, b, c=x]",
        "'a' + ' ' * 160_000",
        "'a' + ' ' * 40_000",
        "(found while fixing: 124 s for 40,000)",
    ),
    "delimited: 10 MB line of 5M fields": (
        "[a, b, c=x]",
        "'a ' * 5_000_000",
        "'a ' * 500_000",
        "0.8-1.3 GB",
    ),
    "regex: 61 x [aX]{1000}, 2 MB": (_REGEX_61, "'a' * 2_000_000", "'a' * 200_000", "2 GB"),
    "regex: 61 x [aX]{1000}, 4 MB": (_REGEX_61, "'a' * 4_000_000", "'a' * 400_000", "4 GB"),
}

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
import cwpattern

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) * 1024 for l in fh if l.startswith(key + ":"))

resource.setrlimit(resource.RLIMIT_CPU, ({timeout}, {timeout} + 5))
pattern = cwpattern.compile({pattern!r})
pattern.matches("warm up a b c")
message = {message}
before = status("VmRSS")
t = time.process_time()
try:
    answer = pattern.matches(message)
except cwpattern.MatchResourceError as e:
    answer = str(e)
cpu = time.process_time() - t
print(json.dumps({{"answer": answer, "cpu": cpu, "extra": status("VmHWM") - before,
                  "size": len(message)}}))
"""


def run_case(pattern: str, message: str, timeout: int) -> dict[str, object]:
    code = _CHILD.format(src=str(SRC), pattern=pattern, message=message, timeout=timeout)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        if proc.returncode in (-24, -9):  # SIGXCPU / SIGKILL: over the CPU limit
            return {"answer": None, "cpu": None, "over": timeout}
        raise RuntimeError(proc.stderr)
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller messages (seconds in all)")
    parser.add_argument("--timeout", type=int, default=120, help="CPU seconds per case")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    args = parser.parse_args(argv)
    print("| case | size | answer | CPU s | memory added | per byte | issue |")
    print("|---|---:|---|---:|---:|---:|---|")
    for name, (pattern, full, quick, issue) in CASES.items():
        if args.only and args.only not in name:
            continue
        r = run_case(pattern, quick if args.quick else full, args.timeout)
        if r.get("over"):
            print(f"| {name} | | | over {r['over']} | | | {issue} |")
            continue
        size, extra = int(r["size"]), int(r["extra"])  # type: ignore[call-overload]
        print(
            f"| {name} | {size:,} | {r['answer']} | {float(r['cpu']):.2f} "  # type: ignore[arg-type]
            f"| {extra / 1e6:,.1f} MB | {extra / size:.1f} | {issue} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
