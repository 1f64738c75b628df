"""Shared helpers of the hostile-input suite (see docs/security.md).

Each case is a scaled-down version of an attack that keeps CI fast; the slow originals run
in ``benchmarks/bench_hostile.py``.  Every test asserts a bound (work, memory) or a
specific error, never only "it did not crash".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

#: Prepended to every capped script: ``cap(mb)`` limits the address space of the running
#: process to what it uses now plus ``mb`` MiB, so that what follows runs under a memory
#: cap whatever the size of the interpreter and its imports.
_PRELUDE = """
import json, resource, sys

def cap(mb):
    with open("/proc/self/status") as fh:
        size = next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (size + (mb << 20), resource.RLIM_INFINITY))

def report(value):
    print(json.dumps(value))
"""

needs_rlimit = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="memory caps use RLIMIT_AS and /proc (Linux)"
)


def run_capped(script: str, *args: str, timeout: float = 60) -> Any:
    """Run ``script`` (which calls ``cap(mb)`` and ``report(value)``) in a fresh
    interpreter; return the value it reported.  A traceback fails the test with its text."""
    code = _PRELUDE + textwrap.dedent(script)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])
