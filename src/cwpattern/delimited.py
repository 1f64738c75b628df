"""Space-delimited messages: tokenizing and binding pattern entries to fields (spec §5.3–§5.6).

>>> [t.value for t in tokenize('10.0.0.1 - ana [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200')]
['10.0.0.1', '-', 'ana', '01/Jan/2024:00:00:01 +0000', 'GET / HTTP/1.1', '200']
>>> bind(3, None, 'a b c d')
[(0, 'a'), (1, 'b'), (2, 'c d')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

__all__ = ["Token", "field_matches", "iter_tokens", "tokenize", "bind"]

_SEPARATORS = " \t"

# Spec §5.3 as regular expressions: blanks, then a "..." or [...] field when its closing
# delimiter exists, else a run of non-blanks (which keeps an unclosed '"' or '[').
_FIELD = re.compile(r'[ \t]*(?:"([^"]*)"|\[([^\]]*)\]|([^ \t]+))')
_FIELD_NO_BRACKET = re.compile(r'[ \t]*(?:"([^"]*)"|()(?!)|([^ \t]+))')  # same groups


class Token(NamedTuple):
    value: str
    start: int  # raw span [start, end) in the message, delimiters included
    end: int


def field_matches(message: str) -> Iterator[re.Match[str]]:
    """One regex match per field, in time linear in the message: with
    ``i = m.lastindex``, the field's value is ``m.group(i)`` and its span
    ``[m.start(i) - (i != 3), m.end())`` (a delimited field's span includes its delimiters).

    A failed attempt at a delimited field scans to the end of the message, so such
    attempts must be rare: trailing blanks are cut off first (a search that can only fail
    there would be retried at each of them), a ``[`` is tried as an opening delimiter only
    up to the last ``]`` (after it, none can close: the pattern without the bracket
    alternative takes over), and only the last ``"`` of a message can fail to close.
    """
    end = len(message.rstrip(_SEPARATORS))  # the end of the last field
    last = message.rfind("]", 0, end)
    if message.find("[", last + 1, end) < 0:  # every '[' that starts a field closes
        return _FIELD.finditer(message, 0, end)
    return _split_matches(message, last, end)


def _split_matches(message: str, last: int, end: int) -> Iterator[re.Match[str]]:
    pos = 0
    if last >= 0:
        for m in _FIELD.finditer(message, 0, end):
            yield m
            pos = m.end()
            if pos > last:
                break
        else:
            return
    yield from _FIELD_NO_BRACKET.finditer(message, pos, end)


def iter_tokens(message: str) -> Iterator[Token]:
    """The fields of a message, lazily (see :func:`tokenize`)."""
    for m in field_matches(message):
        i = m.lastindex or 3
        yield Token(m.group(i), m.start(i) - (i != 3), m.end())


def tokenize(message: str, limit: int | None = None) -> list[Token]:
    """Split a message into fields (the first ``limit`` ones, if given): runs of
    spaces/tabs separate; a field that starts with ``"`` or ``[`` runs to the next ``"`` /
    ``]`` (kept in the span, stripped from the value); an opening delimiter that is never
    closed is an ordinary character.  Linear time (:func:`field_matches`)."""
    out: list[Token] = []
    if limit is not None and limit <= 0:
        return out
    append = out.append
    for m in field_matches(message):
        i = m.lastindex or 3
        append(Token(m.group(i), m.start(i) - (i != 3), m.end()))
        if len(out) == limit:
            break
    return out


def bind(
    entries: int, ellipsis: int | None, message: str, tokens: list[Token] | None = None
) -> list[tuple[int, str]] | None:
    """Bind ``entries`` pattern entries (with the ellipsis at index ``ellipsis``, if any)
    to the message's fields.

    Returns one ``(token_index, value)`` per message field that is bound or covered, in
    token order, with the ellipsis' fields included (the caller knows which are which
    from the counts); ``None`` when the message has too few fields.  Without an ellipsis
    the last entry absorbs the rest of the line as raw text, its index being that of its
    first token.
    """
    if tokens is None:
        tokens = tokenize(message)
    n = len(tokens)
    if ellipsis is None:
        if n < entries:
            return None
        bound = [(i, tokens[i].value) for i in range(entries - 1)]
        if entries:
            last = entries - 1
            if n == entries:
                bound.append((last, tokens[last].value))
            else:
                bound.append((last, message[tokens[last].start : tokens[n - 1].end]))
        return bound
    if n < entries - 1:
        return None
    return [(i, t.value) for i, t in enumerate(tokens)]
