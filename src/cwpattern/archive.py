"""CloudTrail as archived: whole ``{"Records":[...]}`` documents, framed without decoding.

CloudTrail writes its S3 files as gzip documents of a few MB, one ``Records`` array of
compact records.  The scanner (:mod:`cwpattern.scanner`) searches such a document's
inflated bytes for a pattern's literals in one pass and decodes only the records around
the hits; this module supplies the two pieces that needs:

* :func:`inflate`: a whole gzip file, with `python-isal <https://pypi.org/project/isal/>`_
  when it is installed (the ``fast`` extra: ISA-L inflates 3-4x faster than zlib), else
  with the standard library's zlib; ``None`` for anything but clean gzip members (damage,
  truncation, trailing garbage) or more than ``limit`` bytes, which the streaming reader
  of :mod:`cwpattern.sources` then reads and reports as always.
* :func:`frame_records`: the offset and length of every record of a document that is
  exactly ``{"Records":[R0,R1,...]}`` (no blank between records, no other member),
  validated by `msgspec <https://pypi.org/project/msgspec/>`_ (the ``fast`` extra), which
  skips over each record in C without building it; ``None`` for anything else (then the
  streaming reader frames the document, record by record).

>>> doc = b'{"Records":[{"eventName":"A"},{"eventName":"B","n":[1,{}]}]}'
>>> frames = frame_records(doc)
>>> [doc[a : a + n] for a, n in zip(frames.starts, frames.sizes)] if frames else doc[:0]
[b'{"eventName":"A"}', b'{"eventName":"B","n":[1,{}]}']
>>> import gzip
>>> inflate(gzip.compress(doc), 1 << 20) == doc
True
>>> inflate(gzip.compress(doc)[:-3], 1 << 20) is None  # truncated: the streaming reader reports it
True
"""

from __future__ import annotations

import zlib
from itertools import accumulate
from typing import Any, NamedTuple

_isal: Any
try:
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - depends on the installed extras
    _isal = None

_msgspec: Any
try:
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the installed extras
    _msgspec = None

__all__ = ["HAVE_FRAMING", "HAVE_ISAL", "RecordFrames", "frame_records", "inflate", "records_start"]

#: python-isal is importable (tests set this to False to force zlib).
HAVE_ISAL = _isal is not None
#: msgspec is importable (tests set this to False: documents are then always streamed).
HAVE_FRAMING = _msgspec is not None

_HEAD = b'{"Records":['
_TAIL = b"]}"
_GZIP_MAGIC = b"\x1f\x8b"
#: Python frames added below the msgspec call, so that its nesting limit (the
#: interpreter's recursion limit, shared with the frames of the caller) is lower than
#: that of the standard library's decoder in the streaming reader: a record nested too
#: deep for the latter is never accepted here.
_DEPTH_MARGIN = 64


def inflate(data: bytes, limit: int) -> bytes | None:
    """The inflated bytes of gzip ``data`` (every member), or None if it is not clean
    gzip or inflates to more than ``limit`` bytes."""
    lib: Any = _isal if HAVE_ISAL and _isal is not None else zlib
    # The size the last member's trailer states (ISIZE, modulo 2**32): only a first guess
    # of the output's size, which ISA-L then allocates at once (a limit's worth would be
    # a fresh map of 64 MiB for each file, whose pages the kernel faults in one by one:
    # 0.5 s of 1.2 s on 1 GB); a wrong guess costs a second call, never a wrong result.
    stated = int.from_bytes(data[-4:], "little")
    out: list[bytes] = []
    size = 0
    rest = data
    while True:
        if rest[:2] != _GZIP_MAGIC:
            return None
        d = lib.decompressobj(31)
        pending, guess = rest, stated
        while True:
            want = min(guess, limit - size) + 1
            try:
                chunk = d.decompress(pending, want)
            except (zlib.error, lib.error, ValueError, OSError):  # isal_zlib.error is its own
                return None
            if isinstance(chunk, bytearray):  # pragma: no cover - depends on the inflater
                chunk = bytes(chunk)
            size += len(chunk)
            out.append(chunk)
            if size > limit:
                return None  # too large
            if d.eof or len(chunk) < want:
                break  # the member's end, or its input all inflated (then truncated)
            pending = d.unconsumed_tail  # the guess was short: the rest, up to the limit
            guess = limit - size
        if not d.eof:
            return None  # truncated
        rest = d.unused_data
        if not rest:
            break
    return out[0] if len(out) == 1 else b"".join(out)


def records_start(head: bytes) -> bool:
    """Whether a file whose first bytes are ``head`` (some KB: gzip or plain) starts with
    ``{"Records":[`` once inflated (a cheap look before reading it whole).

    >>> import gzip
    >>> records_start(gzip.compress(b'{"Records":[]}')), records_start(b'{"a":1}')
    (True, False)
    """
    if head[:2] != _GZIP_MAGIC:
        return head.startswith(_HEAD)
    lib: Any = _isal if HAVE_ISAL and _isal is not None else zlib
    try:
        return bool(lib.decompressobj(31).decompress(head, len(_HEAD)) == _HEAD)
    except (zlib.error, lib.error, ValueError, OSError):
        return False


class RecordFrames(NamedTuple):
    """Where the records of a ``Records`` document are: ``doc[starts[i] : starts[i] +
    sizes[i]]`` is record ``i`` (any JSON value, as the array holds it)."""

    starts: list[int]
    sizes: list[int]


_decoder: Any = None
if _msgspec is not None:

    class _RawDoc(_msgspec.Struct):  # type: ignore[misc]
        Records: list[_msgspec.Raw]

    _decoder = _msgspec.json.Decoder(_RawDoc)


def frame_records(doc: bytes) -> RecordFrames | None:
    """The frames of the records of ``doc`` when it is exactly ``{"Records":[...]}``
    with no blank between the records and no other member, valid JSON, and valid UTF-8;
    None otherwise (or without msgspec)."""
    if _decoder is None or not HAVE_FRAMING or not doc.startswith(_HEAD):
        return None
    end = len(doc.rstrip(b" \t\r\n"))
    if doc[end - 2 : end] != _TAIL:
        return None
    try:
        parsed = _deepened(_DEPTH_MARGIN, doc)
    except (ValueError, RecursionError, TypeError):  # msgspec.DecodeError is a ValueError
        return None
    if not doc.isascii():
        try:
            doc.decode("utf-8")
        except UnicodeDecodeError:
            return None  # the streaming reader replaces and flags it
    sizes = list(map(len, parsed.Records))
    # The records, a comma between each two, and nothing else: then every offset is known.
    if len(_HEAD) + sum(sizes) + max(len(sizes) - 1, 0) + len(_TAIL) != end:
        return None
    starts = list(accumulate(map((1).__add__, sizes[:-1]), initial=len(_HEAD)))
    return RecordFrames(starts if sizes else [], sizes)


def _deepened(frames: int, doc: bytes) -> Any:
    """``_decoder.decode(doc)`` called ``frames`` Python frames deeper."""
    if frames:
        return _deepened(frames - 1, doc)
    return _decoder.decode(doc)
