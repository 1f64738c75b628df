"""Output of ``cwpattern grep`` by file, as ripgrep users expect (issue 14 item 5).

``-l`` (files with matches), ``-H``/``-I`` (file names on or off), ``-n`` (the line
number, or the record's place in a ``Records`` file: ``Records[3]``), ``-v`` (events
that do not match), ``-m NUM`` (at most NUM per file), ``-c`` per file (when several
paths are given, or with ``-H``; ``--total`` for one sum), and ``--json`` objects that
carry ``file`` and ``position``.

A scan yields matches in input order, each with its location (``path:12``,
``path#Records[3]``, ``path:5#events[0]``); :func:`located` splits a location into the
file and the position within it, following the list of files scanned.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, Protocol

from ..errors import MatchResourceError
from ..jsondoc import message_bytes
from ..pattern import CompiledPattern
from ..scanner import scan
from ..sources import STDIN, ScanStats, iter_events

__all__ = ["Hit", "Writer", "located", "needs_files", "write_by_file"]


class Writer(Protocol):
    """Where output goes (``sys.stdout.buffer``)."""

    def write(self, data: bytes, /) -> int: ...


class Hit(NamedTuple):
    """One event to print, with its file and position in it."""

    file: str
    position: str  #: ``12`` (line), ``Records[3]``, ``5#Records[3]``; ``""`` when unknown
    message: str
    location: str
    timestamp: int | None
    extracted: dict[str, str]


def needs_files(args: argparse.Namespace) -> bool:
    """Whether the options need the file of each event (the general, per-file path)."""
    return bool(
        args.files_with_matches
        or args.with_filename
        or args.line_number
        or args.invert_match
        or args.max_count is not None
        or args.json
        or (args.count and len(args.paths) > 1 and not args.total)
    )


def located(
    items: Iterable[tuple[str, str, int | None, dict[str, str]]], files: list[str]
) -> Iterator[Hit]:
    """``(message, location, timestamp, extracted)`` in input order -> :class:`Hit`.

    >>> hits = located([("m", "a.log:3", None, {}), ("n", "b.json#Records[1]", None, {})],
    ...                ["a.log", "b.json"])
    >>> [(h.file, h.position) for h in hits]
    [('a.log', '3'), ('b.json', 'Records[1]')]
    """
    names = ["<stdin>" if f == STDIN else f for f in files]
    i = 0
    for message, location, timestamp, extracted in items:
        j = i
        while j < len(names) and not (
            location.startswith(names[j])
            and location[len(names[j]) : len(names[j]) + 1] in (":", "#")
        ):
            j += 1
        if j < len(names):
            i = j
            file, position = names[j], location[len(names[j]) + 1 :]
        else:
            file, position = location, ""
        yield Hit(file, position, message, location, timestamp, extracted)


def _inverted(
    compiled: CompiledPattern, files: list[str], stats: ScanStats, fmt: str, max_line: int
) -> Iterator[tuple[str, str, int | None, dict[str, str]]]:
    """Events that the pattern does not match (``-v``); an event that could not be
    evaluated is neither (counted ``not_evaluated``)."""
    for event in iter_events(files, fmt=fmt, stats=stats, max_line_bytes=max_line):
        try:
            matched = compiled.matches(event.message)
        except MatchResourceError as err:
            stats.skip("not_evaluated", event.location, str(err))
            continue
        if not matched:
            yield event.message, event.location, event.timestamp, {}


def write_by_file(
    args: argparse.Namespace,
    compiled: CompiledPattern,
    files: list[str],
    options: dict[str, Any],
    out: Writer,
    before_output: Callable[[], None],
) -> int:
    """Run the scan and print by file; returns the number of events selected."""
    stats: ScanStats = options["stats"]
    items: Iterable[tuple[str, str, int | None, dict[str, str]]]
    if args.invert_match:
        items = _inverted(compiled, files, stats, options["fmt"], options["max_line_bytes"])
    else:
        items = (
            (m.message, m.location, m.timestamp, m.extracted)
            for m in scan(compiled, files, **options)
        )
    show_name = args.with_filename and not args.no_filename
    cap = args.max_count
    counts: dict[str, int] = {}
    found = 0
    for hit in located(items, files):
        n = counts.get(hit.file, 0)
        if cap is not None and n >= cap:
            if len(files) == 1:
                break  # one file: nothing more to print
            continue
        counts[hit.file] = n + 1
        found += 1
        if args.quiet:
            break
        if args.files_with_matches:
            if n == 0:
                out.write(_b(hit.file) + b"\n")
            continue
        if args.count:
            continue
        if args.json:
            out.write(_json(hit))
            continue
        prefix = (_b(hit.file) + b":" if show_name else b"") + (
            _b(hit.position) + b":" if args.line_number else b""
        )
        out.write(prefix + _b(hit.message) + b"\n")
    if args.count:
        before_output()
        if args.total or len(files) <= 1 and not args.with_filename:
            out.write(b"%d\n" % found)
        else:
            for file, n in counts.items():
                name = b"" if args.no_filename else _b(file) + b":"
                out.write(name + b"%d\n" % n)
    return found


def _b(text: str) -> bytes:
    return message_bytes(text)


def _json(hit: Hit) -> bytes:
    obj = {
        "message": hit.message,
        "file": hit.file,
        "position": hit.position,
        "location": hit.location,
        "timestamp": hit.timestamp,
        "extractedValues": hit.extracted,
    }
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the message: escape them
        return (json.dumps(obj) + "\n").encode("ascii")
