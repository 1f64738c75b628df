"""The exception hierarchy of cwpattern.

Every error the library raises on purpose derives from :class:`CWPatternError`, which
derives from :class:`ValueError` (like ``re.error`` and jmespath's errors), so callers
can catch one class.  A bad pattern raises :class:`PatternSyntaxError`, which carries a
stable ``code`` (see ``docs/errors.md``), the 0-based ``pos`` of the offending character
and a caret line in ``str(e)``:

>>> import cwpattern
>>> try:
...     cwpattern.compile("{ $.svc == 1 }")
... except cwpattern.PatternSyntaxError as e:
...     print(e.code, e.pos)
...     print(e)
INVALID_OPERATOR 8
invalid operator '==' (use '=' for equality) at column 9
{ $.svc == 1 }
        ^
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CWPatternError",
    "PatternSyntaxError",
    "UnsupportedPatternError",
    "MetricFilterError",
    "MatchResourceError",
]


class CWPatternError(ValueError):
    """Root of every error raised by cwpattern."""


class PatternSyntaxError(CWPatternError):
    """A filter pattern that CloudWatch Logs would reject.

    Attributes:
        code: stable identifier such as ``"TERM_INVALID_CHAR"`` (spec §6.2).
        msg: human-readable description, without position.
        pattern: the pattern text as given.
        pos: 0-based code-point offset of the error, ``0 <= pos <= len(pattern)``.
        lineno, colno: 1-based line and column derived from ``pos``.
        expected: human names of what the parser expected, when known.
        aws_message: the text AWS returns for this case, where it is known (informative).
    """

    def __init__(
        self,
        code: str,
        msg: str,
        pattern: str,
        pos: int,
        *,
        expected: tuple[str, ...] = (),
        aws_message: str | None = None,
    ) -> None:
        pos = max(0, min(pos, len(pattern)))
        self.code = code
        self.msg = msg
        self.pattern = pattern
        self.pos = pos
        self.expected = tuple(expected)
        self.aws_message = aws_message
        before = pattern[:pos]
        self.lineno = before.count("\n") + 1
        self.colno = pos - (before.rfind("\n") + 1) + 1
        super().__init__(self._format())

    def _format(self) -> str:
        lines = self.pattern.split("\n")
        line = lines[self.lineno - 1] if lines else ""
        # Tabs keep their width in the caret line so the caret stays aligned.
        pad = "".join("\t" if ch == "\t" else " " for ch in line[: self.colno - 1])
        return f"{self.msg} at column {self.colno}\n{line}\n{pad}^"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes (grep --jobs)
        return (
            _rebuild_syntax_error,
            (self.code, self.msg, self.pattern, self.pos, self.expected, self.aws_message),
        )

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data, as the CLI prints it with ``--format json``."""
        return {
            "code": self.code,
            "message": self.msg,
            "position": self.pos,
            "line": self.lineno,
            "column": self.colno,
            "expected": list(self.expected),
        }


def _rebuild_syntax_error(
    code: str, msg: str, pattern: str, pos: int, expected: tuple[str, ...], aws: str | None
) -> PatternSyntaxError:
    return PatternSyntaxError(code, msg, pattern, pos, expected=expected, aws_message=aws)


class UnsupportedPatternError(CWPatternError):
    """Reserved for valid CloudWatch syntax that cwpattern does not implement.

    Nothing raises it today: every form in the specification is implemented.  It exists so
    that a future gap fails closed instead of silently matching everything.
    """


class MetricFilterError(CWPatternError):
    """An invalid metric transformation (spec §7), with a stable ``code`` and ``field``."""

    def __init__(self, code: str, msg: str, field: str | None = None) -> None:
        self.code = code
        self.msg = msg
        self.field = field
        where = f" (field {field})" if field else ""
        super().__init__(f"{msg}{where}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.msg, "field": self.field}


class MatchResourceError(CWPatternError):
    """Matching a message ran out of memory (``MemoryError``) or stack (``RecursionError``).

    Resource exhaustion is never a verdict: :meth:`cwpattern.CompiledPattern.matches`
    raises this instead of answering ``False``, and a scan counts the event as
    ``not_evaluated`` (``cwpattern grep`` reports it and exits with status 2).
    ``reason`` is the name of the exception that was raised underneath.

    >>> raise MatchResourceError("MemoryError")
    Traceback (most recent call last):
    cwpattern.errors.MatchResourceError: not evaluated: matching ran out of resources (MemoryError)
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"not evaluated: matching ran out of resources ({reason})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (MatchResourceError, (self.reason,))
