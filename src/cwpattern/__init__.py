"""cwpattern: Amazon CloudWatch Logs filter patterns, offline, exactly as AWS evaluates them.

>>> import cwpattern
>>> p = cwpattern.compile('{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }')
>>> p.matches('{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}')
True
>>> str(p)
'{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }'

Heavy parts load lazily: importing the package does not import lark until a pattern is
parsed, and the analyzer works on trees without lark.
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

from .errors import (
    CWPatternError,
    MatchResourceError,
    MetricFilterError,
    PatternSyntaxError,
    UnsupportedPatternError,
)

if TYPE_CHECKING:
    from . import ast
    from .pattern import CompiledPattern

try:
    __version__ = _metadata.version("cwpattern")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "compile",
    "parse",
    "matches",
    "test_metric_filter",
    "covers",
    "relation",
    "check",
    "scan",
    "controls",
    "CompiledPattern",
    "CWPatternError",
    "PatternSyntaxError",
    "UnsupportedPatternError",
    "MetricFilterError",
    "MatchResourceError",
    "__version__",
]


def compile(pattern: str) -> CompiledPattern:  # noqa: A001 - mirrors re.compile
    """Parse, validate and compile a filter pattern; cached.  See :class:`CompiledPattern`."""
    from .pattern import compile as _compile

    return _compile(pattern)


def parse(pattern: str) -> ast.Pattern:
    """Parse and validate a filter pattern into its typed AST (:mod:`cwpattern.ast`)."""
    from .parser import parse as _parse

    return _parse(pattern)


def matches(pattern: str, message: str | bytes) -> bool:
    """``compile(pattern).matches(message)``."""
    return compile(pattern).matches(message)


def test_metric_filter(pattern: str, messages: Any) -> list[dict[str, Any]]:
    """Emulate TestMetricFilter: ``[{"eventNumber", "eventMessage", "extractedValues"}]``."""
    from .pattern import test_metric_filter as _test

    return _test(pattern, messages)


test_metric_filter.__test__ = False  # type: ignore[attr-defined]


def covers(pattern: Any, reference: Any, **options: Any) -> Any:
    """Does every event ``reference`` matches also match ``pattern`` (or a set of patterns)?
    See :func:`cwpattern.analyzer.covers`."""
    from .analyzer import covers as _covers

    return _covers(pattern, reference, **options)


def relation(pattern: Any, reference: Any, **options: Any) -> Any:
    """``equivalent``, ``broader``, ``narrower``, ``overlap``, ``disjoint``, ``never`` or
    ``unknown``.  See :func:`cwpattern.analyzer.relation`."""
    from .analyzer import relation as _relation

    return _relation(pattern, reference, **options)


def check(patterns: Any, *, control: str) -> Any:
    """Judge many filters against a control.  See :func:`cwpattern.checker.check`."""
    from .checker import check as _check

    return _check(patterns, control=control)


def scan(pattern: Any, source: Any = None, **options: Any) -> Any:
    """Stream the matches of a pattern over log files, directories or stdin: an iterator of
    ``Match(message, location, extracted)``.  See :func:`cwpattern.scanner.scan`."""
    from .scanner import scan as _scan

    return _scan(pattern, source, **options)


def __getattr__(name: str) -> Any:
    if name == "CompiledPattern":
        from .pattern import CompiledPattern

        return CompiledPattern
    if name == "controls":
        import importlib

        return importlib.import_module(".controls", __name__)
    raise AttributeError(f"module 'cwpattern' has no attribute {name!r}")
