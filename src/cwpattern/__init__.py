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

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import (
    CWPatternError,
    MatchResourceError,
    MetricFilterError,
    PatternSyntaxError,
    UnsupportedPatternError,
)
from .version import __version__

if TYPE_CHECKING:  # what type checkers see: the real functions and result types
    from . import ast, controls
    from .analysis.results import CaseResult, Coverage, PatternWarning, Relation, Verdict
    from .analyzer import covers, relation
    from .aws.checker import CheckReport, FilterResult, MetricGroup, check
    from .pattern import CompiledPattern
    from .scanner import Match, count_many, scan, scan_many


__all__ = [
    "compile",
    "parse",
    "matches",
    "test_metric_filter",
    "covers",
    "relation",
    "check",
    "scan",
    "scan_many",
    "count_many",
    "controls",
    "CompiledPattern",
    "Coverage",
    "CaseResult",
    "Relation",
    "Verdict",
    "PatternWarning",
    "CheckReport",
    "FilterResult",
    "MetricGroup",
    "Match",
    "CWPatternError",
    "PatternSyntaxError",
    "UnsupportedPatternError",
    "MetricFilterError",
    "MatchResourceError",
    "__version__",
]

#: Lazily imported public names: name -> module (relative to this package).
_LAZY = {
    "CompiledPattern": "pattern",
    "Coverage": "analysis.results",
    "CaseResult": "analysis.results",
    "Relation": "analysis.results",
    "Verdict": "analysis.results",
    "PatternWarning": "analysis.results",
    "CheckReport": "aws.checker",
    "FilterResult": "aws.checker",
    "MetricGroup": "aws.checker",
    "Match": "scanner",
}


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


def test_metric_filter(pattern: str, messages: Iterable[str]) -> list[dict[str, Any]]:
    """Emulate TestMetricFilter: ``[{"eventNumber", "eventMessage", "extractedValues"}]``."""
    from .pattern import test_metric_filter as _test

    return _test(pattern, messages)


test_metric_filter.__test__ = False  # type: ignore[attr-defined]

if not TYPE_CHECKING:  # at run time: thin wrappers that import the heavy parts on first use

    def covers(pattern, reference, **options):
        """Does every event ``reference`` matches also match ``pattern`` (or a set of
        patterns)?  See :func:`cwpattern.analyzer.covers`."""
        from .analyzer import covers as _covers

        return _covers(pattern, reference, **options)

    def relation(pattern, reference, **options):
        """``equivalent``, ``broader``, ``narrower``, ``overlap``, ``disjoint``, ``never`` or
        ``unknown``.  See :func:`cwpattern.analyzer.relation`."""
        from .analyzer import relation as _relation

        return _relation(pattern, reference, **options)

    def check(patterns, **options):
        """Judge many filters against a control.  See :func:`cwpattern.aws.checker.check`."""
        from .aws.checker import check as _check

        return _check(patterns, **options)

    def scan(pattern, source=None, **options):
        """Stream the matches of a pattern over log files, directories or stdin: an
        iterator of ``Match(message, location, extracted)``.  See
        :func:`cwpattern.scanner.scan`."""
        from .scanner import scan as _scan

        return _scan(pattern, source, **options)

    def scan_many(patterns, source=None, **options):
        """Several patterns over one read of the input: an iterator of ``(index,
        Match)``.  See :func:`cwpattern.scanner.scan_many`."""
        from .scanner import scan_many as _scan_many

        return _scan_many(patterns, source, **options)

    def count_many(patterns, source=None, **options):
        """The match count of each pattern, from one read of the input.  See
        :func:`cwpattern.scanner.count_many`."""
        from .scanner import count_many as _count_many

        return _count_many(patterns, source, **options)

    def __getattr__(name):
        import importlib

        if name == "controls":
            return importlib.import_module(".controls", __name__)
        if name in _LAZY:
            return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        raise AttributeError(f"module 'cwpattern' has no attribute {name!r}")
