"""The compiled pattern object and the module-level entry points.

>>> import cwpattern
>>> p = cwpattern.compile('[ip, user, ..., status = 4*, bytes]')
>>> p.family
'space-delimited'
>>> p.matches('10.0.0.1 ana GET /x 404 77')
True
>>> p.extract('10.0.0.1 ana GET /x 404 77')
{'$ip': '10.0.0.1', '$user': 'ana', '$3': 'GET', '$4': '/x', '$status': '404', '$bytes': '77'}
>>> cwpattern.test_metric_filter('ERROR', ['INFO ok', 'ERROR disk'])
[{'eventNumber': 2, 'eventMessage': 'ERROR disk', 'extractedValues': {}}]
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from . import ast
from .ast import Pattern as PatternTree
from .compiler import NO_MATCH_ERRORS, RESOURCE_ERRORS, Extractor, Matcher, compile_pattern
from .errors import MatchResourceError, PatternSyntaxError
from .parser import MAX_PATTERN_LENGTH, parse
from .printer import unparse

__all__ = ["CompiledPattern", "compile", "test_metric_filter", "MAX_TEST_MESSAGES"]

MAX_TEST_MESSAGES = 50


class CompiledPattern:
    """A parsed, validated and compiled filter pattern.  Immutable and hashable.

    ``matches`` and ``extract`` never raise because of the message: a ``bytes`` message is
    decoded as UTF-8 with invalid sequences replaced by U+FFFD (for every family), and a
    message that is not JSON or has too few fields simply does not match the families that
    need structure.  Running out of
    memory or stack while matching is not a verdict: it raises
    :class:`cwpattern.MatchResourceError`.
    """

    __slots__ = ("pattern", "ast", "family", "_match", "_extract")

    pattern: str
    ast: ast.Pattern
    family: str
    _match: Matcher
    _extract: Extractor

    def __init__(self, pattern: str) -> None:
        self._setup(pattern, parse(pattern))

    def _setup(self, pattern: str, tree: PatternTree) -> None:
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "ast", tree)
        object.__setattr__(self, "family", ast.family_of(tree))
        match, extract = compile_pattern(tree)
        object.__setattr__(self, "_match", match)
        object.__setattr__(self, "_extract", extract)

    @classmethod
    def from_ast(cls, tree: PatternTree) -> CompiledPattern:
        """Compile a pattern tree directly (cached), without going through its text.

        The tree is one :func:`cwpattern.parse` returned, or one built from
        :mod:`cwpattern.ast` nodes.  Every rule of the language is checked except the
        1,024-character limit, which applies to pattern *text*: a valid pattern's canonical
        text may be longer than the pattern (``$.a=1`` prints as ``$.a = 1``).
        ``pattern`` is the canonical text.

        Raises:
            PatternSyntaxError: when the tree is not a valid pattern (hand-built trees).
            TypeError: when ``tree`` is not a pattern tree.

        >>> import cwpattern
        >>> long = "{" + "||".join(["$.a=1"] * 140) + "}"  # 980 characters
        >>> p = CompiledPattern.from_ast(cwpattern.parse(long))
        >>> len(p.pattern) > 1024, p.matches('{"a":1}')
        (True, True)
        """
        if not isinstance(tree, _PATTERN_TYPES):
            raise TypeError(f"expected a pattern tree (cwpattern.ast), not {type(tree).__name__}")
        return _from_ast_cached(tree)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("CompiledPattern is immutable")

    def _text(self, message: str | bytes) -> str:
        if isinstance(message, str):
            return message
        if isinstance(message, (bytes, bytearray, memoryview)):
            return bytes(message).decode("utf-8", "replace")  # spec §4.3: every family
        raise TypeError(f"a log message is str or bytes, not {type(message).__name__}")

    def matches(self, message: str | bytes) -> bool:
        """Whether the pattern matches the message (CloudWatch's decision).

        Raises:
            MatchResourceError: when memory or stack ran out (no verdict).
            TypeError: when ``message`` is neither ``str`` nor ``bytes``.
        """
        text = message if type(message) is str else self._text(message)
        try:
            return bool(self._match(text))
        except RESOURCE_ERRORS as e:
            failed = type(e).__name__
        except NO_MATCH_ERRORS:
            return False
        # Raised outside the except clause, so that the traceback of the exhausted
        # computation (and the memory its frames hold) is released first.
        raise MatchResourceError(failed)

    def extract(self, message: str | bytes) -> dict[str, str] | None:
        """The ``extractedValues`` TestMetricFilter reports for a matching message
        (``{}`` except for space-delimited patterns), or ``None`` if it does not match.
        Raises :class:`cwpattern.MatchResourceError` as :meth:`matches` does."""
        text = message if type(message) is str else self._text(message)
        try:
            return self._extract(text)
        except RESOURCE_ERRORS as e:
            failed = type(e).__name__
        except NO_MATCH_ERRORS:
            return None
        raise MatchResourceError(failed)

    def filter(self, messages: Iterable[str | bytes]) -> Iterator[str | bytes]:
        """The messages that match, in order."""
        match = self.matches
        return (m for m in messages if match(m))

    def __str__(self) -> str:
        return unparse(self.ast)

    @property
    def canonical(self) -> str:
        return unparse(self.ast)

    def __repr__(self) -> str:
        return f"cwpattern.compile({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompiledPattern) and other.ast == self.ast

    def __hash__(self) -> int:
        return hash(self.ast)

    def __reduce__(self) -> tuple[Any, ...]:
        if len(self.pattern) > MAX_PATTERN_LENGTH:  # from_ast: a long canonical text
            return (CompiledPattern.from_ast, (self.ast,))
        return (compile, (self.pattern,))


@functools.lru_cache(maxsize=1024)
def _compile_cached(pattern: str) -> CompiledPattern:
    return CompiledPattern(pattern)


_PATTERN_TYPES = (
    ast.MatchAll,
    ast.TermPattern,
    ast.RegexPattern,
    ast.JsonPattern,
    ast.DelimitedPattern,
)


@functools.lru_cache(maxsize=1024)
def _from_ast_cached(tree: ast.Pattern) -> CompiledPattern:
    # A tree from parse() is valid; one built by hand may not be (a key containing "'",
    # a repetition count of 5000, three regexes...).  Its canonical text, parsed with the
    # length limit lifted, must give back the same tree: every other rule is checked by
    # the parser itself.  The tree is then compiled as given.
    text = unparse(tree)
    if parse(text, max_length=None) != tree:
        raise PatternSyntaxError(
            "SYNTAX", "the tree is not a valid pattern (its text parses differently)", text, 0
        )
    compiled = object.__new__(CompiledPattern)
    compiled._setup(text, tree)
    return compiled


def compile(pattern: str) -> CompiledPattern:  # noqa: A001 - mirrors re.compile
    """Parse, validate and compile a filter pattern (cached, like ``re.compile``).

    Raises:
        PatternSyntaxError: when CloudWatch Logs would reject the pattern.
        TypeError: when ``pattern`` is not a ``str``.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"a filter pattern is a str, not {type(pattern).__name__}")
    return _compile_cached(pattern)


def test_metric_filter(pattern: str, messages: Iterable[str]) -> list[dict[str, Any]]:
    """Emulate the TestMetricFilter API: the matching messages, 1-based ``eventNumber``,
    the message verbatim and its ``extractedValues`` (spec §8).

    Raises:
        PatternSyntaxError: for an invalid pattern.
        ValueError: unless there are 1 to 50 messages, each at least one character long.
    """
    compiled = compile(pattern)
    messages = list(messages)
    if not 1 <= len(messages) <= MAX_TEST_MESSAGES:
        raise ValueError(
            f"TestMetricFilter takes 1 to {MAX_TEST_MESSAGES} messages, not {len(messages)}"
        )
    for i, message in enumerate(messages, 1):
        if not isinstance(message, str) or not message:
            raise ValueError(f"message {i} must be a non-empty string")
    out = []
    for number, message in enumerate(messages, 1):
        values = compiled.extract(message)
        if values is not None:
            out.append({"eventNumber": number, "eventMessage": message, "extractedValues": values})
    return out


test_metric_filter.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
