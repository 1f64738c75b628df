"""Streaming log inputs: files, directory trees and stdin as CloudWatch Logs events.

Patterns are evaluated against *messages*, one CloudWatch Logs event each.  Logs reach us in
several shapes, and this module turns every one of them into :class:`LogEvent` objects without
ever holding more than one file (or one line) in memory:

* JSON lines (``.jsonl``, plain or gzip): each line is one message, taken verbatim — a
  CloudTrail record per line is exactly what CloudTrail puts into one CloudWatch Logs event.
  Lines that are not JSON are skipped and counted (``invalid_json_line``).
* CloudTrail files as S3 delivers them (``{"Records":[...]}``, ``.json`` or ``.json.gz``) and
  JSON arrays of records (Stratus Red Team style): each record is re-serialised compactly
  (``json.dumps(separators=(",", ":"), ensure_ascii=False)``) as CloudTrail delivers it to
  CloudWatch Logs.  ``Records`` documents are streamed record by record (memory holds one
  record, whatever the document's size); other documents are loaded one at a time.
* The JSON output of ``aws logs filter-log-events`` / ``get-log-events``
  (``{"events":[{"timestamp":..., "message":...}]}``): messages verbatim, timestamps kept; and
  of ``aws cloudtrail lookup-events`` (``{"Events":[{"CloudTrailEvent": "..."}]}``).
* Plain text logs: each line is a message (``\\n`` / ``\\r\\n`` stripped).
* Directory trees (recursive, sorted) and stdin (``-``).  A walk leaves out, and counts in
  ``ScanStats.ignored`` by kind: hidden entries (``hidden``, unless ``hidden=True``),
  symbolic links to directories (``symlinked_dir``, unless ``follow=True``; followed links
  that lead back to a directory already walked are ``symlink_loop``), entries that
  ``globs``/``excludes`` leave out (``excluded``).  Special files (FIFOs, sockets,
  devices) and broken links cannot be read: they are ``skipped`` (``special_file``,
  ``broken_link``).
* CloudTrail digest files (``CloudTrail-Digest/`` in an ``aws s3 sync`` of a trail
  bucket) hold no events: ignored by path and by shape (``cloudtrail_digest``).

Bad input is never fatal: it is counted in :class:`ScanStats` (``skipped`` for input that
produced no event, ``flagged`` for events delivered with a defect) and the first problems are
kept with their locations.  :meth:`ScanStats.incomplete` tells whether any input was lost.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "app.jsonl")
>>> with open(path, "w") as fh:
...     _ = fh.write('{"eventTime":"2024-03-04T08:00:00Z"}\\nnot json\\n')
>>> stats = ScanStats()
>>> [(e.message, e.timestamp) for e in iter_events([path], stats=stats)]
[('{"eventTime":"2024-03-04T08:00:00Z"}', 1709539200000)]
>>> stats.skipped
{'invalid_json_line': 1}
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import IO, Any, NamedTuple, cast

__all__ = [
    "FORMATS",
    "STDIN",
    "STRICT_JSON",
    "LogEvent",
    "OpenedInput",
    "Prefixed",
    "RawLine",
    "ScanStats",
    "TimeCache",
    "events_from_bytes",
    "expand",
    "file_events",
    "guard_reads",
    "is_digest_path",
    "iter_events",
    "iter_lines_bytes",
    "open_bytes",
    "open_input",
    "record_event",
    "resolve_format",
    "sniff_format",
]

#: Accepted values of ``fmt``: ``jsonl`` (one JSON message per line), ``text`` (one message
#: per line, no check), ``json`` (JSON documents: CloudTrail ``Records`` files, arrays of
#: records, ``aws logs``/``lookup-events`` output, bare records), ``auto`` (sniffed per file).
FORMATS = ("auto", "jsonl", "text", "json")

#: The path that means standard input.
STDIN = "-"
_SNIFF_BYTES = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_MAX_PROBLEMS = 50
_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_JSONISH = re.compile(rb'(?:\[[ \t\r\n]*[\[{"\]]|\{[ \t\r]*["}\n]|[\[{][ \t\r]*$)')
_WRAPPER_START = re.compile(rb'\{[ \t\r\n]*"(?:Records|events|Events)"[ \t\r\n]*:[ \t\r\n]*\[')
#: Keys of a CloudTrail digest file (``CloudTrail-Digest/``), which holds no events.
_DIGEST_KEYS = frozenset({"digestStartTime", "digestEndTime", "logFiles"})
#: ``skipped`` reasons that do not mean lost input (an empty line cannot be an event).
_NOT_LOST = frozenset({"empty_line"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: Strict RFC 8259 decoding: ``NaN``/``Infinity`` are rejected (the stdlib accepts them).
#: The one JSON decoder that decides whether a line or document is JSON.
STRICT_JSON = json.JSONDecoder(parse_constant=_reject_constant)


@dataclass
class LogEvent:
    """One CloudWatch Logs event: the message text and where it came from."""

    message: str
    location: str  #: ``path:line``, ``path#Records[12]``, ``path#events[3]``, ``<stdin>:4``
    timestamp: int | None = None  #: milliseconds since the epoch, when the input has one


class RawLine(NamedTuple):
    """One raw line of a plain or gzip file (terminator stripped), see :func:`iter_lines_bytes`."""

    path: str
    lineno: int  #: 1-based
    offset: int  #: byte offset of the line start in the (decompressed) stream
    data: bytes


@dataclass
class ScanStats:
    """What a scan read, and what it had to leave out.

    ``skipped`` counts input that produced no event, by reason: ``unreadable_file``,
    ``bad_gzip``, ``read_error``, ``binary_file``, ``invalid_json_line``, ``invalid_json``,
    ``oversized_line``, ``oversized_document``, ``not_utf8``, ``empty_line``,
    ``not_a_record``, ``bad_event``, ``unserializable_record``, ``special_file``,
    ``broken_link``, ``out_of_memory`` (a file that exhausted memory while it was read;
    the next files are scanned), and ``not_evaluated`` (an event the scanner could not
    match: memory or stack ran out).  ``flagged`` counts events that were delivered with a
    defect (``not_utf8``: a line whose invalid UTF-8 was decoded with U+FFFD, spec §4.3;
    ``nul_bytes``: a text file with NUL bytes, scanned as text).  ``ignored`` counts
    entries left out by rule rather than lost (``hidden``, ``symlinked_dir``,
    ``symlink_loop``, ``excluded``, ``cloudtrail_digest``).  ``problems`` keeps the first
    messages, each starting with its location.
    """

    files: int = 0
    events: int = 0
    bytes: int = 0  #: input bytes read, after decompression
    skipped: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    max_problems: int = _MAX_PROBLEMS
    ignored: dict[str, int] = field(default_factory=dict)
    #: gzip input: compressed bytes consumed and decompressed bytes produced, so that
    #: ``bytes - gzip_out + gzip_in`` is the position in the files as stored on disk.
    gzip_in: int = 0
    gzip_out: int = 0
    ignored_examples: dict[str, str] = field(default_factory=dict)  #: first path per kind

    def incomplete(self) -> int:
        """How many pieces of input were lost (skipped, empty lines aside): a scan with
        ``incomplete() > 0`` did not see everything it was given.

        >>> st = ScanStats(); st.skip("empty_line", "x:1"); st.incomplete()
        0
        >>> st.skip("oversized_line", "x:2"); st.incomplete()
        1
        """
        return sum(n for reason, n in self.skipped.items() if reason not in _NOT_LOST)

    def ignore(self, kind: str, location: str) -> None:
        """Count one entry left out by rule (not lost input)."""
        self.ignored[kind] = self.ignored.get(kind, 0) + 1
        self.ignored_examples.setdefault(kind, location)

    def stored_bytes(self) -> int:
        """Bytes of the inputs as stored (gzip: compressed) consumed so far."""
        return max(self.bytes - self.gzip_out + self.gzip_in, 0)

    def merge(self, part: ScanStats) -> None:
        """Add the counts of ``part`` (a worker's share of the same scan)."""
        self.files += part.files
        self.events += part.events
        self.bytes += part.bytes
        self.gzip_in += part.gzip_in
        self.gzip_out += part.gzip_out
        for mine, theirs in (
            (self.skipped, part.skipped),
            (self.flagged, part.flagged),
            (self.ignored, part.ignored),
        ):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        for kind, example in part.ignored_examples.items():
            self.ignored_examples.setdefault(kind, example)
        room = self.max_problems - len(self.problems)
        if room > 0:
            self.problems.extend(part.problems[:room])

    def skip(self, reason: str, location: str, detail: str = "") -> None:
        """Count one piece of input that produced no event."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self._problem(reason, location, detail)

    def flag(self, reason: str, location: str, detail: str = "") -> None:
        """Count one event that was delivered with a defect."""
        self.flagged[reason] = self.flagged.get(reason, 0) + 1
        self._problem(reason, location, detail)

    def _problem(self, reason: str, location: str, detail: str) -> None:
        if len(self.problems) < self.max_problems:
            self.problems.append(f"{location}: {reason}" + (f": {detail}" if detail else ""))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "files": self.files,
            "events": self.events,
            "bytes": self.bytes,
            "skipped": dict(sorted(self.skipped.items())),
            "flagged": dict(sorted(self.flagged.items())),
            "ignored": dict(sorted(self.ignored.items())),
            "problems": list(self.problems),
        }


def iter_events(
    paths: Iterable[str] | None,
    *,
    fmt: str = "auto",
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    max_document_bytes: int = 1 << 28,
    follow: bool = False,
    hidden: bool = False,
    globs: Iterable[str] = (),
    excludes: Iterable[str] = (),
) -> Iterator[LogEvent]:
    """Yield the events of every input, in order, streaming.

    Args:
        paths: files, directories (walked recursively in sorted order) or ``"-"`` for stdin;
            ``None`` or empty means stdin.
        fmt: one of :data:`FORMATS`; ``auto`` sniffs each file's first bytes.
        stats: filled in as the scan goes (optional).
        max_line_bytes: longer lines are skipped (``oversized_line``) without being buffered.
        max_document_bytes: largest JSON document (after decompression) loaded whole.
        follow, hidden, globs, excludes: how directories are walked, see :func:`expand`.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS` (bad *input* never raises).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    st = stats if stats is not None else ScanStats()
    for path in expand(paths, st, follow=follow, hidden=hidden, globs=globs, excludes=excludes):
        opened = open_input(path, st)
        if opened is None:
            continue
        stream, name, closer = opened
        try:
            yield from file_events(stream, name, fmt, st, max_line_bytes, max_document_bytes)
        finally:
            closer()


def events_from_bytes(
    data: bytes,
    name: str,
    *,
    fmt: str = "auto",
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    max_document_bytes: int = 1 << 28,
) -> Iterator[LogEvent]:
    """The events of one file given as its bytes, framed exactly as :func:`iter_events`
    frames a file of that ``name`` and content (gzip by its magic bytes, ``.gz`` names that
    are not gzip skipped as ``bad_gzip``, damaged gzip read up to the damage, CloudTrail
    digest files ignored by path and by shape, the format sniffed from the content and
    the name).  For engines that read files themselves (Spark's ``binaryFile``).

    >>> data = b'{"Records":[{"eventName":"A"},{"eventName":"B"}]}'
    >>> [(e.message, e.location) for e in events_from_bytes(data, "x/trail.json")]
    [('{"eventName":"A"}', 'x/trail.json#Records[0]'), ('{"eventName":"B"}', 'x/trail.json#Records[1]')]

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS` (bad *input* never raises).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    st = stats if stats is not None else ScanStats()
    stream = open_bytes(data, name, st)
    if stream is not None:
        yield from file_events(stream, name, fmt, st, max_line_bytes, max_document_bytes)


def open_bytes(data: bytes, name: str, stats: ScanStats) -> IO[bytes] | None:
    """One file given as its bytes, opened as :func:`iter_events` opens a file of that
    ``name`` and content: gunzipped when it starts with the gzip magic (damage counted as
    ``bad_gzip`` where it is met), or None when nothing is to be read from it (a
    CloudTrail digest file by its path, counted in ``stats.ignored``; a ``.gz`` name
    that is not gzip data, counted as ``bad_gzip``).

    >>> st = ScanStats()
    >>> open_bytes(gzip.compress(b"x\\n"), "a.gz", st).read(), st.files
    (b'x\\n', 1)
    >>> open_bytes(b"{}", "b/CloudTrail-Digest/x.json.gz", st), st.ignored
    (None, {'cloudtrail_digest': 1})
    """
    st = stats
    if is_digest_path(name):  # as expand() leaves them out
        st.ignore("cloudtrail_digest", name)
        return None
    st.files += 1
    stream: IO[bytes] = io.BufferedReader(io.BytesIO(data), _SNIFF_BYTES)
    if data[:2] == _GZIP_MAGIC:
        st.gzip_in += len(data)
        gz = gzip.GzipFile(fileobj=stream, mode="rb")
        stream = io.BufferedReader(_Gunzip(gz, st, name), _SNIFF_BYTES)
    elif name.endswith(".gz"):
        st.skip("bad_gzip", name, "named .gz but not gzip data")
        return None
    return stream


def iter_lines_bytes(
    paths: Iterable[str] | None, *, stats: ScanStats | None = None, max_line_bytes: int = 1 << 20
) -> Iterator[RawLine]:
    """The raw fast path: yield every non-empty line of plain or gzip files as bytes.

    No format detection, decoding or JSON check: one :class:`RawLine` per line, with its
    1-based number and byte offset (in the decompressed stream).  Directories, stdin,
    gzip detection and the error accounting are as in :func:`iter_events`; empty lines
    are skipped and counted (``empty_line``).
    """
    st = stats if stats is not None else ScanStats()
    for path in expand(paths, st):
        opened = open_input(path, st)
        if opened is None:
            continue
        stream, name, closer = opened
        try:
            with guard_reads(st, name):
                for lineno, offset, data in _lines(stream, name, st, max_line_bytes):
                    if data:
                        st.events += 1
                        yield RawLine(name, lineno, offset, data)
                    else:
                        st.skip("empty_line", f"{name}:{lineno}")
        finally:
            closer()


# --------------------------------------------------------------------------- inputs


def expand(
    paths: Iterable[str] | str | None,
    stats: ScanStats | None = None,
    *,
    follow: bool = False,
    hidden: bool = False,
    globs: Iterable[str] = (),
    excludes: Iterable[str] = (),
) -> Iterator[str]:
    """The files to read, in order: each path given, directories walked recursively
    (names sorted at each level, like ``find | sort``); ``"-"`` is stdin.

    Args:
        follow: walk into symbolic links to directories (as ``rg --follow``); a link back
            to a directory already walked is left out (``symlink_loop``), so cycles end.
        hidden: walk into hidden entries (names starting with ``.``) too.
        globs: when given, files found in a walk are read only if one glob matches;
            ``!GLOB`` excludes (ripgrep's ``-g``).  A glob without ``/`` matches the
            name, one with ``/`` the path below the directory walked; ``*`` does not
            cross ``/``, ``**`` does.  Paths given explicitly are always read.
        excludes: globs of files and directories to leave out of walks (``--exclude``).

    Everything left out is counted in ``stats.ignored`` (or ``skipped`` when it cannot be
    read), by kind; CloudTrail digest files are left out by path.

    >>> import os, tempfile
    >>> top = tempfile.mkdtemp()
    >>> for name in ("a.json", "b.log", ".git/HEAD", "CloudTrail-Digest/d.json.gz"):
    ...     os.makedirs(os.path.dirname(os.path.join(top, name)), exist_ok=True)
    ...     open(os.path.join(top, name), "w").close()
    >>> st = ScanStats()
    >>> [os.path.relpath(p, top) for p in expand([top], st, globs=["*.json"])]
    ['a.json']
    >>> sorted(st.ignored.items())
    [('cloudtrail_digest', 1), ('excluded', 1), ('hidden', 1)]
    """
    st = stats if stats is not None else ScanStats()
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path, not an iterable of characters
    items = [STDIN] if paths is None else [os.fspath(p) for p in paths] or [STDIN]
    rules = _WalkRules(follow, hidden, tuple(globs), tuple(excludes))
    for p in items:
        if p != STDIN and os.path.isdir(p):
            seen: set[tuple[int, int]] = set()
            try:
                info = os.stat(p)
                seen.add((info.st_dev, info.st_ino))
            except OSError:
                pass
            yield from _walk(p, "", st, rules, seen)
        elif p != STDIN and is_digest_path(p):
            st.ignore("cloudtrail_digest", p)
        else:
            yield p


def is_digest_path(path: str) -> bool:
    """Whether ``path`` is a CloudTrail digest file by its path (under a
    ``CloudTrail-Digest`` directory, or named ``..._CloudTrail-Digest_...``).

    >>> is_digest_path("AWSLogs/1/CloudTrail-Digest/us-east-1/x.json.gz")
    True
    """
    parts = re.split(r"[\\/]", path)
    return "CloudTrail-Digest" in parts[:-1] or "_CloudTrail-Digest_" in parts[-1]


class _WalkRules(NamedTuple):
    follow: bool
    hidden: bool
    globs: tuple[str, ...]
    excludes: tuple[str, ...]

    def excluded(self, rel: str, name: str, is_dir: bool) -> bool:
        """Whether a walked entry is left out by --exclude or a ``!GLOB``."""
        negated = [g[1:] for g in self.globs if g.startswith("!")]
        return any(_glob_match(g, rel, name) for g in (*self.excludes, *negated))

    def included(self, rel: str, name: str) -> bool:
        """Whether a walked file is selected by the positive globs (all, without any)."""
        positive = [g for g in self.globs if not g.startswith("!")]
        return not positive or any(_glob_match(g, rel, name) for g in positive)


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def _glob_match(glob: str, rel: str, name: str) -> bool:
    """gitignore-style glob: no ``/`` -> matches the name; ``*`` stays within one
    directory, ``**`` crosses them; a trailing ``/`` is dropped."""
    glob = glob.rstrip("/") or glob
    rx = _GLOB_CACHE.get(glob)
    if rx is None:
        out: list[str] = []
        body = glob.lstrip("/")
        i, n = 0, len(body)
        while i < n:
            c = body[i]
            if body.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
                continue
            if body.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            if c == "*":
                out.append("[^/]*")
            elif c == "?":
                out.append("[^/]")
            elif c == "[":
                j = body.find("]", i + 2)
                if j < 0:
                    out.append(re.escape(c))
                else:
                    inner = body[i + 1 : j]
                    if inner.startswith("!"):
                        inner = "^" + inner[1:]
                    out.append("[" + inner.replace("\\", "\\\\") + "]")
                    i = j + 1
                    continue
            else:
                out.append(re.escape(c))
            i += 1
        rx = re.compile("".join(out) + r"\Z", re.DOTALL)
        _GLOB_CACHE[glob] = rx
    target = rel if "/" in glob.strip("/") or glob.startswith("/") else name
    return rx.match(target) is not None


def _walk(
    top: str, rel: str, st: ScanStats, rules: _WalkRules, seen: set[tuple[int, int]]
) -> Iterator[str]:
    """Files under ``top`` in path order (names sorted at each level); every entry left
    out is counted by kind."""
    try:
        with os.scandir(top) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        st.skip("unreadable_file", top, e.strerror or str(e))
        return
    for entry in entries:
        sub = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name.startswith(".") and not rules.hidden:
            st.ignore("hidden", entry.path)
            continue
        try:
            link = entry.is_symlink()
            is_dir = entry.is_dir()  # follows links
            if link and not is_dir and not os.path.exists(entry.path):
                st.skip("broken_link", entry.path, "symbolic link to nothing")
                continue
            if rules.excluded(sub, entry.name, is_dir):
                st.ignore("excluded", entry.path)
                continue
            if is_dir:
                if entry.name == "CloudTrail-Digest":
                    st.ignore("cloudtrail_digest", entry.path)
                    continue
                if link and not rules.follow:
                    st.ignore("symlinked_dir", entry.path)
                    continue
                info = os.stat(entry.path)
                key = (info.st_dev, info.st_ino)
                if key in seen:
                    st.ignore("symlink_loop", entry.path)
                    continue
                seen.add(key)
                yield from _walk(entry.path, sub, st, rules, seen)
            elif entry.is_file():
                if not rules.included(sub, entry.name):
                    st.ignore("excluded", entry.path)
                elif is_digest_path(entry.name):
                    st.ignore("cloudtrail_digest", entry.path)
                else:
                    yield entry.path
            else:
                st.skip("special_file", entry.path, "not a regular file (FIFO, socket, device)")
        except OSError as e:
            st.skip("unreadable_file", entry.path, e.strerror or str(e))


def _keep_open() -> None:
    """Stdin is never closed."""


class OpenedInput(NamedTuple):
    """One input opened for reading (see :func:`open_input`)."""

    stream: IO[bytes]  #: decompressed bytes
    name: str  #: the path, or ``<stdin>``
    close: Callable[[], None]  #: closes the file (never stdin)


def open_input(path: str, st: ScanStats) -> OpenedInput | None:
    """Open a path (``"-"``: stdin), transparently gunzipping (by the magic bytes); None,
    counted in ``st.skipped``, when it cannot be read or is named ``.gz`` but is not gzip.
    Counts the file in ``st.files``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "app.log")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(b"INFO start\\n")
    >>> opened = open_input(path, ScanStats())
    >>> opened.stream.read(), opened.name == path
    (b'INFO start\\n', True)
    >>> opened.close()
    >>> st = ScanStats()
    >>> open_input(path + ".missing", st), st.skipped
    (None, {'unreadable_file': 1})
    """
    raw: IO[bytes]
    close: Callable[[], None]
    if path == STDIN:
        name = "<stdin>"
        if sys.stdin is None:
            st.skip("unreadable_file", name, "no standard input")
            return None
        buffer = getattr(sys.stdin, "buffer", None)
        raw = buffer if buffer is not None else cast(IO[bytes], _TextAsBytes(sys.stdin))
        close = _keep_open
    else:
        name = path
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as e:
            st.skip("unreadable_file", path, e.strerror or str(e))
            return None
        close = raw.close
    try:
        magic = raw.read(2)
    except OSError as e:
        close()
        st.skip("unreadable_file", name, e.strerror or str(e))
        return None
    st.files += 1
    prefixed = Prefixed(magic, raw)
    stream: IO[bytes] = io.BufferedReader(prefixed, _SNIFF_BYTES)
    if magic == _GZIP_MAGIC:
        prefixed.stats = st  # compressed bytes consumed, for progress
        gz = gzip.GzipFile(fileobj=stream, mode="rb")
        stream = io.BufferedReader(_Gunzip(gz, st, name), _SNIFF_BYTES)
    elif name.endswith(".gz"):
        close()
        st.skip("bad_gzip", name, "named .gz but not gzip data")
        return None
    return OpenedInput(stream, name, close)


class Prefixed(io.RawIOBase):
    """A raw stream returning ``head`` first, then the rest of ``rest`` (push-back of
    bytes already read, e.g. to sniff the format).

    >>> io.BufferedReader(Prefixed(b"ab", io.BytesIO(b"cd"))).read()
    b'abcd'
    """

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._read = getattr(rest, "read1", rest.read)
        self.stats: ScanStats | None = None  #: counts the bytes read in ``gzip_in``

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            data = self._read(len(b))
            n = len(data)
            b[:n] = data
        if self.stats is not None:
            self.stats.gzip_in += n
        return n


class _Gunzip(io.RawIOBase):
    """Decompressed gzip data that survives a damaged stream: everything decompressed
    before a truncation, a bad CRC or trailing garbage is delivered (as ``zcat`` does),
    then the damage is counted (``bad_gzip``) and the stream ends."""

    def __init__(self, gz: gzip.GzipFile, st: ScanStats, name: str) -> None:
        self._gz, self._st, self._name = gz, st, name
        self._ended = False
        self._out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._ended:
            return 0
        try:
            data = self._gz.read1(len(b))
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            self._ended = True
            what = "truncated" if isinstance(e, EOFError) else "damaged"
            self._st.skip(
                "bad_gzip",
                self._name,
                f"{what} ({e or type(e).__name__}); the {self._out} bytes decompressed "
                "before were read",
            )
            return 0
        n = len(data)
        b[:n] = data
        self._out += n
        self._st.gzip_out += n
        return n


class _TextAsBytes(io.RawIOBase):
    """Fallback for a text-only stdin (no ``.buffer``): re-encode it as UTF-8."""

    def __init__(self, text: IO[str]) -> None:
        self._text, self._pending = text, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if not self._pending:
            self._pending = self._text.read(_SNIFF_BYTES).encode("utf-8", "surrogateescape")
        n = min(len(b), len(self._pending))
        b[:n], self._pending = self._pending[:n], self._pending[n:]
        return n


class guard_reads:
    """Turn gzip/read errors (and running out of memory) inside a file into counted
    problems (``bad_gzip``, ``read_error``, ``out_of_memory``): the scan goes on with the
    next file.

    >>> st = ScanStats()
    >>> with guard_reads(st, "a.log"):
    ...     raise OSError(5, "Input/output error")
    >>> st.skipped
    {'read_error': 1}
    """

    def __init__(self, st: ScanStats, name: str) -> None:
        self.st, self.name = st, name

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if isinstance(e, (gzip.BadGzipFile, EOFError, zlib.error)):
            self.st.skip("bad_gzip", self.name, str(e) or type(e).__name__)
            return True
        if isinstance(e, OSError):
            self.st.skip("read_error", self.name, e.strerror or str(e))
            return True
        if isinstance(e, MemoryError):
            # Not a verdict: the file is reported as not scanned, the next ones are.
            self.st.skip("out_of_memory", self.name, "ran out of memory reading this file")
            return True
        return False


def _lines(
    stream: IO[bytes], name: str, st: ScanStats, max_line_bytes: int
) -> Iterator[tuple[int, int, bytes]]:
    """(lineno, offset, line without terminator); oversized lines are drained in chunks."""
    readline, limit = stream.readline, max_line_bytes + 2
    lineno = offset = 0
    while raw := readline(limit):
        lineno += 1
        start = offset
        offset += len(raw)
        if raw[-1:] == b"\n":
            raw = raw[:-2] if raw[-2:] == b"\r\n" else raw[:-1]
        elif len(raw) == limit:  # no terminator within the limit: drain the rest unbuffered
            while more := readline(_SNIFF_BYTES):
                offset += len(more)
                if more[-1:] == b"\n":
                    break
        st.bytes += offset - start
        if lineno == 1 and raw.startswith(_BOM):
            raw = raw[3:]
        if offset - start > limit or len(raw) > max_line_bytes:
            st.skip("oversized_line", f"{name}:{lineno}", f"longer than {max_line_bytes} bytes")
            continue
        yield lineno, start, raw


# --------------------------------------------------------------------------- formats


def resolve_format(fmt: str, head: bytes, name: str, st: ScanStats) -> str | None:
    """The format to read a file in: ``fmt`` itself, or for ``"auto"`` the one sniffed from
    its first bytes; ``None`` (counted as ``binary_file``) for a binary file."""
    if fmt != "auto":
        return fmt
    sniffed = sniff_format(head, name)
    if sniffed == "binary":
        st.skip("binary_file", name, "binary data (NUL bytes, not UTF-8) in the first 64 KiB")
        return None
    if b"\0" in head:
        st.flag("nul_bytes", name, "NUL bytes in a text file: scanned as text")
    return sniffed


def file_events(
    stream: IO[bytes], name: str, fmt: str, st: ScanStats, max_line: int, max_doc: int
) -> Iterator[LogEvent]:
    """The events of one opened input (:func:`open_input`), as :func:`iter_events` reads
    it: ``fmt`` resolved from the first bytes (:func:`resolve_format`), lines longer than
    ``max_line`` bytes and documents larger than ``max_doc`` skipped and counted.

    >>> [e.message for e in file_events(io.BytesIO(b"a\\nb\\n"), "x.log", "auto", ScanStats(), 99, 99)]
    ['a', 'b']
    """
    with guard_reads(st, name):
        head = stream.read(_SNIFF_BYTES)
        stream = io.BufferedReader(Prefixed(head, stream), _SNIFF_BYTES)
        auto = fmt == "auto"
        resolved = resolve_format(fmt, head, name, st)
        if resolved == "json":
            yield from _document_events(stream, name, st, max_line, max_doc, auto)
        elif resolved is not None:
            yield from _line_events(stream, name, resolved == "jsonl", st, max_line)


def _binary(head: bytes) -> bool:
    """Whether the first bytes look like binary data rather than a text log with a stray
    NUL: more than 1/64 of them (and at least 4) are NULs, or are invalid UTF-8."""
    nuls = head.count(b"\0")
    if not nuls:
        return False
    if nuls >= 4 and nuls * 64 > len(head):
        return True
    bad = head.decode("utf-8", "replace").count("\ufffd") - head.count("\ufffd".encode())
    return bad * 64 > len(head)


def _text_with_json_start(body: bytes) -> bool:
    """Whether a body that starts like JSON is a text log whose first line begins with a
    JSON value (``["web"] started``): the first value ends and what follows it on its
    line, or (for a value that holds no records) after it, is not JSON."""
    text = body.decode("utf-8", "replace")
    try:
        value, end = STRICT_JSON.raw_decode(text)
    except (ValueError, RecursionError):
        return False  # a JSON prefix (a long document) or broken JSON: read as JSON
    nl = text.find("\n", end)
    rest_of_line = text[end : nl if nl >= 0 else len(text)]
    if rest_of_line.strip(" \t\r"):
        nxt = end + len(rest_of_line) - len(rest_of_line.lstrip(" \t\r"))
    elif not (isinstance(value, list) and not any(isinstance(v, dict) for v in value)):
        return False  # an object, or an array of records: JSON (lines or document)
    else:
        nxt = _skip_ws(text, end)
        if nxt >= len(text):
            return False
    try:
        STRICT_JSON.raw_decode(text, nxt)
    except RecursionError:
        return False
    except ValueError as e:
        # text where JSON would continue; an error only at the very end is a cut-off head
        return getattr(e, "pos", 0) < len(text) - 1
    return False


def sniff_format(head: bytes, name: str) -> str:
    """The format of a file from its first bytes (and its name's suffix, for JSON lines):
    ``jsonl``, ``json``, ``text`` or ``binary``.

    >>> sniff_format(b'{"Records":[', "t.json"), sniff_format(b'{"a":1}\\n', "a.log")
    ('json', 'jsonl')
    >>> sniff_format(b"[2024-01-01] INFO up", "a.log")
    'text'
    """
    if _binary(head):
        return "binary"
    body = head.removeprefix(_BOM).lstrip(_WS)
    if not _JSONISH.match(body):
        return "text"  # includes "[2024-01-01] INFO ..." and "{main} started" log lines
    if _text_with_json_start(body):
        return "text"  # ["web"] started / {"a":1} done: JSON only if it *is* JSON
    if body[:1] == b"[":
        return "json"
    if name.endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if _WRAPPER_START.match(body):
        return "json"
    nl = body.find(b"\n")
    if nl < 0 and len(head) == _SNIFF_BYTES:
        return "jsonl"  # a first line longer than the sniff window: one long record
    try:
        value = STRICT_JSON.decode(body[: nl if nl >= 0 else None].decode("utf-8"))
    except UnicodeDecodeError:
        return "jsonl"
    except (ValueError, RecursionError):
        return "json"  # a pretty-printed document (or a broken first line: see the fallback)
    return "json" if _wrapper(value) or _is_digest(value) else "jsonl"


def _is_digest(value: Any) -> bool:
    """Whether a decoded document is a CloudTrail digest file (no events in it)."""
    return isinstance(value, dict) and _DIGEST_KEYS <= value.keys()


def _wrapper(value: Any) -> str | None:
    """The key of a known wrapper document, if ``value`` is one."""
    if isinstance(value, dict):
        for key in ("Records", "events", "Events"):
            if isinstance(value.get(key), list):
                return key
    return None


def _line_events(
    stream: IO[bytes], name: str, as_json: bool, st: ScanStats, max_line: int
) -> Iterator[LogEvent]:
    decode, ts_of = STRICT_JSON.decode, TimeCache()
    for lineno, _, raw in _lines(stream, name, st, max_line):
        where = f"{name}:{lineno}"
        bad_utf8 = ""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:  # spec §4.3: U+FFFD, for every family
            text = raw.decode("utf-8", "replace")
            bad_utf8 = str(e)
        ts = None
        if as_json:
            if not text.strip():
                st.skip("empty_line", where)
                continue
            try:
                value = decode(text)
            except (ValueError, RecursionError) as e:
                st.skip("invalid_json_line", where, str(e))
                continue
            if isinstance(value, dict):
                ts = ts_of(value.get("eventTime"))
        elif not text:
            st.skip("empty_line", where)
            continue
        if bad_utf8:
            st.flag("not_utf8", where, bad_utf8)
        st.events += 1
        yield LogEvent(text, where, ts)


def _document_events(
    stream: IO[bytes], name: str, st: ScanStats, max_line: int, max_doc: int, auto: bool
) -> Iterator[LogEvent]:
    """The events of a file of JSON documents, streaming.

    A CloudTrail ``{"Records":[...]}`` document is read record by record: memory holds one
    record and one read chunk, whatever the document's size (a gzip bomb of ``{},``
    records costs time linear in its size, never memory).  Other documents are decoded
    whole, up to ``max_doc`` characters each.  A syntax error ends the file (counted as
    ``invalid_json``) after the records before it were delivered.
    """
    win = _Window(stream, st)
    n_docs = 0
    try:
        while win.skip_ws():
            line = win.line()
            n_docs += 1
            if win.records_start():
                yield from _streamed_records(win, name, line, st, max_doc)
            else:
                yield from _doc_records(win.value(max_doc), name, line, st)
    except _TooBig as e:
        st.skip("oversized_document", e.where or name, f"larger than {max_doc} bytes")
        win.drain()
    except _JsonError as e:
        if auto and n_docs == 1 and win.raw is not None:
            data = win.replay()
            if _jsonl_like(data):
                # Not a document but JSON lines with a broken first line: keep the good lines.
                st.bytes -= len(data)
                lines = io.BufferedReader(Prefixed(data, stream), _SNIFF_BYTES)
                yield from _line_events(lines, name, True, st, max_line)
                return
        st.skip("invalid_json", f"{name}:{e.line}", e.message)
        win.drain()
    if win.bad_utf8:
        st.flag("not_utf8", name, "invalid UTF-8 read as U+FFFD")


class _JsonError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


class _TooBig(Exception):
    def __init__(self, where: str = "") -> None:
        super().__init__(where)
        self.where = where


_RECORDS_START = re.compile(r'\{[ \t\r\n]*"Records"[ \t\r\n]*:[ \t\r\n]*\[')
_WS_RE = re.compile(r"[ \t\r\n]*")
_READ = 1 << 20


_FFFD = "\ufffd".encode()


class _Window:
    """The decoded text of a byte stream, read a chunk at a time; ``text[pos:]`` is what
    is left to parse, and the text before ``pos`` is dropped when more is read, so memory
    holds one value and a chunk."""

    def __init__(self, stream: IO[bytes], st: ScanStats) -> None:
        self.stream, self.st = stream, st
        # Invalid UTF-8 reads as U+FFFD, as in every other family (spec §4.3): one stray
        # byte in a field must not hide a whole document's records.
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.bad_utf8 = False  # whether a replacement was made (U+FFFD not in the input)
        self._tail = b""  # the last bytes read, for a U+FFFD spelling split between reads
        self.text = ""
        self.pos = 0
        self.eof = False
        self.lines = 1  # line number at text[0]
        #: the bytes read so far, while nothing was dropped (for the JSON-lines fallback)
        self.raw: list[bytes] | None = []

    def more(self, at_least: int = _READ) -> bool:
        """Read at least ``at_least`` more bytes (dropping the parsed text first); False at
        end of input."""
        if self.eof:
            return False
        if self.pos:
            self.lines += self.text.count("\n", 0, self.pos)
            self.text, self.pos, self.raw = self.text[self.pos :], 0, None
        data = self.stream.read(max(at_least, _READ))
        self.st.bytes += len(data)
        if self.raw is not None:
            self.raw.append(data)
        if not data:
            self.eof = True
            self.text += self._decode(b"", final=True)
            return False
        self.text += self._decode(data)
        return True

    def _decode(self, data: bytes, final: bool = False) -> str:
        text = self.decoder.decode(data, final)
        if not self.bad_utf8 and "\ufffd" in text:
            seen = self._tail + data
            spelled = seen.count(_FFFD) - self._tail.count(_FFFD)
            self.bad_utf8 = text.count("\ufffd") > spelled
        self._tail = data[-2:]
        return text

    def line(self) -> int:
        """Line number at ``pos``."""
        return self.lines + self.text.count("\n", 0, self.pos)

    def skip_ws(self) -> bool:
        """Move ``pos`` to the next non-whitespace character; False at end of input."""
        while True:
            self.pos = _WS_RE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return True
            if not self.more():
                return False

    def records_start(self) -> bool:
        """Whether a ``{"Records": [`` document starts at ``pos`` (then ``pos`` is past
        it)."""
        while len(self.text) - self.pos < 64 and self.more():
            pass
        m = _RECORDS_START.match(self.text, self.pos)
        if m is not None:
            self.pos = m.end()
        return m is not None

    def value(self, limit: int, where: str = "") -> Any:
        """Decode the JSON value at the next non-blank character, reading more text as
        needed (at most ``limit`` characters), and move past it."""
        if not self.skip_ws():
            raise _JsonError("Expecting value: end of input", self.line())
        while True:
            pos = self.pos
            try:
                value, end = STRICT_JSON.raw_decode(self.text, pos)
            except RecursionError as e:
                raise _JsonError(str(e), self.line()) from None
            except json.JSONDecodeError as e:
                truncated = e.pos >= len(self.text) - 8 or e.msg.startswith("Unterminated")
                if self.eof or not truncated:
                    raise _JsonError(str(e), self.lines + e.lineno - 1) from None
                if len(self.text) - pos > limit:
                    raise _TooBig(where) from None
                self.more(len(self.text) - pos)  # doubling: linear time for a long value
                continue
            except ValueError as e:  # NaN / Infinity (parse_constant)
                raise _JsonError(str(e), self.line()) from None
            if end - pos > limit:
                raise _TooBig(where)
            if self.eof or end < len(self.text):
                self.pos = end
                return value
            self.more()  # a number may go on in the next chunk

    def expect(self, chars: str) -> str:
        """The next non-blank character, which must be one of ``chars``; ``pos`` moves past
        it."""
        if not self.skip_ws() or self.text[self.pos] not in chars:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of input"
            expected = " or ".join(repr(c) for c in chars)
            raise _JsonError(f"Expecting {expected}, found {found}", self.line())
        self.pos += 1
        return self.text[self.pos - 1]

    def drain(self) -> None:
        """Read (and count) the rest of the input without keeping it."""
        self.raw, self.text, self.pos = None, "", 0
        while not self.eof:
            data = self.stream.read(_READ * 4)
            self.st.bytes += len(data)
            self.eof = not data

    def replay(self) -> bytes:
        data = b"".join(self.raw or [])
        self.raw = None
        return data


_orjson: Any
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the installed extras
    _orjson = None

#: A number token with a fraction or an exponent (orjson and json.dumps may spell its
#: float differently), or a false alarm inside a string (then the slow path decides).
_FLOAT_TOKEN = re.compile(r"[:,\[]-?[0-9]+[.eE]")


def _compact_record(win: _Window, loc: str, st: ScanStats, ts_of: TimeCache) -> LogEvent | None:
    """The event of the record at ``win.pos`` when its text is already what the slow path
    would make of it (``json.dumps`` of its stdlib decoding), checked with orjson; None
    otherwise (nothing consumed).

    The record is the text up to the next ``},{``, if that text is one JSON object (a
    complete value is never a proper prefix of another, so it then is the whole record)
    that orjson encodes back to the same text, with no ``\\u`` escape and no float token:
    then the stdlib decodes it to the same value (no duplicate key, no ``-0``, no big or
    float number, the same escapes) and ``json.dumps`` writes the same text back.  CloudTrail
    writes its S3 files that way, so the slow path only sees the last record of a file.
    """
    text, pos = win.text, win.pos
    if not text.startswith("{", pos):
        return None
    cut = text.find("},{", pos)
    if cut < 0:
        return None
    piece = text[pos : cut + 1]
    if "\\u" in piece or _FLOAT_TOKEN.search(piece):
        return None
    try:
        value = _orjson.loads(piece)
    except ValueError:
        return None
    if type(value) is not dict or _orjson.dumps(value) != piece.encode("utf-8"):
        return None
    win.pos = cut + 2  # past the comma
    st.events += 1
    return LogEvent(piece, loc, ts_of(value.get("eventTime")))


def _streamed_records(
    win: _Window, name: str, line: int, st: ScanStats, max_doc: int
) -> Iterator[LogEvent]:
    """The records of the ``{"Records":[...]}`` document whose array starts at ``win.pos``,
    one at a time, then the rest of that object (other members are checked, not kept)."""
    ts_of = TimeCache()
    prefix = f"{name if line == 1 else f'{name}:{line}'}#Records"
    i = 0
    win.raw = None  # records are delivered: no going back to JSON lines
    scan = STRICT_JSON.scan_once  # type: ignore[attr-defined]
    if win.skip_ws() and win.text[win.pos] == "]":
        win.pos += 1
    else:
        while True:
            if _orjson is not None:
                event = _compact_record(win, f"{prefix}[{i}]", st, ts_of)
                if event is not None:
                    i += 1
                    yield event
                    continue
            # Fast path: a value that starts right here and ends inside the text read;
            # anything else (blanks, a value cut by the chunk end, an error) goes through
            # win.value, which reads more, or reports.
            text, pos = win.text, win.pos
            try:
                item, end = scan(text, pos)
                if end >= len(text) or end - pos > max_doc:
                    raise StopIteration(pos)
                win.pos = end
            except (StopIteration, ValueError, RecursionError):
                item = win.value(max_doc, f"{prefix}[{i}]")
            event = _record_event(item, "Records", f"{prefix}[{i}]", st, ts_of)
            i += 1
            if event is not None:
                yield event
            text, pos = win.text, win.pos
            if pos + 1 < len(text) and text[pos] == "," and text[pos + 1] not in " \t\r\n":
                win.pos = pos + 1
            elif win.expect(",]") == "]":
                break
    while win.expect(",}") == ",":  # the other members of the top-level object
        win.expect('"')
        win.pos -= 1
        key = win.value(max_doc)
        win.expect(":")
        value = win.value(max_doc)
        if key == "Records":
            st.flag("duplicate_key", f"{name}:{line}", "a second Records member (both scanned)")
            for item in value if isinstance(value, list) else []:
                event = _record_event(item, "Records", f"{prefix}[{i}]", st, ts_of)
                i += 1
                if event is not None:
                    yield event


def _jsonl_like(data: bytes) -> bool:
    """Whether one of lines 2-4 is a JSON object on its own."""
    for raw in data.split(b"\n", 4)[1:4]:
        try:
            if isinstance(STRICT_JSON.decode(raw.decode("utf-8")), dict):
                return True
        except (ValueError, RecursionError):
            pass
    return False


def _doc_records(doc: Any, name: str, line: int, st: ScanStats) -> Iterator[LogEvent]:
    ts_of = TimeCache()
    key = _wrapper(doc)
    if key is None and _is_digest(doc):
        st.ignore("cloudtrail_digest", name)  # a digest file: no events
        return
    if key is None and not isinstance(doc, list):
        loc = f"{name}:{line}"
        msg = _dump(doc, loc, st) if isinstance(doc, dict) else None
        if msg is not None:
            st.events += 1
            yield LogEvent(msg, loc, ts_of(doc.get("eventTime")))
        elif not isinstance(doc, dict):
            st.skip("not_a_record", loc, f"top-level JSON {type(doc).__name__}")
        return
    prefix = f"{name if line == 1 else f'{name}:{line}'}#{key or ''}"
    for i, item in enumerate(doc if key is None else doc[key]):
        event = _record_event(item, key, f"{prefix}[{i}]", st, ts_of)
        if event is not None:
            yield event


def _record_event(
    item: Any, key: str | None, loc: str, st: ScanStats, ts_of: TimeCache
) -> LogEvent | None:
    """The event of one item of a wrapper's array (None: skipped and counted)."""
    if not isinstance(item, dict):
        st.skip(
            "not_a_record" if key in (None, "Records") else "bad_event",
            loc,
            f"JSON {type(item).__name__}, not an object",
        )
        return None
    if key == "events":
        msg, ts = item.get("message"), item.get("timestamp")
        if not isinstance(msg, str) or not msg:
            st.skip("bad_event", loc, "no message string")
            return None
        ts = ts if isinstance(ts, int) and not isinstance(ts, bool) else None
    elif key == "Events":
        msg = item.get("CloudTrailEvent")
        if not isinstance(msg, str) or not msg:
            st.skip("bad_event", loc, "no CloudTrailEvent string")
            return None
        ts = _lookup_time(item.get("EventTime"), ts_of)
    else:
        msg, ts = _dump(item, loc, st), ts_of(item.get("eventTime"))
        if msg is None:
            return None
    st.events += 1
    return LogEvent(msg, loc, ts)


#: ``json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``,
#: without building an encoder per call.
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _dump(record: dict[str, Any], loc: str, st: ScanStats) -> str | None:
    try:
        return _ENCODE(record)
    except (ValueError, RecursionError) as e:
        st.skip("unserializable_record", loc, str(e))
        return None


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


class TimeCache:
    """ISO-8601 ``eventTime`` -> epoch ms, caching the last value (records come in bursts);
    None for anything else.

    >>> TimeCache()("2024-03-04T08:00:00Z")
    1709539200000
    """

    def __init__(self) -> None:
        self._key: object = None
        self._val: int | None = None

    def __call__(self, value: object) -> int | None:
        if value is self._key or value == self._key:
            return self._val
        result = None
        if isinstance(value, str) and 10 <= len(value) <= 40:
            try:
                dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
                if dt.tzinfo is not None:
                    result = int(dt.timestamp() * 1000)
            except ValueError:
                pass
        self._key, self._val = value, result
        return result


def _lookup_time(value: object, ts_of: TimeCache) -> int | None:
    """``EventTime`` of lookup-events output: epoch seconds or an ISO string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 1000)
    return ts_of(value)


def record_event(text: str, location: str, stats: ScanStats | None = None) -> LogEvent | None:
    """The event of one record of a CloudTrail ``Records`` array, given its JSON text,
    exactly as :func:`iter_events` makes it when it streams the array: the text itself
    when it is already compact (what ``json.dumps`` of its decoding writes back, checked
    with orjson), else ``json.dumps`` of its standard-library decoding.  None, counted in
    ``stats``, for an item that is not an object (``not_a_record``) or cannot be
    re-encoded (``unserializable_record``).

    >>> record_event('{"eventName":"A"}', "t.json#Records[0]").message
    '{"eventName":"A"}'
    >>> record_event('{"eventName" : "A", "n": 1E2}', "t.json#Records[0]").message
    '{"eventName":"A","n":100.0}'
    >>> record_event("[1]", "t.json#Records[0]") is None
    True

    Raises:
        ValueError: ``text`` is not one JSON value (the streaming reader ends the
            document there, as ``invalid_json``); RecursionError: nested too deep.
    """
    st = stats if stats is not None else ScanStats()
    ts_of = TimeCache()
    if _orjson is not None and "\\u" not in text and not _FLOAT_TOKEN.search(text):
        try:
            value = _orjson.loads(text)
        except ValueError:
            value = None
        if type(value) is dict and _orjson.dumps(value) == text.encode("utf-8"):
            st.events += 1
            return LogEvent(text, location, ts_of(value.get("eventTime")))
    return _record_event(STRICT_JSON.decode(text), "Records", location, st, ts_of)
