"""Value-matching primitives shared by the matcher and the analyzer (spec §4.5, §5.5).

>>> wildcard_matcher("AccessDenied*")("AccessDeniedException")
True
>>> wildcard_matcher("*.html*")("GET /index.html HTTP/1.0")
True
>>> wildcard_matcher("a*b")("axb"), wildcard_matcher("a*b")("a*b")
(False, True)
>>> is_number("2e2"), is_number(".5")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["NUMBER_RE", "wildcard_matcher", "wildcard_shape", "is_number"]

#: ``[+-]digits[.digits][(e|E)[+-]digits]`` (spec §4.1): the number grammar, shared by the
#: parser and the evaluators (this module imports nothing of cwpattern: a leaf).
NUMBER_RE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def is_number(text: str) -> bool:
    """Whether the whole text is a number of the pattern number grammar."""
    return NUMBER_RE.fullmatch(text) is not None


def wildcard_shape(text: str) -> tuple[str, str]:
    """Classify a string value: ``("any", "")``, ``("contains", mid)``, ``("suffix", rest)``,
    ``("prefix", head)`` or ``("exact", text)``.  Only a leading and/or trailing ``*`` is a
    wildcard; a ``*`` anywhere else is literal."""
    if text.strip("*") == "":
        return ("any", "") if text else ("exact", "")
    lead = text.startswith("*")
    trail = text.endswith("*")
    if lead and trail:
        return ("contains", text[1:-1])
    if lead:
        return ("suffix", text[1:])
    if trail:
        return ("prefix", text[:-1])
    return ("exact", text)


def wildcard_matcher(text: str) -> Callable[[str], bool]:
    """A function telling whether a leaf text matches the string value ``text``."""
    shape, core = wildcard_shape(text)
    if shape == "any":
        return lambda t: True
    if shape == "contains":
        return lambda t: core in t
    if shape == "suffix":
        return lambda t: t.endswith(core)
    if shape == "prefix":
        return lambda t: t.startswith(core)
    return core.__eq__
