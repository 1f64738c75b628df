"""Space-delimited messages: tokenizing and binding pattern entries to fields (spec §5.3–§5.6).

>>> [t.value for t in tokenize('10.0.0.1 - ana [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200')]
['10.0.0.1', '-', 'ana', '01/Jan/2024:00:00:01 +0000', 'GET / HTTP/1.1', '200']
>>> bind(3, None, 'a b c d')
[(0, 'a'), (1, 'b'), (2, 'c d')]
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Token", "tokenize", "bind"]

_SEPARATORS = " \t"


class Token(NamedTuple):
    value: str
    start: int  # raw span [start, end) in the message, delimiters included
    end: int


def tokenize(message: str) -> list[Token]:
    """Split a message into fields: runs of spaces/tabs separate; a field that starts with
    ``"`` or ``[`` runs to the next ``"`` / ``]`` (kept in the span, stripped from the
    value); an opening delimiter that is never closed is an ordinary character."""
    tokens: list[Token] = []
    n = len(message)
    i = 0
    while True:
        while i < n and message[i] in _SEPARATORS:
            i += 1
        if i >= n:
            return tokens
        c = message[i]
        j = -1
        if c == '"':
            j = message.find('"', i + 1)
        elif c == "[":
            j = message.find("]", i + 1)
        if j >= 0:
            tokens.append(Token(message[i + 1 : j], i, j + 1))
            i = j + 1
            continue
        j = i
        while j < n and message[j] not in _SEPARATORS:
            j += 1
        tokens.append(Token(message[i:j], i, j))
        i = j


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
