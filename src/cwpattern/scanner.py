"""Scanning log files with a pattern: the fast path over large inputs.

:func:`scan` yields every matching event of files, directory trees or stdin (the inputs
of :func:`cwpattern.sources.iter_events`) as a :class:`Match`; :func:`count` counts them.
The result is always that of ``compiled.matches(event.message)`` over ``iter_events``;
only the way there differs:

* Line-oriented files (JSON lines and text logs, plain or gzip) are read in large blocks
  into one reusable buffer, never line by line.  When the pattern implies literals
  (:mod:`cwpattern.prefilter`), the block is searched for the cheapest set of them
  (``bytes.find``, measured on the first block) and only the lines around the hits are
  examined; otherwise every line is.  A line is checked against the whole literal formula
  before it is decoded, and JSON is decoded once, with orjson when it is installed.
* Other inputs (CloudTrail ``Records`` files, ``aws logs`` output) go through
  :func:`cwpattern.sources.iter_events` and the compiled matcher.
* ``jobs > 1`` splits plain files into byte ranges (and lists of files into files) and
  scans them in worker processes; results are merged in input order, so the output is
  exactly that of one process.

Bad input is counted in :class:`cwpattern.sources.ScanStats`, never fatal.  On the fast
path the per-line defects (``invalid_json_line``, ``not_utf8``) are only known for the
lines the scan had to examine; ``oversized_line``, ``bad_gzip``, ``unreadable_file`` and
``read_error`` are always counted, and ``events`` is exact when locations are produced.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "app.log")
>>> with open(path, "w") as fh:
...     _ = fh.write("INFO start\\nERROR disk full\\nINFO done\\n")
>>> [(m.message, m.location) for m in scan("ERROR", path)]
[('ERROR disk full', '...app.log:2')]
>>> count("INFO", [path])
2
"""

from __future__ import annotations

import io
import mmap
import multiprocessing
import os
import re
import stat as _stat
import sys
import time
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from operator import itemgetter
from typing import Any, NamedTuple, Union

from . import archive, ast, keyedsearch, multiliteral
from .compiler import (
    DEEP_BRACKETS,
    HAVE_ORJSON,
    NO_MATCH_ERRORS,
    RESOURCE_ERRORS,
    compile_line_matcher,
)
from .errors import MatchResourceError
from .jsondoc import message_bytes
from .keyedsearch import KeyedLiteralSet
from .pattern import CompiledPattern, compile
from .prefilter import (
    COUNT_LINE_COST,
    LINE_COST,
    Plan,
    Prefilter,
    choose_plan,
    hit_cost_for,
    prefilter_for,
)
from .sources import (
    FORMATS,
    STDIN,
    STRICT_JSON,
    OpenedInput,
    Prefixed,
    ScanStats,
    TimeCache,
    expand,
    file_events,
    guard_reads,
    open_bytes,
    open_input,
    record_event,
    resolve_format,
    sniff_format,
)

if HAVE_ORJSON:
    import orjson

__all__ = [
    "BytesCounter",
    "Match",
    "Source",
    "count",
    "count_many",
    "iter_messages",
    "scan",
    "scan_many",
]

Source = Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]], None]
#: What a region of lines lives in: the reusable read buffer, or a map of the file.
_Buf = bytearray | mmap.mmap

_BLOCK = 8 << 20  # bytes read per system call into the reusable buffer
_SNIFF = 1 << 16
_UNIT = 32 << 20  # byte range of one parallel work unit
_SAMPLE = 1 << 18  # bytes used to choose the prefilter plan
_MAX_BACKSLASH_MISSES = 256  # then search for the escapes themselves
_DOC_BATCH = 512  # document events whose prefilters are searched for in one pass
#: A number token with a fraction or an exponent: a Records message may spell it
#: differently from the file (``1E2`` is ``100.0``), so when a needle could be a number's
#: text, the records holding one are examined whatever the needles say.
_FLOAT_RE = rb"[:,\[]-?[0-9]+[.eE]"
_NUMBER_CHARS = b"0123456789+-.eE"
#: Plain files of at least this size are mapped (no copy into a buffer) rather than read;
#: tests set it to force either path.
_MAP_MIN = 1 << 20
_PAGE = mmap.PAGESIZE

# What a scan must produce per match.
_COUNT, _LINES, _FULL = 0, 1, 2


class Match(NamedTuple):
    """One matching event."""

    message: str
    location: str  #: ``path:line``, ``path#Records[3]``, ``<stdin>:7`` (as in iter_events)
    extracted: dict[str, str]  #: the extracted values (``{}`` except space-delimited patterns)
    timestamp: int | None = None  #: ms since the epoch, when the input has one


# --------------------------------------------------------------------------- public API


def scan(
    pattern: str | CompiledPattern,
    source: Source = None,
    *,
    fmt: str = "auto",
    jobs: int = 1,
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Match]:
    """Yield the events of ``source`` that ``pattern`` matches, in input order.

    Args:
        pattern: a filter pattern (text or compiled).
        source: a path, a list of paths (files, directories, ``"-"`` for stdin); None: stdin.
        fmt: one of :data:`cwpattern.sources.FORMATS` (``auto`` sniffs each file).
        jobs: worker processes (1: scan in this process).
        stats: filled in as the scan goes.
        max_line_bytes: longer lines are skipped and counted (``oversized_line``).
        progress: called with the number of input bytes consumed since the last call.

    Raises:
        PatternSyntaxError: for an invalid pattern; ValueError for a bad ``fmt``/``jobs``.
    """
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile(pattern)
    want_values = isinstance(compiled.ast, ast.DelimitedPattern)
    for hit in _run(compiled, source, fmt, jobs, stats, max_line_bytes, _FULL, progress):
        message = hit.text()
        values = compiled.extract(message) if want_values else {}
        yield Match(message, hit.location, values if values is not None else {}, hit.timestamp)


def count(
    pattern: str | CompiledPattern,
    source: Source = None,
    *,
    fmt: str = "auto",
    jobs: int = 1,
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The number of matching events (what ``cwpattern grep --count`` prints)."""
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile(pattern)
    total = 0
    for n in _run(compiled, source, fmt, jobs, stats, max_line_bytes, _COUNT, progress):
        total += n
    return total


def iter_messages(
    pattern: str | CompiledPattern,
    source: Source = None,
    *,
    fmt: str = "auto",
    jobs: int = 1,
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The matching messages as bytes (a line as it is in the file), no locations: the
    cheapest way to print them (what ``cwpattern grep`` does)."""
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile(pattern)
    for hit in _run(compiled, source, fmt, jobs, stats, max_line_bytes, _LINES, progress):
        yield hit.raw()


def scan_many(
    patterns: Iterable[str | CompiledPattern],
    source: Source = None,
    *,
    fmt: str = "auto",
    jobs: int = 1,
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, Match]]:
    """Yield ``(i, match)`` for every event of ``source`` that ``patterns[i]`` matches,
    from one read of the input: in input order, and for one event in pattern order.
    Each pattern's matches are exactly those of :func:`scan` with that pattern alone.
    ``jobs > 1`` scans the work units of :func:`scan` in worker processes; the output is
    the same, in the same order.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "app.log")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("INFO start\\nERROR disk full\\nINFO done\\n")
    >>> [(i, m.location[-6:]) for i, m in scan_many(["ERROR", "INFO", "disk"], path)]
    [(1, '.log:1'), (0, '.log:2'), (2, '.log:2'), (1, '.log:3')]
    """
    compiled = [p if isinstance(p, CompiledPattern) else compile(p) for p in patterns]
    if not compiled:
        return
    for i, hit in _run_many(compiled, source, fmt, jobs, stats, max_line_bytes, _FULL, progress):
        c = compiled[i]
        message = hit.text()
        values = c.extract(message) if isinstance(c.ast, ast.DelimitedPattern) else {}
        yield i, Match(message, hit.location, values if values is not None else {}, hit.timestamp)


