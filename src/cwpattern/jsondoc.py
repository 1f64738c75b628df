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

__all__ = ["JsonNumber", "decode", "JSON_BLANKS"]

JSON_BLANKS = " \t\n\r"


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


_decoder = json.JSONDecoder(parse_int=JsonNumber, parse_float=JsonNumber,
                            parse_constant=_reject_constant)


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
