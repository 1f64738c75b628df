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
  CloudWatch Logs.  One file is loaded at a time (CloudTrail files are a few MB at most).
* The JSON output of ``aws logs filter-log-events`` / ``get-log-events``
  (``{"events":[{"timestamp":..., "message":...}]}``): messages verbatim, timestamps kept; and
  of ``aws cloudtrail lookup-events`` (``{"Events":[{"CloudTrailEvent": "..."}]}``).
* Plain text logs: each line is a message (``\\n`` / ``\\r\\n`` stripped).
* Directory trees (recursive, sorted, hidden entries skipped) and stdin (``-``).

Bad input is never fatal: it is counted in :class:`ScanStats` (``skipped`` for input that
produced no event, ``flagged`` for events delivered with a defect) and the first problems are
kept with their locations.

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

__all__ = ["FORMATS", "LogEvent", "RawLine", "ScanStats", "iter_events", "iter_lines_bytes"]

#: Accepted values of ``fmt``: ``jsonl`` (one JSON message per line), ``text`` (one message
#: per line, no check), ``json`` (JSON documents: CloudTrail ``Records`` files, arrays of
#: records, ``aws logs``/``lookup-events`` output, bare records), ``auto`` (sniffed per file).
FORMATS = ("auto", "jsonl", "text", "json")

