"""Realistic events: real CloudTrail base records, compact serialisation, re-checking.

Counterexamples and examples are built from the real AWS KMS CloudTrail records shipped in
``cwpattern/data/kms_records.jsonl`` (AWS documentation examples), changed only where a
model requires it.  They are serialised the way CloudTrail delivers a record to CloudWatch
Logs: one compact JSON object, minimal (standard) escaping, raw number text preserved.

Every event the analyzer reports is re-checked with the real matcher
(:class:`Oracle` wraps :func:`cwpattern.compile`) before it is returned.

>>> from cwpattern.jsondoc import decode
>>> serialize(decode('{"a": 1.50, "b": ["x\\\\"y", null, true]}'))
'{"a":1.50,"b":["x\\\\"y",null,true]}'
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from .. import ast
from ..jsondoc import JsonNumber, decode, encode
from .concrete import holds, node_at
from .formula import Formula, Path

__all__ = [
    "Oracle",
    "base_records",
    "hints",
    "json_string",
    "rank_bases",
    "respellings",
    "serialize",
]

_DATA = "data/kms_records.jsonl"


@functools.lru_cache(maxsize=1)
def _records() -> tuple[tuple[str, dict[str, Any]], ...]:
    try:
        text = resources.files("cwpattern").joinpath(_DATA).read_text("utf-8")
    except (FileNotFoundError, OSError):  # pragma: no cover - broken install
        return ()
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        doc = decode(line)
        if doc is not None:
            out.append((line, doc))
    return tuple(out)


def base_records() -> tuple[dict[str, Any], ...]:
    """The decoded real records (read-only: builders copy before changing)."""
    return tuple(doc for _, doc in _records())


def json_string(text: str) -> str:
    """A JSON string literal with the minimal escaping (``"``, ``\\``, control chars)."""
    return json.dumps(text, ensure_ascii=False)


def serialize(value: Any) -> str:
    """Compact JSON text of a decoded value (numbers keep their raw token text)."""
    return encode(value)


def respellings(value: Any) -> list[str]:
    """Other RFC 8259 spellings of the same record than CloudTrail's compact one: ``/``
    written ``\\/``; the first or every string character written ``\\uXXXX`` (lower- and upper-case hex,
    surrogate pairs beyond the BMP); blanks after ``:`` and ``,``.  They decode to the same
    value, so JSON patterns judge them alike; term, regex and space-delimited patterns read
    the text and may not.

    >>> from cwpattern.jsondoc import decode
    >>> respellings({"e": "A/x", "k": "ab"})[:2]
    ['{"e":"A\\\\/x","k":"ab"}', '{"\\\\u0065":"\\\\u0041/x","\\\\u006b":"\\\\u0061b"}']
    >>> all(decode(t) == {"e": "A/x"} for t in respellings({"e": "A/x"}))
    True
    """
    compact = encode(value)
    return [
        _respell(compact, lambda ch: "\\/" if ch == "/" else ch),
        _respell(compact, _u_escape, first_only=True),
        _respell(compact, _u_escape),
        _respell(compact, lambda ch: _u_escape(ch).upper().replace("\\U", "\\u")),
        _respell(compact, lambda ch: ch, blanks=True),
    ]


def _u_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _respell(text: str, char: Any, *, blanks: bool = False, first_only: bool = False) -> str:
    """``text`` (compact JSON) with each unescaped string character (with ``first_only``:
    the first character of each string) passed through ``char`` and, with ``blanks``, a
    space after every ``:`` and ``,`` outside strings."""
    out: list[str] = []
    in_string = first = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                out.append(text[i : i + 2])
                i += 2
                first = False
                continue
            if ch == '"':
                in_string = False
                out.append(ch)
            else:
                out.append(char(ch) if first or not first_only else ch)
                first = False
        else:
            if ch == '"':
                in_string = first = True
            out.append(ch)
            if blanks and ch in ":,":
                out.append(" ")
        i += 1
    return "".join(out)


# Realistic values for common CloudTrail fields, tried when the real records' own values
# are excluded by a model (e.g. an event from another service).
_COMMON: dict[str, tuple[str, ...]] = {
    "eventSource": (
        "ec2.amazonaws.com",
        "iam.amazonaws.com",
        "s3.amazonaws.com",
        "sts.amazonaws.com",
        "signin.amazonaws.com",
        "cloudtrail.amazonaws.com",
    ),
    "eventName": ("DescribeInstances", "GetCallerIdentity", "ListBuckets", "ConsoleLogin"),
    "eventType": ("AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn"),
    "errorCode": ("AccessDenied", "UnauthorizedOperation", "ThrottlingException"),
    "errorMessage": ("User is not authorized to perform this operation",),
    "userAgent": (
        "aws-cli/2.15.0 Python/3.11.6 Linux/6.5 exe/x86_64",
        "console.amazonaws.com",
        "Boto3/1.34.0",
    ),
    "type": ("IAMUser", "AssumedRole", "Root", "AWSService", "AWSAccount"),
    "awsRegion": ("us-east-1", "eu-west-1"),
    "sourceIPAddress": ("198.51.100.7", "203.0.113.12"),
}


def hints(path: Path) -> tuple[Any, ...]:
    """Realistic scalar values for a path: what the real records hold there, then common
    CloudTrail values for a member of that name."""
    return _hints(path)


@functools.lru_cache(maxsize=1024)
def _hints(path: Path) -> tuple[Any, ...]:
    if not all(isinstance(s, (ast.Member, ast.Index)) for s in path):
        return ()
    seen: list[Any] = []
    for doc in base_records():
        node = node_at(doc, path)
        if isinstance(node, (str, JsonNumber)) and node not in seen:
            seen.append(node)
    last = path[-1] if path else None
    if isinstance(last, ast.Member):
        seen.extend(v for v in _COMMON.get(last.name, ()) if v not in seen)
    return tuple(seen)


@functools.lru_cache(maxsize=8192)
def _truths(formula: Formula) -> tuple[bool, ...]:
    """Whether each base record satisfies the formula (one cache lookup per formula)."""
    return tuple(holds(formula, doc) for doc in base_records())


def rank_bases(formulas: Sequence[Formula], literals: Iterable[Formula] = ()) -> list[Any]:
    """Base records, best first: those satisfying more of the formulas (then more of the
    individual literals) need fewer changes."""
    docs = base_records()
    scores = [0] * len(docs)
    for weight, group in ((100, formulas), (1, literals)):
        for formula in group:
            for i, ok in enumerate(_truths(formula)):
                scores[i] += weight * ok
    order = sorted(range(len(docs)), key=lambda i: (-scores[i], i))
    return [docs[i] for i in order]


class Oracle:
    """The real matcher for one pattern: ``Oracle(tree, text)(message) -> bool``."""

    def __init__(self, tree: ast.Pattern, text: str | None = None) -> None:
        self.tree = tree
        self.text = text

    @functools.cached_property
    def _compiled(self) -> Any:
        # lazily: compiling pattern text needs the parser (lark).  A tree is compiled as a
        # tree, never through its canonical text (which may exceed the 1,024-character
        # limit even when the pattern it came from does not).
        from ..pattern import CompiledPattern, compile

        if self.text is not None:
            return compile(self.text)
        return CompiledPattern.from_ast(self.tree)

    def __call__(self, message: str) -> bool:
        return bool(self._compiled.matches(message))
