"""Semantic analysis of filter patterns against the CloudTrail events a control requires.

Does a metric filter pattern *really* cover a control — for example CIS AWS 3.0.0 control
4.7, both KMS events ``DisableKey`` and ``ScheduleKeyDeletion`` from
``kms.amazonaws.com`` — and why?

* :func:`covers` — does every event the reference matches also match the pattern?
  ``yes`` is a proof; ``no`` comes with a counterexample record (a real KMS CloudTrail
  record adjusted minimally, re-checked with the matcher); ``unknown`` says why.
* :func:`relation` — ``equivalent``, ``broader``, ``narrower``, ``overlap``,
  ``disjoint`` or ``never`` (matches nothing), with example events.
* :func:`is_satisfiable`, :func:`equivalent`, :func:`warnings`.

Events are CloudTrail records as CloudTrail delivers them to CloudWatch Logs: one compact
JSON object per message, keys in any order; every field the reference does not pin down is
arbitrary (any value, or absent).  See ``docs/analyzer.md`` for the model and for exactly
what is decided and what answers ``unknown``.

Wherever a pattern is accepted, a set (list, tuple, set) of patterns is accepted too and
means their union — several metric filters feeding one metric.  Patterns may be text,
trees (:mod:`cwpattern.ast`) or compiled patterns.

>>> ref = '{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }'
>>> covers('{ $.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion" }', ref).verdict
<Verdict.YES: 'yes'>
>>> c = covers('{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }', ref)
>>> c.verdict, [case.covered for case in c.cases]
(<Verdict.NO: 'no'>, [True, False])
>>> '"eventName":"ScheduleKeyDeletion"' in c.counterexample
True
>>> relation('{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey*" }', ref).kind
'overlap'

This module does not import lark: pattern text is parsed lazily.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Union

from . import ast
from .analysis.core import Pat, is_strict, strict_mode
from .analysis.core import covers as _covers
from .analysis.core import relation as _relation
from .analysis.core import satisfiable as _satisfiable
from .analysis.results import (
    AnalyzerInternalError,
    CaseResult,
    Coverage,
    PatternWarning,
    Relation,
    Verdict,
)
from .analysis.solver import DEFAULT_BUDGET, Budget

if TYPE_CHECKING:
    from .pattern import CompiledPattern

__all__ = [
    "DEFAULT_BUDGET",
    "AnalyzerInternalError",
    "CaseResult",
    "Coverage",
    "PatternWarning",
    "Relation",
    "Verdict",
    "covers",
    "equivalent",
    "is_satisfiable",
    "is_strict",
    "relation",
    "strict_mode",
    "warnings",
]


def __getattr__(name: str) -> type[PatternWarning]:
    """``Warning``: the old name of :class:`PatternWarning` (deprecated: it shadowed the
    builtin ``Warning`` in every module that imported it)."""
    if name == "Warning":
        from warnings import warn

        warn(
            "cwpattern.analyzer.Warning is deprecated: use PatternWarning",
            DeprecationWarning,
            stacklevel=2,
        )
        return PatternWarning
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: A pattern as text, a tree (:mod:`cwpattern.ast`) or a compiled pattern.
PatternLike = Union[str, ast.Pattern, "CompiledPattern"]
#: One pattern, or several (their union).
Patterns = PatternLike | Iterable[PatternLike]

_PATTERN_TYPES = (
    ast.MatchAll,
    ast.TermPattern,
    ast.RegexPattern,
    ast.JsonPattern,
    ast.DelimitedPattern,
)


def _one(item: Any) -> Pat:
    if isinstance(item, str):
        from .pattern import compile  # lazily: parsing needs lark; compile() is cached

        return Pat(compile(item).ast, item)
    if isinstance(item, _PATTERN_TYPES):
        return Pat(item, None)
    tree = getattr(item, "ast", None)
    text = getattr(item, "pattern", None)
    if isinstance(tree, _PATTERN_TYPES) and isinstance(text, str):  # a CompiledPattern
        return Pat(tree, text)
    raise TypeError(
        f"expected a filter pattern (text, tree or compiled), not {type(item).__name__}"
    )


def _many(arg: Patterns) -> tuple[Pat, ...]:
    if isinstance(arg, (str, *_PATTERN_TYPES)) or hasattr(arg, "ast"):
        return (_one(arg),)
    if isinstance(arg, (list, tuple, set, frozenset)) or hasattr(arg, "__iter__"):
        items = list(arg)
        if isinstance(arg, (set, frozenset)):
            items.sort(key=lambda x: str(x))
        return tuple(_one(x) for x in items)
    return (_one(arg),)


def _budget(budget: int | None, timeout: float | None, *groups: tuple[Pat, ...]) -> Budget:
    """One allowance for one call: ``budget`` work units, or by default
    :data:`DEFAULT_BUDGET` per 1,024 characters of input (so that a union of patterns gets
    a bound that grows linearly with its size), and an optional wall-clock ``timeout``."""
    if budget is None:
        size = sum(len(p.label()) for group in groups for p in group)
        budget = DEFAULT_BUDGET * max(1, -(-size // 1024))
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return Budget(budget, timeout=timeout)


def covers(
    pattern: Patterns,
    reference: Patterns,
    *,
    budget: int | None = None,
    timeout: float | None = None,
    any_json_spelling: bool = False,
) -> Coverage:
    """Does every event the reference matches also match the pattern (or one of the
    patterns)?

    Args:
        pattern: a pattern, or a set of patterns (their union).
        reference: the control's reference pattern(s); JSON patterns define the required
            events (a non-JSON reference gives ``unknown``).
        budget: work units allowed before answering ``unknown`` (default
            :data:`DEFAULT_BUDGET` per 1,024 characters of patterns and references).
        timeout: seconds allowed before answering ``unknown`` (default: no time limit;
            the work budget alone bounds the time).
        any_json_spelling: answer for every RFC 8259 spelling of the records, not only
            CloudTrail's compact one.  A term, regex or space-delimited pattern reads the
            record's text: by default a ``yes`` it earns that way rests on CloudTrail's
            spelling and says so in ``assumptions``; with this option such a case is
            refuted by a respelled record or is ``unknown``.

    Returns:
        :class:`Coverage` with one :class:`CaseResult` per disjunct of the reference's
        disjunctive normal form.

    Raises:
        PatternSyntaxError: when a pattern text is invalid.

    >>> covers('"kms.amazonaws.com"', '{ $.eventSource = kms.amazonaws.com }').verdict
    <Verdict.YES: 'yes'>
    """
    pats, refs = _many(pattern), _many(reference)
    return _covers(pats, refs, _budget(budget, timeout, pats, refs), any_json_spelling)


def relation(
    pattern: Patterns,
    reference: Patterns,
    *,
    budget: int | None = None,
    timeout: float | None = None,
    any_json_spelling: bool = False,
) -> Relation:
    """How the pattern's events relate to the reference's: ``equivalent``, ``broader``,
    ``narrower``, ``overlap``, ``disjoint``, ``never`` or ``unknown`` (with reason and
    example events).

    >>> relation('{ $.eventName = "DisableKey" && $.eventName = "ScheduleKeyDeletion" }',
    ...          '{ $.eventName = "DisableKey" }').kind
    'never'
    """
    pats, refs = _many(pattern), _many(reference)
    return _relation(pats, refs, _budget(budget, timeout, pats, refs), any_json_spelling)


def is_satisfiable(
    pattern: Patterns, *, budget: int | None = None, timeout: float | None = None
) -> bool | None:
    """Whether some event (a JSON object) matches the pattern; ``None`` if undecided.

    >>> is_satisfiable('{ $.a = 1 && $.a NOT EXISTS }'), is_satisfiable('{ $.a > 1 }')
    (False, True)
    """
    pats = _many(pattern)
    return _satisfiable(pats, _budget(budget, timeout, pats))[0]


def equivalent(
    a: Patterns,
    b: Patterns,
    *,
    budget: int | None = None,
    timeout: float | None = None,
    any_json_spelling: bool = False,
) -> bool | None:
    """Whether two patterns (or sets) match exactly the same events; ``None`` if undecided.

    >>> equivalent('{ $.a = "x" || $.b = "y" }', ['{ $.b = "y" }', '{ $.a = x }'])
    True
    """
    pa, pb = _many(a), _many(b)
    work = _budget(budget, timeout, pa, pb)
    forward = _covers(pa, pb, work, any_json_spelling)
    if forward.verdict == "no":
        return False
    backward = _covers(pb, pa, work, any_json_spelling)
    if backward.verdict == "no":
        return False
    if forward.verdict == "yes" and backward.verdict == "yes":
        return True
    return None


def warnings(
    pattern: Patterns,
    *,
    reference: Patterns | None = None,
    budget: int | None = None,
    timeout: float | None = None,
) -> list[PatternWarning]:
    """Non-fatal findings about a pattern (spec §9 and the CloudTrail traps: exclusions on
    attacker-controlled fields, ``!=`` on fields that may be absent, case mismatches,
    over-broad and never-matching patterns).

    >>> [w.code for w in warnings('{ $.eventName = "DisableKey" && $.eventName = "EnableKey" }')]
    ['never-matches']
    """
    from .analysis.core import LOCK
    from .analysis.lint import lint

    refs = _many(reference) if reference is not None else ()
    pats = _many(pattern)
    work = _budget(budget, timeout, pats, refs)
    out: list[PatternWarning] = []
    with LOCK, work.metering():
        for pat in pats:
            out.extend(lint(pat, refs, work))
    return out