def count_many(
    patterns: Iterable[str | CompiledPattern],
    source: Source = None,
    *,
    fmt: str = "auto",
    jobs: int = 1,
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """The number of matching events of each pattern, from one read of the input (what
    ``cwpattern grep --count --each`` prints); each equal to :func:`count` alone, with
    any ``jobs`` (worker processes, as in :func:`scan`: each scans whole work units for
    every pattern, and the counts are summed).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "app.log")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("INFO start\\nERROR disk full\\nINFO done\\n")
    >>> count_many(["ERROR", "INFO", "WARN"], [path])
    [1, 2, 0]
    """
    compiled = [p if isinstance(p, CompiledPattern) else compile(p) for p in patterns]
    totals = [0] * len(compiled)
    if compiled:
        for i, n in _run_many(compiled, source, fmt, jobs, stats, max_line_bytes, _COUNT, progress):
            totals[i] += n
    return totals


class BytesCounter:
    """Counts of several patterns over files given as their bytes (for engines that read
    files themselves, such as Spark's ``binaryFile`` source): each file is counted
    exactly as :func:`count_many` counts a file of that name and content (gzip by its
    magic bytes, digest files ignored, the format sniffed, the same fast paths), and
    the prefilter plans are chosen once, on the first data, for all later files.

    >>> counter = BytesCounter(["ERROR", '{ $.level = "warn" }'])
    >>> st = ScanStats()
    >>> counter.add(b"ERROR disk\\nINFO ok\\nERROR net\\n", "app.log", st)
    >>> counter.add(b'{"level":"warn"}\\n{"level":"info"}\\n', "app.jsonl", st)
    >>> counter.totals, st.files
    ([2, 1], 2)
    """

    def __init__(
        self,
        patterns: Iterable[str | CompiledPattern],
        *,
        fmt: str = "auto",
        max_line_bytes: int = 1 << 20,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        compiled = [p if isinstance(p, CompiledPattern) else compile(p) for p in patterns]
        if not compiled:
            raise ValueError("no patterns to count")
        self._multi = _Multi(
            [_Config(c.pattern, c.ast, fmt, max_line_bytes, _COUNT) for c in compiled], compiled
        )
        #: the counts so far, one per pattern
        self.totals = [0] * len(compiled)

    def add(self, data: bytes, name: str, stats: ScanStats) -> None:
        """Count the events of one file (``data``, named ``name``) into :attr:`totals`;
        what was skipped or ignored goes to ``stats``.  Events the matcher could not
        evaluate (memory or stack exhausted) are counted there as ``not_evaluated``."""
        stream = open_bytes(data, name, stats)
        if stream is None:
            return
        multi, totals = self._multi, self.totals
        with guard_reads(stats, name):
            head = _read_head(stream)
            fmt = resolve_format(multi.cfg.fmt, head, name, stats)
            if fmt == "json":
                hits = _document_hits(multi, stream, head, name, multi.cfg.fmt, stats, None)
            elif fmt is not None:
                hits = _line_hits(multi, stream, head, name, fmt == "jsonl", stats, None)
            else:
                return
            for i, n in hits:
                totals[i] += n


def _run_many(
    compiled: list[CompiledPattern],
    source: Source,
    fmt: str,
    jobs: int,
    stats: ScanStats | None,
    max_line: int,
    mode: int,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[int, Any]]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, not {jobs!r}")
    st = stats if stats is not None else ScanStats()
    cfgs = [_Config(c.pattern, c.ast, fmt, max_line, mode) for c in compiled]
    multi = _Multi(cfgs, compiled)
    paths = [source] if isinstance(source, (str, os.PathLike)) else source
    if jobs == 1:
        for path in expand(paths, st):  # type: ignore[arg-type]
            yield from _scan_path(multi, path, st, progress)
    else:
        yield from _parallel(cfgs, multi, paths, jobs, st, progress)
    if stats is None and st.skipped.get("not_evaluated"):
        # Nobody will read the counts: fail closed rather than return a partial answer.
        raise MatchResourceError(st.problems[0] if st.problems else "MemoryError")


# --------------------------------------------------------------------------- hits


class _Hit(NamedTuple):
    data: Any  # bytes (a raw line) or str (a message from a document)
    path: str
    lineno: int  # 1-based line (raw lines), or -1 for a document event
    location_: str | None = None
    timestamp: int | None = None

    def text(self) -> str:
        data = self.data
        return data if isinstance(data, str) else data.decode("utf-8", "replace")

    def raw(self) -> bytes:
        data = self.data
        return message_bytes(data) if isinstance(data, str) else data

    @property
    def location(self) -> str:
        return self.location_ if self.location_ is not None else f"{self.path}:{self.lineno}"


# --------------------------------------------------------------------------- engine


@dataclass
class _Config:
    """Everything a worker needs; picklable (the pattern travels as its syntax tree)."""

    pattern: str
    tree: ast.Pattern
    fmt: str
    max_line: int
    mode: int
    plan: Plan | None = None  # None: chosen on the first block
    #: search member values as one expression per member (keyedsearch), as timed faster
    #: on the first block
    keyed: bool = False


class _Engine:
    """Per-process state: the compiled pattern, its line matcher and prefilter plan."""

    def __init__(self, cfg: _Config, compiled: CompiledPattern | None = None) -> None:
        self.cfg = cfg
        tree = cfg.tree
        self.json_family = isinstance(tree, ast.JsonPattern)
        #: the pattern itself: its ``matches`` decides documents' messages
        self.compiled = compiled if compiled is not None else CompiledPattern.from_ast(tree)
        self.line_match = compile_line_matcher(tree)
        self.prefilter: Prefilter = prefilter_for(tree)
        self.escapes = self.prefilter.escapes
        self.hit_cost = hit_cost_for(tree)
        self.plan: Plan | None = None
        self.check: Callable[[Any], bool] = self.prefilter.compile()
        if cfg.plan is not None:
            self.use(cfg.plan)
            self.sampled = _SAMPLE

    def use(self, plan: Plan, search: bool = True, sample: bytes | None = None) -> None:
        """Scan with ``plan``; ``search=False``: its needles are found by a pass shared
        with other patterns (no searcher of its own).  ``sample``: the block the searcher
        is timed on (else ``cfg.keyed`` says which)."""
        self.plan = plan
        check = plan.compile_check()
        self.check = check if check is not None else _always
        self.searcher = None
        if search and plan.needles and multiliteral.default_engine() != "python":
            # One pass for the needles and the escapes that could spell them.
            escapes = tuple(b"\\" + bytes([c]) for c in self.escapes)
            needles = plan.needles + escapes
            keys = {n: m for n in needles if (m := _member_of(self.prefilter, n)) is not None}
            self.searcher = keyedsearch.searcher_for(needles, keys, sample, keyed=self.cfg.keyed)
            self.cfg.keyed = isinstance(self.searcher, KeyedLiteralSet)

    #: the one-pass searcher of the plan's needles (None: bytes.find, one pass each)
    searcher: multiliteral.LiteralSet | KeyedLiteralSet | None = None
    _record_searcher: tuple[Plan, multiliteral.LiteralSet] | None = None

    def record_searcher(self) -> multiliteral.LiteralSet | KeyedLiteralSet | None:
        """A hyperscan searcher for the records of a ``Records`` document that may match:
        the plan's needles and the escapes that could spell them, and float tokens when a
        needle could be (part of) a number's text, or in FULL mode, where a record whose
        number overflows a float (``1E400``: not an event, ``unserializable_record``) must
        be examined for the statistics to be exact (None: no plan, or no needle)."""
        plan = self.plan
        if plan is None or not plan.needles:
            return None
        numeric = any(n.strip(_NUMBER_CHARS) == b"" for n in plan.needles)
        if not numeric and self.cfg.mode != _FULL:
            return self.searcher
        if self._record_searcher is None or self._record_searcher[0] is not plan:
            escapes = tuple(b"\\" + bytes([c]) for c in self.escapes)
            found = multiliteral.LiteralSet(plan.needles + escapes, regexes=(_FLOAT_RE,))
            self._record_searcher = (plan, found)
        return self._record_searcher[1]

    #: size of the sample the plan was chosen on (a plan from a tiny first file is
    #: chosen again on the first large block)
    sampled = 0

    def choose(self, sample: bytes | bytearray) -> None:
        if self.plan is None or (self.sampled < _SAMPLE and len(sample) >= 8 * self.sampled):
            self.sampled = len(sample)
            line_cost = COUNT_LINE_COST if self.cfg.mode == _COUNT else LINE_COST
            plan = choose_plan(self.prefilter, sample, self.hit_cost, line_cost=line_cost)
            self.use(plan, sample=bytes(sample))


def _always(line: Any) -> bool:
    return True


# The line matchers follow the compiler's contract: NO_MATCH_ERRORS is no match, and
# RESOURCE_ERRORS (like CompiledPattern's MatchResourceError) is never a verdict: the event
# is counted in ``stats.skipped["not_evaluated"]`` (and :func:`scan` raises without a
# ``stats``).


def _not_evaluated(st: ScanStats, location: str, error: BaseException) -> None:
    reason = error.reason if isinstance(error, MatchResourceError) else type(error).__name__
    st.skip("not_evaluated", location, f"matching ran out of resources ({reason})")


def _run(
    compiled: CompiledPattern,
    source: Source,
    fmt: str,
    jobs: int,
    stats: ScanStats | None,
    max_line: int,
    mode: int,
    progress: Callable[[int], None] | None,
) -> Iterator[Any]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, not {jobs!r}")
    st = stats if stats is not None else ScanStats()
    cfg = _Config(compiled.pattern, compiled.ast, fmt, max_line, mode)
    paths = [source] if isinstance(source, (str, os.PathLike)) else source
    if jobs == 1:
        engine = _Engine(cfg, compiled)
        for path in expand(paths, st):  # type: ignore[arg-type]
            yield from _scan_path(engine, path, st, progress)
    else:
        yield from _parallel(cfg, _Engine(cfg, compiled), paths, jobs, st, progress)
    if stats is None and st.skipped.get("not_evaluated"):
        # Nobody will read the counts: fail closed rather than return a partial answer.
        raise MatchResourceError(st.problems[0] if st.problems else "MemoryError")


def _scan_path(
    engine: _Engine | _Multi, path: str, st: ScanStats, progress: Callable[[int], None] | None
) -> Iterator[Any]:
    """Every hit (or count) of one input, sequentially."""
    if path != STDIN:
        whole = _archived_records(engine, path, st)
        if whole is not None:
            before = st.bytes
            yield from whole
            if progress is not None:
                progress(st.bytes - before)
            return
    opened = _open_fast(path, st)
    if opened is None:
        return
    stream, name, close = opened
    try:
        with guard_reads(st, name):
            head = _read_head(stream)
            auto = engine.cfg.fmt == "auto"
            fmt = resolve_format(engine.cfg.fmt, head, name, st)
            if fmt == "json":
                yield from _document_hits(
                    engine, stream, head, name, "auto" if auto else fmt, st, progress
                )
            elif fmt is not None:
                mapped = _map(stream)
                if mapped is not None:
                    with _unmapping(mapped):
                        yield from _mapped_hits(
                            engine, mapped, name, fmt == "jsonl", st, progress, 0, None
                        )
                else:
                    yield from _line_hits(
                        engine, stream, head, name, fmt == "jsonl", st, progress, 0, None
                    )
    finally:
        close()


def _map(stream: Any) -> mmap.mmap | None:
    """A read-only map of a plain file of at least ``_MAP_MIN`` bytes (None: read it).

    The scan then searches the page cache in place: no copy into a buffer.  A file
    truncated by another process while it is mapped would fault (SIGBUS) where its lost
    pages are touched, as with ripgrep's maps: the size is checked before each window
    (:func:`_shrunk`), so only a truncation during the search of one window can.
    """
    if not isinstance(stream, io.FileIO):
        return None
    try:
        if os.fstat(stream.fileno()).st_size < _MAP_MIN:
            return None
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, OverflowError):
        return None


class _unmapping:
    """Close a map when the scan ends (left to the garbage collector while a view of
    it is still held by an abandoned generator)."""

    def __init__(self, mm: mmap.mmap) -> None:
        self.mm = mm

    def __enter__(self) -> mmap.mmap:
        return self.mm

    def __exit__(self, *exc: object) -> None:
        try:
            self.mm.close()
        except BufferError:
            pass


def _open_fast(path: str, st: ScanStats) -> OpenedInput | None:
    """A plain regular file opened unbuffered (read straight into our buffer); anything
    else (stdin, gzip, pipes) through :func:`cwpattern.sources.open_input`."""
    if path != STDIN:
        try:
            raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the caller
        except OSError as e:
            st.skip("unreadable_file", path, e.strerror or str(e))
            return None
        try:
            regular = _stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
            magic = raw.read(2) if regular else b""
            if regular and magic != b"\x1f\x8b" and not path.endswith(".gz"):
                raw.seek(0)
                st.files += 1
                return OpenedInput(raw, path, raw.close)
        except OSError:
            pass
        raw.close()
    return open_input(path, st)


def _read_head(stream: Any) -> bytes:
    chunks, size = [], 0
    while size < _SNIFF:
        chunk = stream.read(_SNIFF - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _document_hits(
    engine: _Engine | _Multi,
    stream: Any,
    head: bytes,
    name: str,
    fmt: str,
    st: ScanStats,
    progress: Callable[[int], None] | None,
) -> Iterator[Any]:
    """CloudTrail ``Records`` files, ``aws logs`` output...: event by event."""
    before = st.bytes
    buffered = io.BufferedReader(Prefixed(head, stream), _SNIFF)
    if isinstance(engine, _Multi):
        yield from _multi_document_hits(engine, buffered, name, fmt, st)
        if progress is not None:
            progress(st.bytes - before)
        return
    match, mode, n = engine.compiled.matches, engine.cfg.mode, 0
    check = engine.check  # the literal prefilter: sound on any message
    for event in file_events(buffered, name, fmt, st, engine.cfg.max_line, 1 << 28):
        message = event.message
        if check is not _always and not _passes(check, message):
            continue
        try:
            ok = match(message)
        except MatchResourceError as e:
            _not_evaluated(st, event.location, e)
            ok = False
        if ok:
            if mode == _COUNT:
                n += 1
            else:
                yield _Hit(event.message, name, -1, event.location, event.timestamp)
    if mode == _COUNT and n:
        yield n
    if progress is not None:
        progress(st.bytes - before)


# --------------------------------------------------------------------------- many patterns


class _Multi:
    """Several patterns over one read of the input: each keeps its own plan and line
    check, and (with hyperscan) the needles of all plans are found in one shared pass,
    each hit going to the patterns whose needle it is."""

    def __init__(self, cfgs: list[_Config], compiled: list[CompiledPattern] | None = None) -> None:
        """``compiled``: the patterns of ``cfgs`` (compiled from their trees when None,
        in a worker).  When every config carries a plan (a worker's), the plans are used
        as they are, their needles searched for in one shared pass."""
        planned = all(c.plan is not None for c in cfgs)
        patterns: list[CompiledPattern | None] = [None] * len(cfgs)
        if compiled is not None:
            patterns = list(compiled)
        self.engines = [
            _Engine(replace(c, plan=None) if planned else c, p) for c, p in zip(cfgs, patterns)
        ]
        first = cfgs[0]
        self.cfg = _Config("", first.tree, first.fmt, first.max_line, first.mode)
        self.sampled = 0
        self.union: multiliteral.LiteralSet | KeyedLiteralSet | None = None
        self.owners: list[tuple[int, ...]] = []
        #: the shared pass searches member values by member (see _Config.keyed)
        self.keyed = first.keyed
        if planned:
            for e, c in zip(self.engines, cfgs):
                assert c.plan is not None
                e.use(c.plan, search=False)
                e.sampled = _SAMPLE
            self.sampled = _SAMPLE
            self._share()

    @property
    def configs(self) -> list[_Config]:
        """What a worker needs to rebuild this engine: each pattern's config with its
        current plan."""
        return [replace(e.cfg, plan=e.plan, keyed=self.keyed) for e in self.engines]

    def choose(self, sample: bytes | bytearray) -> None:
        """Each pattern's plan.  With hyperscan, one pass over the sample for the literals
        of all patterns counts the lines holding each needle, and each pattern takes the
        needles that hit the fewest lines (their search is shared: timing each pattern's
        candidate sets alone, 20-60 ms per pattern, cost more than the scan of 100 MB)."""
        shared = self._needle_lines(sample)
        chosen = []
        for e in self.engines:
            if shared is None:
                e.choose(sample)
            elif e.plan is None or (e.sampled < _SAMPLE and len(sample) >= 8 * e.sampled):
                e.sampled = len(sample)
                e.use(choose_plan(e.prefilter, sample, shared=shared), search=False)
                chosen.append(e)
        if shared is not None and chosen and len(self.engines) > 1:
            self._rechoose(chosen, bytes(sample), shared)
        self.sampled = min(e.sampled for e in self.engines)
        self._share(bytes(sample))

    def _rechoose(self, chosen: list[_Engine], sample: bytes, shared: dict[bytes, int]) -> None:
        """Choose the plans of ``chosen`` again, one at a time, now that each needle has a
        price: a needle no other pattern searches for costs a pass of its own (timed on
        the sample) unless it is the value of a member whose values the others search
        (one keyed pass finds them all: see :mod:`cwpattern.keyedsearch`).  CIS 4.6 (the
        event name ``ConsoleLogin`` and the message ``Failed authentication``) then takes
        ``ConsoleLogin``, which CIS 4.2 searches anyway, instead of a fifth ``memmem`` pass
        for the rarer message (measured: 0.033 s of 0.48 s on 1 GB of CloudTrail)."""
        if not shared:
            return
        keyed = keyedsearch.available()
        one = multiliteral.LiteralSet([min(shared, key=shared.__getitem__)])
        seconds = float("inf")
        for _ in range(3):  # the best of three: a time slice lost must not set the price
            t0 = time.perf_counter()
            one.hits(sample, 0, len(sample))
            seconds = min(seconds, time.perf_counter() - t0)
        for e in chosen:
            free: set[bytes] = set()
            members: set[bytes] = set()
            for other in self.engines:
                if other is e or other.plan is None or not other.plan.needles:
                    continue
                free.update(other.plan.needles)
                if keyed:
                    members.update(
                        m[0]
                        for n in other.plan.needles
                        if (m := _member_of(other.prefilter, n)) is not None
                    )
            price = {
                n: seconds
                for n in shared
                if n not in free
                and not ((m := _member_of(e.prefilter, n)) is not None and m[0] in members)
            }
            if e.plan is None or not e.plan.needles or not price.keys() & set(e.plan.needles):
                continue  # (its needles are free, and the prices only raised the others)
            e.use(choose_plan(e.prefilter, sample, shared=shared, pass_cost=price), search=False)

    def _needle_lines(self, sample: bytes | bytearray) -> dict[bytes, int] | None:
        """The number of sample lines holding each needle of any pattern (one pass), or
        None without hyperscan."""
        if multiliteral.default_engine() == "python":
            return None
        needles = {
            multiliteral.LiteralSet.needle_for(lit)
            for e in self.engines
            for lit in e.prefilter.literals()
        }
        found = multiliteral.LiteralSet(needles)
        data = bytes(sample)
        seen: set[tuple[int, int]] = set()
        for nid, pos in found.hits(data, 0, len(data)):
            seen.add((nid, data.rfind(b"\n", 0, pos)))
        lines: dict[bytes, int] = dict.fromkeys(found.needles, 0)
        for nid, _ in seen:
            lines[found.needles[nid]] += 1
        return lines

    def _share(self, sample: bytes | None = None) -> None:
        """The union of the plans' needles (and escapes), with the patterns owning each;
        the searcher timed faster on ``sample`` (else the one ``keyed`` says)."""
        self.union = None
        if multiliteral.default_engine() == "python":
            return  # one bytes.find pass per needle anyway: each region searches alone
        owners: dict[bytes, list[int]] = {}
        keys: dict[bytes, set[tuple[bytes, bytes] | None]] = {}
        for i, e in enumerate(self.engines):
            if e.plan is None or not e.plan.needles:
                continue
            escapes = tuple(b"\\" + bytes([c]) for c in e.escapes)
            for needle in e.plan.needles + escapes:
                owners.setdefault(needle, []).append(i)
                keys.setdefault(needle, set()).add(_member_of(e.prefilter, needle))
        # a needle every owner finds after the same member: searched as its value
        keyed: dict[bytes, tuple[bytes, bytes]] = {}
        for needle, found in keys.items():
            member = found.pop() if len(found) == 1 else None
            if member is not None:
                keyed[needle] = member
        union = keyedsearch.searcher_for(owners, keyed, sample, keyed=self.keyed)
        self.keyed = isinstance(union, KeyedLiteralSet)
        self.owners = [tuple(owners[n]) for n in union.needles]
        self.union = union

    def candidates(self, messages: list[bytes | None]) -> list[tuple[int, int]]:
        """``(message index, pattern index)`` of the pairs whose prefilter needles (or
        escapes) the message holds, in message then pattern order; every pair that can
        match is among them.  A message that is ``None`` (no byte spelling) goes to every
        pattern; a pattern without needles gets every message."""
        if self.sampled < _SAMPLE:
            sample, size = [], 0
            for m in messages:
                if m is not None:
                    sample.append(m)
                    size += len(m) + 1
                    if size >= _SAMPLE:
                        break
            if sample and (self.sampled == 0 or size >= 8 * self.sampled):
                self.choose(b"\n".join(sample))
        n, k = len(messages), len(self.engines)
        every = [
            i
            for i, e in enumerate(self.engines)
            if self.union is None
            or e.plan is None
            or not e.plan.needles
            or any(b"\n" in x for x in e.plan.needles)  # (not searched for: see LiteralSet)
        ]
        if len(every) == k:
            return [(j, i) for j in range(n) for i in range(k)]
        assert self.union is not None
        found: set[tuple[int, int]] = {(j, i) for j in range(n) for i in every}
        offsets: list[int] = []
        parts: list[bytes] = []
        at = 0
        for j, m in enumerate(messages):
            if m is None:
                found.update((j, i) for i in range(k))
                m = b""
            offsets.append(at)
            parts.append(m)
            at += len(m) + 1
        owners = self.owners
        for needle, pos in self.union.hits(b"\n".join(parts), 0, at - 1 if at else 0):
            j = bisect_right(offsets, pos) - 1
            found.update((j, i) for i in owners[needle])
        return sorted(found)

    def starts(self, buf: _Buf, start: int, end: int) -> list[list[int]] | None:
        """Per pattern, the hits of its needles in ``buf[start:end]`` (one pass)."""
        if self.union is None:
            return None
        out: list[list[int]] = [[] for _ in self.engines]
        owners = self.owners
        for needle, pos in self.union.hits(buf, start, end):
            for i in owners[needle]:
                out[i].append(pos)
        return out


class _MultiRegion:
    """A :class:`_Region` per pattern over the same lines.  The first one keeps the
    cursor and the statistics (events, skipped lines), the others work on copies."""

    def __init__(
        self,
        multi: _Multi,
        buf: _Buf,
        start: int,
        end: int,
        name: str,
        jsonl: bool,
        st: ScanStats,
        cur: _Cursor,
        time_of: TimeCache | None,
    ) -> None:
        self.regions = []
        for i, e in enumerate(multi.engines):
            c = cur
            if i:
                c = _Cursor(cur.offset)
                c.lines = cur.lines
            self.regions.append(
                _Region(e, buf, start, end, name, jsonl, st if i == 0 else ScanStats(), c, time_of)
            )
        shared = multi.starts(buf, start, end)
        if shared is not None:
            for region, starts in zip(self.regions, shared):
                if region.e.plan is not None and region.e.plan.needles:
                    region.starts = starts

    def count(self) -> list[int]:
        return [r.count() for r in self.regions]

    def hits(self) -> Iterator[tuple[int, _Hit]]:
        """``(pattern index, hit)`` in input order (one line: in pattern order)."""
        found = [(ls, i, hit) for i, r in enumerate(self.regions) for ls, hit in r.hits_at()]
        found.sort(key=lambda x: (x[0], x[1]))
        for _, i, hit in found:
            yield i, hit

    def finish(self) -> None:
        self.regions[0].finish()
        st = self.regions[0].st
        for r in self.regions[1:]:  # their own statistics: only unevaluated events count
            lost = r.st.skipped.get("not_evaluated", 0)
            if lost:
                st.skipped["not_evaluated"] = st.skipped.get("not_evaluated", 0) + lost
                for problem in r.st.problems:
                    if ": not_evaluated" in problem and len(st.problems) < st.max_problems:
                        st.problems.append(problem)


def _member_of(pf: Prefilter, needle: bytes) -> tuple[bytes, bytes] | None:
    """``(member token, value literal)`` when ``needle`` is (the end of) a literal that
    a matching line holds only as that member's value (see Prefilter.key_of)."""
    for literal in (needle, b'"' + needle):
        key = pf.key_of(literal)
        if key is not None:
            return key, literal
    return None


def _encodable(message: str) -> bytes | None:
    """The bytes the prefilter checks, or None for a message with a lone surrogate that
    no byte spelling has (a record with ``"\\ud800"``): it goes to the matcher unfiltered."""
    try:
        return message.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return None


def _passes(check: Callable[[bytes], bool], message: str) -> bool:
    line = _encodable(message)
    return line is None or check(line)


def _multi_document_hits(
    multi: _Multi, stream: Any, name: str, fmt: str, st: ScanStats
) -> Iterator[Any]:
    """Documents (CloudTrail ``Records`` files...) for several patterns: each event is
    decoded once; the needles of every pattern's plan are searched for in one pass over
    a batch of events, and each pattern tests only the events holding one of its own."""
    mode = multi.cfg.mode
    engines = multi.engines
    events = file_events(stream, name, fmt, st, multi.cfg.max_line, 1 << 28)
    while batch := list(islice(events, _DOC_BATCH)):
        lines = [_encodable(event.message) for event in batch]
        todo = multi.candidates(lines)
        for j, i in todo:
            event, line, e = batch[j], lines[j], engines[i]
            try:
                ok = (e.check is _always or line is None or e.check(line)) and e.compiled.matches(
                    event.message
                )
            except MatchResourceError as exc:
                _not_evaluated(st, event.location, exc)
                ok = False
            if ok:
                if mode == _COUNT:
                    yield i, 1
                else:
                    yield i, _Hit(event.message, name, -1, event.location, event.timestamp)


# --------------------------------------------------------------------------- line files


class _Cursor:
    """Where a line scan is: lines and bytes before the current buffer."""

    __slots__ = ("lines", "offset")

    def __init__(self, offset: int) -> None:
        self.lines = 0
        self.offset = offset


def _line_hits(
    engine: _Engine | _Multi,
    stream: Any,
    head: bytes,
    name: str,
    jsonl: bool,
    st: ScanStats,
    progress: Callable[[int], None] | None,
    start: int = 0,
    limit: int | None = None,
    cursor: _Cursor | None = None,
) -> Iterator[Any]:
    """Hits of a line-oriented stream positioned at byte ``start`` of its input, whose
    first bytes were already read into ``head``; stops after the last line that starts
    before ``start + limit``.  ``cursor.lines`` ends as the number of lines scanned (exact
    in FULL mode)."""
    cfg = engine.cfg
    max_line, mode = cfg.max_line, cfg.mode
    cur = cursor if cursor is not None else _Cursor(start)
    cap = max(_BLOCK + _SNIFF, 2 * (max_line + 2))
    buf = _take_buffer(cap)
    view = memoryview(buf)
    buf[: len(head)] = head
    filled = len(head)
    eof = False
    at_file_start = start == 0
    # Plain files: straight into the buffer.  Other streams (gzip, stdin): read1, which
    # returns what it has before a failure, as readline does in iter_events.
    plain = isinstance(stream, io.FileIO)
    readinto = stream.readinto if plain else None
    read = stream.read if plain else getattr(stream, "read1", stream.read)
    time_of = TimeCache() if mode == _FULL and jsonl else None
    failed: BaseException | None = None
    try:
        while True:
            target = min(cap, filled + _BLOCK)
            while not eof and filled < target:
                try:
                    if readinto is not None:
                        got = readinto(view[filled:target])
                    else:
                        chunk = read(target - filled)
                        got = len(chunk)
                        buf[filled : filled + got] = chunk
                except (EOFError, OSError, zlib.error) as e:
                    # Bad gzip or a read error: scan the whole lines read so far, then
                    # let the caller count the error (as iter_events does).
                    failed, eof, got = e, True, 0
                if not got:
                    eof = True
                    break
                filled += got
            if failed is not None:
                filled = buf.rfind(b"\n", 0, filled) + 1  # the partial last line is lost
            if filled == 0:
                if failed is not None:
                    raise failed
                return
            cut = buf.rfind(b"\n", 0, filled)
            if cut < 0 and not eof:
                if filled < cap:
                    continue
                # No terminator in the whole buffer: an oversized line; drain it.
                cur.lines += 1
                skipped, rest = _drain(stream, readinto, buf, view, filled)
                eof = rest < 0
                filled = max(rest, 0)
                st.skip(
                    "oversized_line",
                    f"{name}:{cur.lines}" if mode == _FULL else f"{name} (byte {cur.offset})",
                    f"longer than {max_line} bytes",
                )
                st.bytes += skipped
                cur.offset += skipped
                if progress is not None:
                    progress(skipped)
                if limit is not None and cur.offset - start >= limit:
                    return
                continue
            end = cut + 1 if cut >= 0 else filled  # whole lines only
            last = eof and end == filled
            if limit is not None and cur.offset + end - start >= limit:
                # Stop after the line that straddles the limit.
                stop = buf.find(b"\n", max(start + limit - cur.offset - 1, 0), end)
                end = stop + 1 if stop >= 0 else end
                last = True
            if engine.sampled < _SAMPLE:
                engine.choose(buf[: min(end, _SAMPLE)])
            bom = 3 if at_file_start and buf.startswith(b"\xef\xbb\xbf") else 0
            at_file_start = False
            region: _Region | _MultiRegion = (
                _MultiRegion(engine, buf, bom, end, name, jsonl, st, cur, time_of)
                if isinstance(engine, _Multi)
                else _Region(engine, buf, bom, end, name, jsonl, st, cur, time_of)
            )
            if mode == _COUNT:
                n = region.count()
                if isinstance(n, list):
                    yield from ((i, k) for i, k in enumerate(n) if k)
                elif n:
                    yield n
            else:
                yield from region.hits()
            region.finish()
            st.bytes += end
            cur.offset += end
            if progress is not None:
                progress(end)
            rest = filled - end
            if rest:
                buf[:rest] = buf[end:filled]
            filled = rest
            if last or (eof and not filled):
                if failed is not None:
                    raise failed
                return
    finally:
        view.release()
        _FREE_BUFFERS.append(buf)


def _mapped_hits(
    engine: _Engine | _Multi,
    mm: mmap.mmap,
    name: str,
    jsonl: bool,
    st: ScanStats,
    progress: Callable[[int], None] | None,
    start: int = 0,
    limit: int | None = None,
    cursor: _Cursor | None = None,
) -> Iterator[Any]:
    """:func:`_line_hits` over a map of the whole file: the regions of whole lines are
    windows of the map (``_BLOCK`` bytes), searched in place.  The pages of each window
    are dropped from this process once it is scanned (``MADV_DONTNEED``; they stay in the
    page cache), so resident memory stays bounded whatever the file size."""
    cfg = engine.cfg
    max_line, mode = cfg.max_line, cfg.mode
    cur = cursor if cursor is not None else _Cursor(0)
    cur.offset = 0  # region offsets are offsets in the file
    size = len(mm)
    stop = size if limit is None else min(size, start + limit)
    window = max(_BLOCK, 2 * (max_line + 2))
    time_of = TimeCache() if mode == _FULL and jsonl else None
    dontneed = getattr(mmap, "MADV_DONTNEED", None)
    dropped = 0
    pos = start
    while pos < stop:
        hi = min(pos + window, size)
        if _shrunk(mm, hi, name, pos, st):
            return
        if hi == size:
            end = size  # the last line may be unterminated
        else:
            nl = mm.rfind(b"\n", pos, hi)
            if nl < 0:
                # No terminator in a whole window: an oversized line, skipped unread.
                le = mm.find(b"\n", hi)
                end = size if le < 0 else le + 1
                cur.lines += 1
                st.skip(
                    "oversized_line",
                    f"{name}:{cur.lines}" if mode == _FULL else f"{name} (byte {pos})",
                    f"longer than {max_line} bytes",
                )
                st.bytes += end - pos
                if progress is not None:
                    progress(end - pos)
                pos = end
                continue
            end = nl + 1
        if end > stop:  # stop after the line that holds the last byte of the range
            nl = mm.find(b"\n", stop - 1, end)
            end = nl + 1 if nl >= 0 else end
        if engine.sampled < _SAMPLE:
            engine.choose(mm[pos : min(end, pos + _SAMPLE)])
        first = pos + 3 if pos == 0 and mm[:3] == b"\xef\xbb\xbf" else pos
        region: _Region | _MultiRegion = (
            _MultiRegion(engine, mm, first, end, name, jsonl, st, cur, time_of)
            if isinstance(engine, _Multi)
            else _Region(engine, mm, first, end, name, jsonl, st, cur, time_of)
        )
        if mode == _COUNT:
            n = region.count()
            if isinstance(n, list):
                yield from ((i, k) for i, k in enumerate(n) if k)
            elif n:
                yield n
        else:
            yield from region.hits()
        region.finish()
        st.bytes += end - pos
        if progress is not None:
            progress(end - pos)
        pos = end
        if dontneed is not None and pos - dropped >= _BLOCK:
            upto = pos - pos % _PAGE
            try:
                mm.madvise(dontneed, dropped, upto - dropped)
            except (OSError, ValueError):
                dontneed = None
            dropped = upto


def _shrunk(mm: mmap.mmap, upto: int, name: str, pos: int, st: ScanStats) -> bool:
    """Whether the mapped file is now shorter than ``upto`` (truncated in place by another
    process, as ``logrotate``'s ``copytruncate`` does): touching the lost pages would kill
    the process (SIGBUS), so the scan of the file stops there and says so
    (``changed_while_read``).  Checked before each window: a truncation while one window
    is being searched is not caught."""
    try:
        now = mm.size()
    except OSError:  # pragma: no cover - the map's own descriptor is always open
        return False
    if now >= upto:
        return False
    st.skip(
        "changed_while_read",
        f"{name} (byte {pos})",
        f"the file shrank to {now} bytes while it was read (truncated in place?)",
    )
    return True


#: Buffers of finished scans, reused: allocating (and zero-filling) 8 MB per file would
#: dominate the scan of a CloudTrail tree made of thousands of small files.
_FREE_BUFFERS: list[bytearray] = []


def _take_buffer(size: int) -> bytearray:
    while _FREE_BUFFERS:
        buf = _FREE_BUFFERS.pop()
        if len(buf) == size:
            return buf
    return bytearray(size)


def _drain(
    stream: Any, readinto: Any, buf: bytearray, view: memoryview, filled: int
) -> tuple[int, int]:
    """Skip to the end of the current line; ``(bytes skipped, bytes left in buf or -1 at
    end of input)``."""
    skipped = filled
    while True:
        if readinto is not None:
            got = readinto(view)
        else:
            chunk = stream.read(len(buf))
            got = len(chunk)
            buf[:got] = chunk
        if not got:
            return skipped, -1
        nl = buf.find(b"\n", 0, got)
        if nl >= 0:
            skipped += nl + 1
            buf[: got - nl - 1] = buf[nl + 1 : got]
            return skipped, got - nl - 1
        skipped += got


def _newlines(buf: _Buf, start: int, end: int) -> int:
    """The number of line feeds in ``buf[start:end]`` (a map has no ``count``: it is
    counted on a copy of the slice, at most a region long)."""
    if isinstance(buf, bytearray):
        return buf.count(b"\n", start, end)
    return buf[start:end].count(b"\n") if end > start else 0


class _Region:
    """Whole lines ``buf[start:end]`` (each ends with ``\\n``, or at the end of input)."""

    def __init__(
        self,
        engine: _Engine,
        buf: _Buf,
        start: int,
        end: int,
        name: str,
        jsonl: bool,
        st: ScanStats,
        cur: _Cursor,
        time_of: TimeCache | None,
    ) -> None:
        self.e, self.buf, self.start, self.end = engine, buf, start, end
        self.name, self.jsonl, self.st, self.cur = name, jsonl, st, cur
        self.time_of = time_of
        self.full = engine.cfg.mode == _FULL
        self.json_family = engine.json_family
        self.lineno = cur.lines  # lines before `mark`
        self.mark = start
        self.oversized: list[tuple[int, int]] = []
        self.counted = False  # events and lines already counted (every-line scan)

    def finish(self) -> None:
        """Advance the cursor past the region (line and event counts in FULL mode)."""
        if self.counted or not self.full:
            return
        buf, start, end = self.buf, self.start, self.end
        lines = _newlines(buf, start, end)
        if end > start and buf[end - 1] != 0x0A:
            lines += 1
        empty = self._empty_lines()
        for pos in empty:
            number = self.cur.lines + _newlines(buf, start, pos) + 1
            self.st.skip("empty_line", f"{self.name}:{number}")
        self.cur.lines += lines
        self.st.events += lines - len(empty) - len(self.oversized) - self.rejected

    rejected = 0
    #: hits of the plan's needles in the region, found by a search shared with other
    #: patterns (scan_many); None: search here
    starts: list[int] | None = None

    def _where(self, ls: int) -> str:
        """Location of the line starting at ``ls``: its number in FULL mode, else its byte."""
        if self.full:
            return f"{self.name}:{self.line_number(ls)}"
        return f"{self.name} (byte {self.cur.offset + ls})"

    def _empty_lines(self) -> list[int]:
        """Start offsets of the empty lines (``\\n`` or ``\\r\\n`` alone), in order."""
        buf, start, end = self.buf, self.start, self.end
        first = buf[start : start + 2]
        out = [start] if first[:1] == b"\n" or first == b"\r\n" else []
        for pat in (b"\n\n", b"\n\r\n"):
            out.extend(pos + 1 for pos in multiliteral.find_all(buf, pat, start, end))
        return sorted(out)

    def line_number(self, ls: int) -> int:
        """1-based number of the line starting at ``ls`` (calls must go forward)."""
        self.lineno += _newlines(self.buf, self.mark, ls)
        self.mark = ls
        return self.lineno + 1

    def _find_oversized(self) -> None:
        """Lines longer than max_line: each holds a newline-free aligned window of half that
        length, so only such windows need a closer look."""
        buf, start, end, max_line = self.buf, self.start, self.end, self.e.cfg.max_line
        if end - start <= max_line:
            return
        half = max(max_line // 2, 1)
        k = start
        while k + half <= end:
            if buf.find(b"\n", k, k + half) >= 0:
                k += half
                continue
            ls = max(buf.rfind(b"\n", start, k) + 1, start)
            le = buf.find(b"\n", k, end)
            le = end if le < 0 else le
            text_end = le - 1 if ls < le < end and buf[le - 1] == 0x0D else le
            if text_end - ls > max_line:
                self.oversized.append((ls, le))
                number = self.cur.lines + _newlines(buf, start, ls) + 1
                where = (
                    f"{self.name}:{number}"
                    if self.full
                    else f"{self.name} (byte {self.cur.offset + ls})"
                )
                self.st.skip("oversized_line", where, f"longer than {max_line} bytes")
            k = le + 1

    def _accept(self, line: Any, where: Callable[[], str]) -> bool:
        """Is this matching line an event?  (JSON lines: JSON once invalid UTF-8 is
        replaced by U+FFFD; else counted.)  Invalid UTF-8 is flagged in FULL mode."""
        if self.jsonl:
            reason = _jsonl_defect(line, self.json_family)
            if reason is not None:
                self.st.skip(reason[0], where(), reason[1])
                self.rejected += 1
                return False
        if self.full and not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                self.st.flag("not_utf8", where(), str(e))
        return True

    def _timestamp(self, line: bytes) -> int | None:
        if self.time_of is None:
            return None
        try:
            doc = orjson.loads(line) if HAVE_ORJSON else None
        except ValueError:  # invalid UTF-8 among others: the standard library decides
            doc = None
        if doc is None:
            try:
                doc = STRICT_JSON.decode(line.decode("utf-8", "replace"))
            except (ValueError, RecursionError):
                return None
        return self.time_of(doc.get("eventTime")) if isinstance(doc, dict) else None

    # -- scanning

    def count(self) -> int:
        """The number of matching events (COUNT mode)."""
        n = 0
        trusted = not self.jsonl or self.json_family  # ASCII matches are events
        if trusted and not self.full and not (self.e.plan and self.e.plan.needles):
            bulk = self._count_every_line()
            if bulk is not None:
                return bulk
        name, cur = self.name, self.cur
        for line, ls, _ in self._matching():
            if (trusted and line.isascii()) or self._accept(line, _at_byte(name, cur, ls)):
                n += 1
        return n

    def hits(self) -> Iterator[_Hit]:
        """The matching events (LINES and FULL modes)."""
        for _, hit in self.hits_at():
            yield hit

    def hits_at(self) -> Iterator[tuple[int, _Hit]]:
        """``(line start offset, hit)`` of the matching events."""
        name, full = self.name, self.full
        for line, ls, lineno in self._matching():
            line = bytes(line)
            if full and lineno is None:
                lineno = self.line_number(ls)
            where = _at_line(name, lineno) if lineno is not None else _at_byte(name, self.cur, ls)
            if self._accept(line, where):
                if full:
                    yield ls, _Hit(line, name, lineno or 0, None, self._timestamp(line))
                else:
                    yield ls, _Hit(line, name, 0)

    def _matching(self) -> Iterator[tuple[Any, int, int | None]]:
        """``(line, start offset, line number or None)`` of the lines the pattern matches."""
        plan = self.e.plan
        if plan is not None and plan.needles:
            return self._literal_lines(plan.needles)
        return self._every_line()

    def _count_every_line(self) -> int | None:
        """COUNT mode, no needle, every matching line an event (JSON patterns, or lines
        that need not be JSON): the lines matched in one ``filter`` over the split region,
        with no per-line bookkeeping.  None (then :meth:`_every_line` scans the region
        line by line) when a line needs reporting or care: an empty or oversized line, a
        carriage return, a matcher that raised."""
        e = self.e
        buf, start, end = self.buf, self.start, self.end
        if buf.find(b"\r", start, end) >= 0:  # (memchr: fast, unlike a search for b"\n\n")
            return None
        if self.json_family and e.check is _always:
            return self._count_json_lines()
        data = bytes(memoryview(buf)[start:end])
        lines = data.split(b"\n")
        if not lines[-1]:
            lines.pop()
        if not lines or not all(lines) or max(map(len, lines)) > e.cfg.max_line:
            return None
        check = e.check
        try:
            if check is not _always:
                lines = list(filter(check, lines))
            return len(list(filter(e.line_match, lines)))
        except (*NO_MATCH_ERRORS, *RESOURCE_ERRORS):
            return None

    def _count_json_lines(self) -> int | None:
        """:meth:`_count_every_line` for a JSON pattern: each line is handed to the
        matcher as a view of the buffer (JSON matchers take any bytes-like object), no
        copy (measured: a third less time than splitting the region into bytes)."""
        buf, end, match, max_line = self.buf, self.end, self.e.line_match, self.e.cfg.max_line
        view, find = memoryview(buf), buf.find
        n, pos = 0, self.start
        try:
            while pos < end:
                le = find(b"\n", pos, end)
                if le < 0:
                    le = end
                if not 0 < le - pos <= max_line:  # empty or oversized: reported line by line
                    return None
                if match(view[pos:le]):  # type: ignore[arg-type]
                    n += 1
                pos = le + 1
        except (*NO_MATCH_ERRORS, *RESOURCE_ERRORS):
            return None
        return n

    def _every_line(self) -> Iterator[tuple[Any, int, int | None]]:
        """No useful needle: every line is examined."""
        e, st, name, full = self.e, self.st, self.name, self.full
        check, match, max_line = e.check, e.line_match, e.cfg.max_line
        lines = bytes(memoryview(self.buf)[self.start : self.end]).split(b"\n")
        # The region ends with a terminator (then split leaves an empty item), or with an
        # unterminated last line, which keeps a final \r (as readline does).
        open_last = len(lines) - 1 if lines[-1] else -1
        if not lines[-1]:
            lines.pop()
        lineno = self.cur.lines
        ls = self.start
        events = 0
        for i, line in enumerate(lines):
            lineno += 1
            size = len(line) + 1
            if line[-1:] == b"\r" and i != open_last:
                line = line[:-1]
            if not line:
                st.skip(
                    "empty_line",
                    f"{name}:{lineno}" if full else f"{name} (byte {self.cur.offset + ls})",
                )
            elif len(line) > max_line:
                st.skip(
                    "oversized_line",
                    f"{name}:{lineno}" if full else f"{name} (byte {self.cur.offset + ls})",
                    f"longer than {max_line} bytes",
                )
            else:
                events += 1
                try:
                    ok = check(line) and match(line)
                except RESOURCE_ERRORS as exc:
                    where = f"{name}:{lineno}" if full else f"{name} (byte {self.cur.offset + ls})"
                    _not_evaluated(st, where, exc)
                    ok = False
                except NO_MATCH_ERRORS:
                    ok = False
                if ok:
                    yield line, ls, lineno
            ls += size
        if full:
            self.cur.lines = lineno
            st.events += events - self.rejected
            self.counted = True

    def _literal_lines(self, needles: tuple[bytes, ...]) -> Iterator[tuple[Any, int, int | None]]:
        """Search the region for the needles (and, for JSON, for escapes); examine only
        the lines around the hits."""
        e, buf, start, end = self.e, self.buf, self.start, self.end
        check, match = e.check, e.line_match
        find, rfind = buf.find, buf.rfind
        self._find_oversized()
        oversized = self.oversized
        unchecked = check is _always
        if self.starts is not None or e.searcher is not None:
            starts = self.starts
            if starts is None:
                assert e.searcher is not None
                starts = e.searcher.starts(buf, start, end)
            i, n = 0, len(starts)
            while i < n:
                h = starts[i]
                ls = max(rfind(b"\n", start, h) + 1, start)
                le = find(b"\n", h, end)
                if le < 0:
                    le = end
                i = bisect_right(starts, le, i + 1)
                if oversized and any(a <= ls < b for a, b in oversized):
                    continue
                line = buf[ls : le - 1 if ls < le < end and buf[le - 1] == 0x0D else le]
                try:
                    ok = (unchecked or check(line)) and match(line)
                except RESOURCE_ERRORS as exc:
                    _not_evaluated(self.st, self._where(ls), exc)
                    ok = False
                except NO_MATCH_ERRORS:
                    ok = False
                if ok:
                    yield line, ls, None
            return
        needles, triggers = self._triggers(needles)
        if len(needles) == 1 and not triggers:
            (needle,) = needles
            h = find(needle, start, end)
            while h >= 0:
                ls = rfind(b"\n", start, h) + 1
                ls = max(ls, start)
                le = find(b"\n", h, end)
                if le < 0:
                    le = end
                if not (oversized and any(a <= ls < b for a, b in oversized)):
                    line = buf[ls : le - 1 if ls < le < end and buf[le - 1] == 0x0D else le]
                    try:
                        ok = (unchecked or check(line)) and match(line)
                    except RESOURCE_ERRORS as exc:
                        _not_evaluated(self.st, self._where(ls), exc)
                        ok = False
                    except NO_MATCH_ERRORS:
                        ok = False
                    if ok:
                        yield line, ls, None
                h = find(needle, le + 1, end) if le + 1 < end else -1
            return
        nxt = [find(n, start, end) for n in needles]
        t_next = triggers[0] if triggers else -1
        t_index = 0
        pos = start
        while pos < end:
            h = t_next
            for i, p in enumerate(nxt):
                if 0 <= p < pos:
                    p = nxt[i] = find(needles[i], pos, end)
                if p >= 0 and (h < 0 or p < h):
                    h = p
            if h < 0:
                return
            ls = rfind(b"\n", start, h) + 1
            ls = max(ls, start)
            le = find(b"\n", h, end)
            if le < 0:
                le = end
            pos = le + 1
            while 0 <= t_next < pos:
                t_index += 1
                t_next = triggers[t_index] if t_index < len(triggers) else -1
            if oversized and any(a <= ls < b for a, b in oversized):
                continue
            line = buf[ls : le - 1 if ls < le < end and buf[le - 1] == 0x0D else le]
            try:
                ok = (unchecked or check(line)) and match(line)
            except RESOURCE_ERRORS as exc:
                _not_evaluated(self.st, self._where(ls), exc)
                ok = False
            except NO_MATCH_ERRORS:
                ok = False
            if ok:
                yield line, ls, None

    def _triggers(self, needles: tuple[bytes, ...]) -> tuple[tuple[bytes, ...], list[int]]:
        """Offsets of the JSON escapes that can spell a literal (a backslash then ``u`` or
        ``/``): their lines bypass the needles.  Backslash-heavy regions search for the
        escapes as extra needles instead."""
        escapes = self.e.escapes
        if not escapes:
            return needles, []
        buf, end, find = self.buf, self.end, self.buf.find
        out: list[int] = []
        misses = 0
        # Visiting a backslash costs about what searching 128 bytes for a two-byte needle
        # does: past that density, search for the escapes themselves.
        most = max(_MAX_BACKSLASH_MISSES, (end - self.start) // 128)
        bs = find(b"\\", self.start, end)
        while bs >= 0:
            if bs + 1 < end and buf[bs + 1] in escapes:
                out.append(bs)
            else:
                misses += 1
                if misses > most:
                    return needles + tuple(b"\\" + bytes([c]) for c in escapes), []
            bs = find(b"\\", bs + 1, end)
        return needles, out


def _at_line(name: str, lineno: int) -> Callable[[], str]:
    """A location, formatted only when a problem is recorded."""
    return lambda: f"{name}:{lineno}"


def _at_byte(name: str, cur: _Cursor, ls: int) -> Callable[[], str]:
    return lambda: f"{name} (byte {cur.offset + ls})"


def _jsonl_defect(line: bytes, json_object: bool) -> tuple[str, str] | None:
    """Why a JSON-lines line is not an event (as :func:`cwpattern.sources.iter_events`
    decides), or None.  ``json_object``: the line is known to decode as a JSON object.
    Invalid UTF-8 is decoded with U+FFFD (spec §4.3), as the matcher does."""
    if json_object:
        return None
    if not line.strip(b" \t\r\n"):
        return "empty_line", ""
    if HAVE_ORJSON and (
        len(line) < 2 * DEEP_BRACKETS or line.count(b"[") + line.count(b"{") < DEEP_BRACKETS
    ):
        # (orjson accepts deeper nesting than the standard library: see compiler)
        try:
            orjson.loads(line)
            return None
        except ValueError:
            pass
    try:
        STRICT_JSON.decode(line.decode("utf-8", "replace"))
    except (ValueError, RecursionError) as e:
        return "invalid_json_line", str(e)
    return None


# --------------------------------------------------------------------------- archived Records

#: Largest ``Records`` document (inflated) searched whole; larger ones are streamed.
_WHOLE = 64 << 20
_PEEK = 4096  # bytes read to see whether a file is a Records document


def _archived_records(engine: _Engine | _Multi, path: str, st: ScanStats) -> list[Any] | None:
    """The hits (or count) of a CloudTrail ``{"Records":[...]}`` file (gzip or plain)
    searched whole: its inflated bytes are searched in one hyperscan pass for the plan's
    needles, the escapes that could spell them and float tokens, and only the records
    holding a hit are decoded (:func:`cwpattern.sources.record_event`) and matched.

    Sound for JSON patterns: their literals are in every JSON spelling of a matching
    record (:mod:`cwpattern.prefilter`), so in the file's, except where an escape or a
    number's spelling differs from the message's, and those records are examined.
    None, with nothing counted, when the file is not one that
    :func:`cwpattern.archive.frame_records` frames (damaged or truncated gzip, invalid
    JSON or UTF-8, blanks between records, other members, too large), when a record
    around a hit does not decode, for other patterns, or without hyperscan or msgspec:
    the file is then streamed by :func:`_document_hits`, which decides and reports."""
    if (
        not isinstance(engine, _Engine)
        or not engine.json_family
        or not archive.HAVE_FRAMING
        or multiliteral.default_engine() != "hyperscan"
        or engine.cfg.fmt not in ("auto", "json")
    ):
        return None
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not _stat.S_ISREG(info.st_mode) or info.st_size > _WHOLE:
                return None
            head = fh.read(_PEEK)
            if not archive.records_start(head):
                return None  # not a Records document: read as it is, once
            data = head + fh.read(info.st_size + 1 - len(head))
    except (OSError, MemoryError):
        return None
    try:
        return _search_records(engine, path, data, st)
    except MemoryError:  # the streaming reader reads it in bounded memory, or says so
        return None


def _search_records(engine: _Engine, path: str, data: bytes, st: ScanStats) -> list[Any] | None:
    """:func:`_archived_records` of a file read whole as ``data``."""
    gzipped = data[:2] == b"\x1f\x8b"
    if gzipped:
        doc = archive.inflate(data, _WHOLE)
        if doc is None:
            return None
    elif path.endswith(".gz") or len(data) > _WHOLE:
        return None
    else:
        doc = data
    # What resolve_format makes of the first 64 KiB: for a document that frame_records
    # accepts (one complete {"Records":[ object), the first bytes decide (the rest of the
    # sniff window only matters for NUL bytes, and for text that follows a first value).
    if engine.cfg.fmt == "auto" and (
        b"\0" in doc[:_SNIFF] or sniff_format(doc[:256], path) != "json"
    ):
        return None
    frames = archive.frame_records(doc)
    if frames is None:
        return None
    starts, sizes = frames
    if engine.sampled < _SAMPLE:  # the plan, chosen on the first records as JSON lines
        sample, size = [], 0
        for a, n in zip(starts, sizes):
            if size >= _SAMPLE:
                break
            sample.append(doc[a : a + n])
            size += n + 1
        engine.choose(b"\n".join(sample))
    searcher = engine.record_searcher()
    if searcher is None:
        return None
    examine = {bisect_right(starts, h) - 1 for h in searcher.starts(doc, 0, len(doc))}
    if len(starts) > 1:
        firsts = bytes(itemgetter(*starts)(doc))  # the first byte of each record
    else:
        firsts = b"".join(doc[a : a + 1] for a in starts)
    objects = firsts.count(b"{")
    if objects < len(starts):  # items that are not objects: counted as the reader does
        examine.update(k for k, c in enumerate(firsts) if c != 0x7B)
    mode, match, check = engine.cfg.mode, engine.compiled.matches, engine.check
    part = ScanStats()
    items: list[Any] = []
    n = 0
    for k in sorted(examine):
        if k < 0:
            continue
        a = starts[k]
        location = f"{path}#Records[{k}]"
        try:
            event = record_event(doc[a : a + sizes[k]].decode("utf-8"), location, part)
        except (ValueError, RecursionError):
            return None  # the streaming reader ends the document there, and says so
        if event is None:
            continue
        message = event.message
        if check is not _always and not _passes(check, message):
            continue
        try:
            ok = match(message)
        except MatchResourceError as e:
            _not_evaluated(part, location, e)
            ok = False
        if ok:
            if mode == _COUNT:
                n += 1
            else:
                items.append(_Hit(message, path, -1, location, event.timestamp))
    # The objects not examined are events as they are (no float, no escape).
    examined_objects = sum(1 for k in examine if k >= 0 and firsts[k] == 0x7B)
    st.files += 1
    st.bytes += len(doc)
    if gzipped:
        st.gzip_in += len(data)
        st.gzip_out += len(doc)
    st.events += objects - examined_objects
    st.merge(part)
    if mode == _COUNT:
        return [n] if n else []
    return items


# --------------------------------------------------------------------------- parallel


@dataclass(frozen=True)
class _Unit:
    path: str
    start: int
    end: int  # -1: the whole input, sequentially (gzip, documents)
    fmt: str
    first: bool  # the unit that counts the file in stats.files


class _UnitResult(NamedTuple):
    items: list[Any]  # hits (line numbers relative to the unit) or counts
    lines: int  # lines of the unit (FULL mode)
    stats: ScanStats


def _worker_main(cfg: _Config | list[_Config], share: list[tuple[int, _Unit]], conn: Any) -> None:
    """A worker process: scan its share of the units in order, sending ``(index,
    result)`` for each; on a failure ``(-1, exception)``, which the parent raises.
    ``cfg`` is one pattern's config, or a list of them (several patterns, one pass)."""
    try:
        engine = _Engine(cfg) if isinstance(cfg, _Config) else _Multi(cfg)
        for i, unit in share:
            conn.send((i, _work_unit(engine, unit)))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            conn.send((-1, e))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send((-1, RuntimeError(f"a scan worker failed: {e!r}")))
    finally:
        conn.close()


def _work_unit(engine: _Engine | _Multi, unit: _Unit) -> _UnitResult:
    st = ScanStats()
    if unit.end < 0:
        return _UnitResult(list(_scan_path(engine, unit.path, st, None)), 0, st)
    items: list[Any] = []
    cur = _Cursor(unit.start)
    try:
        raw = open(unit.path, "rb", buffering=0)  # noqa: SIM115
    except OSError as e:
        st.skip("unreadable_file", unit.path, e.strerror or str(e))
        return _UnitResult(items, 0, st)
    if unit.first:
        st.files += 1
    with raw, guard_reads(st, unit.path):
        mapped = _map(raw)
        if mapped is not None:
            with _unmapping(mapped) as mm:
                at = 0 if unit.start == 0 else mm.find(b"\n", unit.start - 1) + 1
                if unit.start == 0 or 0 < at < unit.end:
                    jsonl = unit.fmt == "jsonl"
                    items.extend(
                        _mapped_hits(engine, mm, unit.path, jsonl, st, None, at, unit.end - at, cur)
                    )
            return _UnitResult(items, cur.lines, st)
        begin = _line_start_at(raw, unit.start)
        if begin is None or begin >= unit.end:
            return _UnitResult(items, 0, st)
        raw.seek(begin)
        cur.offset = begin
        items.extend(
            _line_hits(
                engine,
                raw,
                b"",
                unit.path,
                unit.fmt == "jsonl",
                st,
                None,
                begin,
                unit.end - begin,
                cur,
            )
        )
    return _UnitResult(items, cur.lines, st)


def _line_start_at(raw: Any, start: int) -> int | None:
    """Offset of the first line that starts at or after ``start`` (None: none does)."""
    if start == 0:
        return 0
    raw.seek(start - 1)
    pos = start - 1
    while True:
        probe: bytes = raw.read(_SNIFF)
        if not probe:
            return None
        nl = probe.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(probe)


def _units(cfg: _Config, paths: Any, st: ScanStats, jobs: int) -> Iterator[_Unit | str]:
    """Work units in input order; stdin is yielded as the string ``"-"``."""
    for path in expand(paths, st):
        if path == STDIN:
            yield path
            continue
        fmt = cfg.fmt
        size = -1  # not a plain regular file
        try:
            with open(path, "rb") as fh:
                info = os.fstat(fh.fileno())
                if _stat.S_ISREG(info.st_mode):
                    head = fh.read(_SNIFF)
                    if head[:2] != b"\x1f\x8b" and not path.endswith(".gz"):
                        size = info.st_size
        except OSError:
            pass
        if size >= 0 and fmt == "auto":
            fmt = sniff_format(head, path)
        if size <= _UNIT // 4 or fmt not in ("jsonl", "text"):
            yield _Unit(path, 0, -1, cfg.fmt, True)
            continue
        step = max(_UNIT // 4, min(_UNIT, -(-size // (jobs * 4))))
        for a in range(0, size, step):
            yield _Unit(path, a, min(a + step, size), fmt, a == 0)


def _plan_sample(paths: Any) -> bytes:
    """The first bytes of the first plain input, to choose the prefilter plan once."""
    for path in expand(paths, ScanStats()):
        if path == STDIN:
            continue
        try:
            with open(path, "rb") as fh:
                data = fh.read(_SAMPLE)
        except OSError:
            continue
        if data[:2] != b"\x1f\x8b":
            return data
    return b""


def _merge(st: ScanStats, part: ScanStats) -> None:
    st.merge(part)


def _shift_problems(part: ScanStats, path: str, offset: int) -> None:
    """The problems of a worker's unit located at ``path:LINE`` (the line counted from
    the unit's first line), moved to their line in the file: ``offset`` lines precede
    the unit."""
    at = re.compile(r"\A" + re.escape(path) + r":([0-9]+): ")
    part.problems = [
        at.sub(lambda m: f"{path}:{int(m[1]) + offset}: ", p, count=1) for p in part.problems
    ]


def _start_method() -> str:
    """fork on Linux (workers start in milliseconds); spawn elsewhere.  Everything a
    worker receives is picklable, so both work (tests run both)."""
    methods = multiprocessing.get_all_start_methods()
    return "fork" if sys.platform == "linux" and "fork" in methods else "spawn"


def _parallel(
    cfg: _Config | list[_Config],
    engine: _Engine | _Multi,
    paths: Any,
    jobs: int,
    st: ScanStats,
    progress: Callable[[int], None] | None,
) -> Iterator[Any]:
    """Scan the work units in ``jobs`` worker processes and merge their results in input
    order.  The units are dealt out in advance (unit ``i`` to worker ``i % jobs``) and
    each worker streams its results through a pipe: no scheduler between units (a
    ``multiprocessing.Pool`` spent 10-15 ms handing out each unit, as much as scanning
    a 32 MB range), and a worker blocks on a full pipe until the parent has read its
    earlier results, so memory holds a few units' hits.  With a single unit of work
    there is no worker: it is scanned here.

    ``cfg`` is the config of ``engine`` (a list of configs for the several patterns of a
    :class:`_Multi`, whose items are ``(pattern index, hit or count)``); the plans chosen
    here on the first bytes are given to every worker."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [STDIN] if paths is None else [os.fspath(p) for p in paths] or [STDIN]
    sample = _plan_sample(paths)
    if sample:
        engine.choose(sample)
        if isinstance(engine, _Multi):
            cfg = engine.configs
        else:
            assert isinstance(cfg, _Config)
            cfg.plan, cfg.keyed = engine.plan, engine.cfg.keyed
    units = list(_units(engine.cfg, paths, st, jobs))
    work = [(i, u) for i, u in enumerate(units) if isinstance(u, _Unit)]
    n = min(jobs, len(work)) if len(work) > 1 else 0
    owner = {i: k % n for k, (i, _) in enumerate(work)} if n else {}
    procs: list[Any] = []
    conns: list[Any] = []
    base: dict[str, int] = {}  # lines already seen per path (FULL mode)
    try:
        if n:
            ctx = multiprocessing.get_context(_start_method())
            for k in range(n):
                recv, send = ctx.Pipe(duplex=False)
                share = work[k::n]
                proc = ctx.Process(  # type: ignore[attr-defined]
                    target=_worker_main, args=(cfg, share, send), daemon=True
                )
                proc.start()
                send.close()
                procs.append(proc)
                conns.append(recv)
        for i, unit in enumerate(units):
            if not isinstance(unit, _Unit):  # stdin: scanned here, in its place
                yield from _scan_path(engine, unit, st, progress)
                continue
            if n:
                try:
                    got, res = conns[owner[i]].recv()
                except EOFError:
                    raise RuntimeError("a scan worker process ended before its results") from None
                if got < 0:
                    raise res
            else:
                res = _work_unit(engine, unit)
            before = st.bytes
            offset = base.get(unit.path, 0)
            base[unit.path] = offset + res.lines
            if offset and res.stats.problems:
                _shift_problems(res.stats, unit.path, offset)
            _merge(st, res.stats)
            if progress is not None:
                progress(st.bytes - before)
            if not offset:
                yield from res.items
                continue
            for item in res.items:
                if type(item) is tuple:  # (pattern index, hit or count): several patterns
                    i, hit = item
                    if isinstance(hit, _Hit) and hit.lineno > 0:
                        item = (i, hit._replace(lineno=hit.lineno + offset))
                elif isinstance(item, _Hit) and item.lineno > 0:
                    item = item._replace(lineno=item.lineno + offset)
                yield item
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()
