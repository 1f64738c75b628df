"""The engines the benchmark compares, each run in its own process by ``run.py``.

``python benchmarks/engines.py ENGINE PATH PATTERN_ID`` prints one JSON object: the number
of matching events, the seconds spent scanning (from opening the input to the count, so
interpreter start-up and imports are excluded for every engine alike) and, for cwpattern,
the seconds spent compiling the pattern.

Engines:

* ``cwpattern`` / ``cwpattern-j2``: ``cwpattern.scanner.count`` with 1 or 2 processes.
* ``orjson-loop``: what a careful engineer writes by hand: ``orjson.loads`` per line and
  the same check in Python (JSON patterns); for text patterns the hand-written equivalent
  (``bytes`` ``in``, a compiled ``re``, a regex that parses the access-log line).
* ``json-loop``: the same with ``json.loads`` (JSON patterns only).
* ``reference``: ``cwpattern._reference.evaluate`` on every line (the naive interpreter).
* ``cwpattern-nofast``: ``cwpattern`` without hyperscan and ahocorasick-rs (the
  ``bytes.find`` fallback), to check that both paths count the same.
* ``cwpattern-many`` (pattern id ``cis-3.0.0``): ``cwpattern.count_many`` of the 15 CIS
  3.0.0 reference patterns in one pass; reports every count, and whether each equals the
  pattern's single scan (run afterwards, not timed).
* ``simulate-one-pass`` / ``simulate-singles`` (pattern id ``simulate-cis-3.0.0``): the 15
  CIS 3.0.0 reference patterns as metric filters (one metric each) with the CIS alarm on
  each metric, simulated over the records: ``cwpattern.aws.simulate.simulate_account``
  (one read, one literal search per batch for all filters) versus 15 runs of the
  one-filter ``simulate`` (what ``cwpattern simulate`` did before ``--all``); both report
  every filter's datapoint count, which ``run.py`` checks are equal.
* ``inflate`` (a directory of ``.json.gz``): read and inflate every file whole with the
  inflater cwpattern uses (isal with the ``fast`` extra), and discard the bytes.
* ``duckdb`` (a directory of ``{"Records":[...]}`` ``.json.gz``): ``read_json`` and a SQL
  translation of CIS 4.7 (only when the duckdb package is installed).

``cwpattern`` and ``cwpattern-many`` also report where their time went (``breakdown``):
the seconds spent inside the literal searchers (:mod:`cwpattern.multiliteral`,
:mod:`cwpattern.keyedsearch`; the plan's timings on its 256 KB sample included), and for an
S3 tree inside :func:`cwpattern.archive.inflate` and :func:`cwpattern.archive.frame_records`,
measured by wrapping those public functions for the run (outermost calls only).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from typing import Any

# ----------------------------------------------------------------------------- patterns

CIS_47 = (
    "{($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
    "($.eventName = ScheduleKeyDeletion))}"
)

#: id -> (pattern, family of the hand-written check)
PATTERNS: dict[str, str] = {
    "cis-4.7": CIS_47,
    "iam-user": "{ $.userIdentity.type = IAMUser }",
    "bytes-out": "{ $.additionalEventData.bytesTransferredOut > 1000 }",
    "term": "AccessDenied",
    "regex": "%UnauthorizedOperation|AccessDenied[A-Za-z]*%",
    "access-admin": (
        '[ip, id, user, timestamp, request = "*/admin*", status_code = 40*, bytes, referer, agent]'
    ),
}
JSON_PATTERNS = ("cis-4.7", "iam-user", "bytes-out")


def _number(v: Any) -> bool:
    return type(v) is int or type(v) is float


def _doc_checks() -> dict[str, Callable[[Any], bool]]:
    def cis(d: Any) -> bool:
        return d.get("eventSource") == "kms.amazonaws.com" and d.get("eventName") in (
            "DisableKey",
            "ScheduleKeyDeletion",
        )

    def iam(d: Any) -> bool:
        u = d.get("userIdentity")
        return type(u) is dict and u.get("type") == "IAMUser"

    def bytes_out(d: Any) -> bool:
        a = d.get("additionalEventData")
        v = a.get("bytesTransferredOut") if type(a) is dict else None
        return _number(v) and v > 1000

    return {"cis-4.7": cis, "iam-user": iam, "bytes-out": bytes_out}


_ACCESS = re.compile(rb'^(\S+) (\S+) (\S+) \[([^\]]*)\] "([^"]*)" (\S+) (\S+) "([^"]*)" "([^"]*)"$')


def _line_checks() -> dict[str, Callable[[bytes], bool]]:
    regex = re.compile(rb"UnauthorizedOperation|AccessDenied[A-Za-z]*")

    def access(line: bytes) -> bool:
        m = _ACCESS.match(line)
        return m is not None and b"/admin" in m.group(5) and m.group(6).startswith(b"40")

    return {
        "term": lambda line: b"AccessDenied" in line,
        "regex": lambda line: regex.search(line) is not None,
        "access-admin": access,
    }


# ----------------------------------------------------------------------------- engines


def _lines(path: str) -> Any:
    with open(path, "rb") as fh:
        for line in fh:
            line = line.rstrip(b"\r\n")
            if line:
                yield line


class _Stopwatch:
    """Seconds spent inside some functions while it is active, by label: each wrapped
    function is replaced on its module or class for the duration, and only the outermost
    wrapped call is timed (a keyed search calls the plain one for its other needles)."""

    def __init__(self, targets: list[tuple[Any, str, str]]) -> None:
        self.targets = targets  # (module or class, attribute, label)
        self.seconds: dict[str, float] = {label: 0.0 for _, _, label in targets}
        self._saved: list[tuple[Any, str, Any]] = []
        self._inside = False

    def _timed(self, original: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._inside:
                return original(*args, **kwargs)
            self._inside = True
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self._inside = False

        return timed

    def __enter__(self) -> _Stopwatch:
        for owner, name, label in self.targets:
            original = owner.__dict__[name]
            self._saved.append((owner, name, original))
            setattr(owner, name, self._timed(original, label))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)


def _stopwatch() -> _Stopwatch:
    from cwpattern import archive, keyedsearch, multiliteral

    return _Stopwatch(
        [
            (multiliteral.LiteralSet, "hits", "search"),
            (multiliteral.LiteralSet, "starts", "search"),
            (keyedsearch.KeyedLiteralSet, "hits", "search"),
            (keyedsearch.KeyedLiteralSet, "starts", "search"),
            (archive, "inflate", "inflate"),
            (archive, "frame_records", "frame"),
        ]
    )


def run_cwpattern(path: str, pattern_id: str, jobs: int) -> dict[str, Any]:
    import cwpattern
    from cwpattern.scanner import count

    compiled = cwpattern.compile(PATTERNS[pattern_id])  # cached: compiled by main()
    if jobs > 1:  # (the workers' time is theirs: no breakdown)
        t0 = time.perf_counter()
        n = count(compiled, path, jobs=jobs)
        return {"count": n, "seconds": time.perf_counter() - t0}
    with _stopwatch() as watch:
        t0 = time.perf_counter()
        n = count(compiled, path, jobs=jobs)
        seconds = time.perf_counter() - t0
    return {"count": n, "seconds": seconds, "breakdown": watch.seconds}


def run_loop(path: str, pattern_id: str, loads: Callable[[bytes], Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    n = 0
    if pattern_id in JSON_PATTERNS:
        check = _doc_checks()[pattern_id]
        for line in _lines(path):
            try:
                d = loads(line)
            except ValueError:
                continue
            if type(d) is dict and check(d):
                n += 1
    else:
        test = _line_checks()[pattern_id]
        for line in _lines(path):
            if test(line):
                n += 1
    return {"count": n, "seconds": time.perf_counter() - t0}


def run_reference(path: str, pattern_id: str) -> dict[str, Any]:
    import cwpattern
    from cwpattern import _reference

    tree = cwpattern.parse(PATTERNS[pattern_id])
    t0 = time.perf_counter()
    n = 0
    for line in _lines(path):
        if _reference.evaluate(tree, line.decode("utf-8", "surrogateescape")) is not None:
            n += 1
    return {"count": n, "seconds": time.perf_counter() - t0}


def cis_300() -> list[str]:
    from cwpattern import controls

    return [c.effective_pattern for c in controls.resolve("cis-aws-3.0.0")]


def run_many(path: str) -> dict[str, Any]:
    from cwpattern.scanner import count, count_many

    patterns = cis_300()
    with _stopwatch() as watch:
        t0 = time.perf_counter()
        counts = count_many(patterns, path)
        seconds = time.perf_counter() - t0
    singles = [count(p, path) for p in patterns]
    return {
        "count": sum(counts),
        "counts": counts,
        "singles_equal": counts == singles,
        "seconds": seconds,
        "breakdown": watch.seconds,
    }


def _cis_filters() -> list[Any]:
    from cwpattern.aws.publish import MetricFilter, MetricTransformation

    return [
        MetricFilter(p, MetricTransformation(f"Cis{i}", "CISBenchmark", "1"), name=f"cis-{i}")
        for i, p in enumerate(cis_300())
    ]


def run_simulate(path: str, one_pass: bool) -> dict[str, Any]:
    from cwpattern.aws.simulate import cis_alarm, cis_alarms, simulate, simulate_account
    from cwpattern.sources import ScanStats, iter_events

    filters = _cis_filters()
    t0 = time.perf_counter()
    if one_pass:
        scan = ScanStats()
        result = simulate_account(
            filters, cis_alarms(filters), iter_events(path, stats=scan), scan=scan
        )
        counts = [len(f.datapoints) for f in result.filters]
        alarms = sum(a.alarm_state_reached for a in result.alarms)
    else:
        counts, alarms = [], 0
        for mf in filters:
            t = mf.transformation
            scan = ScanStats()
            doc = simulate(
                mf,
                cis_alarm(t.metric_namespace, t.metric_name),
                iter_events(path, stats=scan),
                scan=scan,
            )
            counts.append(doc["datapoints"])
            alarms += doc["alarm_state_reached"]
    seconds = time.perf_counter() - t0
    return {"count": sum(counts), "counts": counts, "alarms": alarms, "seconds": seconds}


def _gz_files(path: str) -> list[str]:
    import os

    return sorted(
        os.path.join(d, f) for d, _, files in os.walk(path) for f in files if f.endswith(".gz")
    )


def run_inflate(path: str) -> dict[str, Any]:
    """Read and inflate every file whole with the inflater cwpattern uses
    (``cwpattern.archive.inflate``: isal with the fast extra, else zlib)."""
    from cwpattern import archive

    t0 = time.perf_counter()
    total = 0
    for name in _gz_files(path):
        with open(name, "rb") as fh:
            data = archive.inflate(fh.read(), 1 << 30)
        total += len(data) if data is not None else 0
    return {"count": total, "seconds": time.perf_counter() - t0}


def run_duckdb(path: str) -> dict[str, Any]:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    (n,) = con.execute(
        "SELECT count(*) FROM (SELECT unnest(Records) AS r FROM read_json(?, "
        "columns={'Records': 'JSON[]'}, maximum_object_size=1073741824)) "
        "WHERE json_extract_string(r, '$.eventSource') = 'kms.amazonaws.com' "
        "AND json_extract_string(r, '$.eventName') IN ('DisableKey', 'ScheduleKeyDeletion')",
        [path.rstrip("/") + "/**/*.json.gz"],
    ).fetchone()
    return {"count": n, "seconds": time.perf_counter() - t0}


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the --jobs workers)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: counted from exec, so the memory of
    the process that started it is not included) and of its finished workers."""
    import resource

    peak_kb = 0
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    peak_kb = int(line.split()[1])
    except OSError:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(peak_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def _anon_mb() -> float | None:
    """Anonymous resident memory of this process now (RssAnon: heap and buffers, not the
    page cache of the input or the mapped libraries)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class _AnonPeak:
    """Peak anonymous resident memory (``RssAnon``: heap and buffers, not the page cache of
    a mapped input nor the mapped libraries) of this process and its live children (the
    ``--jobs`` workers), sampled every 5 ms by a thread while the engine runs."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _AnonPeak:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self._sample()

    def _sample(self) -> None:
        import os

        pid = os.getpid()
        total = _anon_kb(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
                total += sum(_anon_kb(int(c)) for c in fh.read().split())
        except OSError:
            pass
        self.peak_kb = max(self.peak_kb, total)


def _anon_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def main(argv: list[str]) -> int:
    engine, path, pattern_id = argv
    compile_seconds = None
    if engine.startswith(("cwpattern", "simulate")):  # compile outside the figures
        import cwpattern
        import cwpattern.scanner

        t0 = time.perf_counter()
        many = engine == "cwpattern-many" or engine.startswith("simulate")
        for text in cis_300() if many else [PATTERNS[pattern_id]]:
            cwpattern.compile(text)
        compile_seconds = time.perf_counter() - t0
    elif engine == "reference":
        import cwpattern._reference
    elif engine == "orjson-loop":
        import orjson  # noqa: F401 - imported before the clock starts
    cpu0 = _cpu()
    with _AnonPeak() as anon:
        result = _run_engine(engine, path, pattern_id)
    result["cpu_seconds"] = _cpu() - cpu0
    result["peak_MB"] = _peak_mb()
    result["anon_MB"] = _anon_mb()
    result["peak_anon_MB"] = anon.peak_kb / 1024
    if compile_seconds is not None:
        result["compile_seconds"] = compile_seconds
    print(json.dumps(result))
    return 0


def _run_engine(engine: str, path: str, pattern_id: str) -> dict[str, Any]:
    if engine == "cwpattern":
        result = run_cwpattern(path, pattern_id, 1)
    elif engine == "cwpattern-nofast":
        from cwpattern import multiliteral

        multiliteral.HAVE_HYPERSCAN = False
        multiliteral.HAVE_MEMMEM = False
        result = run_cwpattern(path, pattern_id, 1)
    elif engine == "cwpattern-many":
        result = run_many(path)
    elif engine in ("simulate-one-pass", "simulate-singles"):
        result = run_simulate(path, engine == "simulate-one-pass")
    elif engine == "inflate":
        result = run_inflate(path)
    elif engine == "duckdb":
        result = run_duckdb(path)
    elif engine == "cwpattern-j2":
        result = run_cwpattern(path, pattern_id, 2)
    elif engine == "orjson-loop":
        import orjson

        result = run_loop(path, pattern_id, orjson.loads)
    elif engine == "json-loop":
        result = run_loop(path, pattern_id, json.loads)
    elif engine == "reference":
        result = run_reference(path, pattern_id)
    else:
        raise SystemExit(f"unknown engine {engine}")
    return result


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
