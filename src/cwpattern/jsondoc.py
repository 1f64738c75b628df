"""Decoding a log message as JSON, the way JSON filter patterns see it (spec §4.3).

A message is JSON when it is one RFC 8259 text whose top-level value is an object
(blanks around it allowed).  Numbers keep their raw token text, because patterns compare
numbers as text as well as by value (``= "7"`` matches the number ``7`` but not ``7.0``);
``NaN``/``Infinity``, a BOM or a text prefix make the message not JSON.  Duplicate keys:
the last one wins.

>>> doc = decode('{"code": 7.0, "ok": true}')
>>> doc["code"].text, doc["code"].value, doc["ok"]
('7.0', 7.0, True)
>>> decode('[1, 2]') is None, decode('not json') is None
(True, True)
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JSON_BLANKS", "MISSING", "JsonNumber", "decode", "decode_value", "encode"]

JSON_BLANKS = " \t\n\r"

#: What a selector reaches when it reaches no node (a missing member, a path through a
#: scalar): a sentinel distinct from every JSON value, ``null`` included.
MISSING: Any = object()


class JsonNumber:
    """A JSON number: its raw token ``text`` and its IEEE-754 ``value``."""

    __slots__ = ("text", "value")

    def __init__(self, text: str) -> None:
        self.text = text
        self.value = float(text)

    def __repr__(self) -> str:
        return f"JsonNumber({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_decoder = json.JSONDecoder(
    parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=_reject_constant
)


def decode(message: str | bytes) -> dict[str, Any] | None:
    """The message's top-level JSON object, or ``None`` when it is not one. Never raises."""
    if isinstance(message, (bytes, bytearray, memoryview)):
        try:
            message = bytes(message).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if "{" not in message[:64] and message.lstrip(JSON_BLANKS)[:1] != "{":
        return None
    try:
        value = _decoder.decode(message)
    except (ValueError, RecursionError):
        return None
    return value if type(value) is dict else None


def decode_value(text: str) -> Any:
    """Any JSON value, decoded as :func:`decode` decodes the members of a message
    (numbers as :class:`JsonNumber`); raises ``ValueError`` when ``text`` is not one.

    >>> decode_value('[1.0, "a", null]')
    [JsonNumber('1.0'), 'a', None]
    """
    return _decoder.decode(text)


def encode(value: Any) -> str:
    """Compact JSON text of a decoded value, as CloudTrail writes a record to CloudWatch
    Logs (no blanks, non-ASCII kept, numbers as their raw token text).

    >>> encode(decode('{ "a": [1.50, "é", null] }'))
    '{"a":[1.50,"é",null]}'
    """
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, JsonNumber):
        out.append(value.text)
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, val) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(val, out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for i, val in enumerate(value):
            if i:
                out.append(",")
            _write(val, out)
        out.append("]")
    else:
        raise TypeError(f"not a JSON value: {value!r}")


def message_bytes(message: str) -> bytes:
    """The bytes to write for a message: UTF-8, with the undecodable input bytes that
    ``surrogateescape`` kept restored, and a lone surrogate (which only a JSON escape such
    as ``"\\ud800"`` can put in a message) written back as its JSON escape.

    >>> message_bytes('{"x":"\\ud800"}')
    b'{"x":"\\\\ud800"}'
    >>> message_bytes("caf\\xe9 \\udcff")
    b'caf\\xc3\\xa9 \\xff'
    """
    try:
        return message.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return message.encode("utf-8", "backslashreplace")