STDIN = "-"
_SNIFF_BYTES = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_MAX_PROBLEMS = 50
_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_JSONISH = re.compile(rb'(?:\[[ \t\r\n]*[\[{"\]]|\{[ \t\r]*["}\n]|[\[{][ \t\r]*$)')
_WRAPPER_START = re.compile(rb'\{[ \t\r\n]*"(?:Records|events|Events)"[ \t\r\n]*:[ \t\r\n]*\[')


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: Strict RFC 8259 decoding: ``NaN``/``Infinity`` are rejected (the stdlib accepts them).
_STRICT = json.JSONDecoder(parse_constant=_reject_constant)


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
    ``not_a_record``, ``bad_event``, ``unserializable_record``, and ``not_evaluated`` (an event
    the scanner could not match: memory or stack ran out).  ``flagged`` counts events that
    were delivered with a defect (``not_utf8``: a text line decoded with ``surrogateescape``).
    ``problems`` keeps the first messages, each starting with its location.
    """

    files: int = 0
    events: int = 0
    bytes: int = 0  #: input bytes read, after decompression
    skipped: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    max_problems: int = _MAX_PROBLEMS

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
            "problems": list(self.problems),
        }


def iter_events(
    paths: Iterable[str] | None,
    *,
    fmt: str = "auto",
    stats: ScanStats | None = None,
    max_line_bytes: int = 1 << 20,
    max_document_bytes: int = 1 << 28,
) -> Iterator[LogEvent]:
    """Yield the events of every input, in order, streaming.

    Args:
        paths: files, directories (walked recursively in sorted order) or ``"-"`` for stdin;
            ``None`` or empty means stdin.
        fmt: one of :data:`FORMATS`; ``auto`` sniffs each file's first bytes.
        stats: filled in as the scan goes (optional).
        max_line_bytes: longer lines are skipped (``oversized_line``) without being buffered.
        max_document_bytes: largest JSON document (after decompression) loaded whole.

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS` (bad *input* never raises).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    st = stats if stats is not None else ScanStats()
    for path in _expand(paths, st):
        opened = _open(path, st)
        if opened is None:
            continue
        stream, name, closer = opened
        try:
            yield from _file_events(stream, name, fmt, st, max_line_bytes, max_document_bytes)
        finally:
            closer()


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
    for path in _expand(paths, st):
        opened = _open(path, st)
        if opened is None:
            continue
        stream, name, closer = opened
        try:
            with _guard(st, name):
                for lineno, offset, data in _lines(stream, name, st, max_line_bytes):
                    if data:
                        st.events += 1
                        yield RawLine(name, lineno, offset, data)
                    else:
                        st.skip("empty_line", f"{name}:{lineno}")
        finally:
            closer()


# --------------------------------------------------------------------------- inputs


def _expand(paths: Iterable[str] | None, st: ScanStats) -> Iterator[str]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path, not an iterable of characters
    items = [STDIN] if paths is None else [os.fspath(p) for p in paths] or [STDIN]
    for p in items:
        if p != STDIN and os.path.isdir(p):
            yield from _walk(p, st)
        else:
            yield p


def _walk(top: str, st: ScanStats) -> Iterator[str]:
    """Files under ``top`` in path order (names sorted at each level, like ``find | sort``),
    skipping hidden entries; directory symlinks are not followed."""
    try:
        with os.scandir(top) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        st.skip("unreadable_file", top, e.strerror or str(e))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path, st)
            elif entry.is_file():
                yield entry.path
        except OSError as e:
            st.skip("unreadable_file", entry.path, e.strerror or str(e))


def _keep_open() -> None:
    """Stdin is never closed."""


def _open(path: str, st: ScanStats) -> tuple[IO[bytes], str, Callable[[], None]] | None:
    """Open a path (or stdin), transparently gunzipping; None when it cannot be read."""
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
    stream: IO[bytes] = io.BufferedReader(_Prefixed(magic, raw), _SNIFF_BYTES)
    if magic == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
    elif name.endswith(".gz"):
        close()
        st.skip("bad_gzip", name, "named .gz but not gzip data")
        return None
    return stream, name, close


class _Prefixed(io.RawIOBase):
    """A raw stream returning ``head`` first, then the rest of ``rest`` (push-back)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._read = getattr(rest, "read1", rest.read)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._read(len(b))
        b[: len(data)] = data
        return len(data)


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


class _guard:
    """Turn gzip/read errors inside a file into counted problems (the scan goes on)."""

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
    sniffed = _sniff(head, name)
    if sniffed == "binary":
        st.skip("binary_file", name, "NUL bytes in the first 64 KiB")
        return None
    return sniffed


def _file_events(
    stream: IO[bytes], name: str, fmt: str, st: ScanStats, max_line: int, max_doc: int
) -> Iterator[LogEvent]:
    with _guard(st, name):
        head = stream.read(_SNIFF_BYTES)
        stream = io.BufferedReader(_Prefixed(head, stream), _SNIFF_BYTES)
        auto = fmt == "auto"
        resolved = resolve_format(fmt, head, name, st)
        if resolved == "json":
            yield from _document_events(stream, name, st, max_line, max_doc, auto)
        elif resolved is not None:
            yield from _line_events(stream, name, resolved == "jsonl", st, max_line)


def _sniff(head: bytes, name: str) -> str:
    """Pick a format from the first bytes (and the suffix, for JSON lines)."""
    if b"\0" in head:
        return "binary"
    body = head.removeprefix(_BOM).lstrip(_WS)
    if not _JSONISH.match(body):
        return "text"  # includes "[2024-01-01] INFO ..." and "{main} started" log lines
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
        value = _STRICT.decode(body[: nl if nl >= 0 else None].decode("utf-8"))
    except UnicodeDecodeError:
        return "jsonl"
    except (ValueError, RecursionError):
        return "json"  # a pretty-printed document (or a broken first line: see the fallback)
    return "json" if _wrapper(value) else "jsonl"


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
    decode, ts_of = _STRICT.decode, _TimeCache()
    for lineno, _, raw in _lines(stream, name, st, max_line):
        where = f"{name}:{lineno}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            if as_json:
                st.skip("not_utf8", where, str(e))
                continue
            text = raw.decode("utf-8", "surrogateescape")
            st.flag("not_utf8", where, str(e))
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
        st.events += 1
        yield LogEvent(text, where, ts)


def _document_events(
    stream: IO[bytes], name: str, st: ScanStats, max_line: int, max_doc: int, auto: bool
) -> Iterator[LogEvent]:
    data = stream.read(max_doc + 1)
    if len(data) > max_doc:
        st.skip("oversized_document", name, f"larger than {max_doc} bytes")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        st.bytes += len(data)
        st.skip("not_utf8", name, str(e))
        return
    pos, line, n_docs, end = 0, 1, 0, len(text)
    while (start := _skip_ws(text, pos)) < end:
        line += text.count("\n", pos, start)
        try:
            doc, pos = _STRICT.raw_decode(text, start)
        except (ValueError, RecursionError) as e:
            if auto and n_docs == 0 and _jsonl_like(data):
                # Not a document but JSON lines with a broken first line: keep the good lines.
                yield from _line_events(io.BytesIO(data), name, True, st, max_line)
                return
            st.bytes += len(data)
            st.skip("invalid_json", f"{name}:{line}", str(e))
            return
        n_docs += 1
        yield from _doc_records(doc, name, line, st)
        line += text.count("\n", start, pos)
    st.bytes += len(data)


def _jsonl_like(data: bytes) -> bool:
    """Whether one of lines 2-4 is a JSON object on its own."""
    for raw in data.split(b"\n", 4)[1:4]:
        try:
            if isinstance(_STRICT.decode(raw.decode("utf-8")), dict):
                return True
        except (ValueError, RecursionError):
            pass
    return False


def _doc_records(doc: Any, name: str, line: int, st: ScanStats) -> Iterator[LogEvent]:
    ts_of = _TimeCache()
    key = _wrapper(doc)
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
        loc = f"{prefix}[{i}]"
        if not isinstance(item, dict):
            st.skip(
                "not_a_record" if key in (None, "Records") else "bad_event",
                loc,
                f"JSON {type(item).__name__}, not an object",
            )
            continue
        if key == "events":
            msg, ts = item.get("message"), item.get("timestamp")
            if not isinstance(msg, str) or not msg:
                st.skip("bad_event", loc, "no message string")
                continue
            ts = ts if isinstance(ts, int) and not isinstance(ts, bool) else None
        elif key == "Events":
            msg = item.get("CloudTrailEvent")
            if not isinstance(msg, str) or not msg:
                st.skip("bad_event", loc, "no CloudTrailEvent string")
                continue
            ts = _lookup_time(item.get("EventTime"), ts_of)
        else:
            msg, ts = _dump(item, loc, st), ts_of(item.get("eventTime"))
            if msg is None:
                continue
        st.events += 1
        yield LogEvent(msg, loc, ts)


def _dump(record: dict[str, Any], loc: str, st: ScanStats) -> str | None:
    try:
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (ValueError, RecursionError) as e:
        st.skip("unserializable_record", loc, str(e))
        return None


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _TimeCache:
    """ISO-8601 ``eventTime`` -> epoch ms, caching the last value (records come in bursts)."""

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


def _lookup_time(value: object, ts_of: _TimeCache) -> int | None:
    """``EventTime`` of lookup-events output: epoch seconds or an ISO string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 1000)
    return ts_of(value)
