"""The decision procedures behind :func:`cwpattern.analyzer.covers` and friends.

Inputs are normalised to :class:`Pat` (a tree, its text when known, and the real matcher).
A set of patterns means their union; a set of references likewise.

* ``covers(P, R)``: for every case ``C`` of ``R``'s DNF, ``C ∧ ¬P₁ ∧ … ∧ ¬Pₖ`` (JSON
  patterns) is searched by :mod:`.solver`; a satisfiable leaf is a counterexample unless
  the text patterns of the set (:mod:`.text`) provably match every event of it.
* ``relation(P, R)``: ``covers`` both ways plus satisfiability of ``P ∧ R``, each with a
  witness event.

Every event reported is built from a real record (:mod:`.records`) and re-checked with the
matchers; a failed re-check is an analyzer bug (:class:`AnalyzerInternalError` in strict
mode, an ``unknown`` answer otherwise).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import ast
from ..whynot import reason
from .concrete import holds
from .formula import (
    FALSE,
    TRUE,
    Formula,
    case_text,
    condition_lit,
    conjoin,
    disjoin,
    dnf,
    from_json,
    negate,
)
from .records import Oracle, hints, rank_bases, respellings, serialize
from .results import (
    COMPACT_JSON_SPELLING,
    AnalyzerInternalError,
    CaseResult,
    Coverage,
    Relation,
    Verdict,
)
from .solver import Budget, Leaf, as_budget, leaves
from .text import SPELLING_FREE, break_patterns, fragments, make_match, prove
from .unknown import BudgetExhausted, Undecided

__all__ = ["Pat", "covers", "is_strict", "relation", "satisfiable", "strict_mode"]

#: Strict mode of the current context (None: the environment decides).
_STRICT: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "cwpattern.analyzer.strict", default=None
)


def is_strict() -> bool:
    """Whether a failed re-check of a reported event raises :class:`AnalyzerInternalError`
    (strict mode, for tests) instead of answering ``unknown``: as :func:`strict_mode` set
    it for the current context, else as the environment variable
    ``CWPATTERN_ANALYZER_STRICT`` says when asked (``1``: strict; never read at import)."""
    chosen = _STRICT.get()
    if chosen is not None:
        return chosen
    return os.environ.get("CWPATTERN_ANALYZER_STRICT", "") not in ("", "0")


@contextlib.contextmanager
def strict_mode(enabled: bool = True) -> Iterator[None]:
    """Strict mode on (or off) for the ``with`` block, in this context only.

    >>> with strict_mode(False):
    ...     is_strict()
    False
    """
    token = _STRICT.set(enabled)
    try:
        yield
    finally:
        _STRICT.reset(token)


@dataclass(frozen=True)
class Pat:
    """One input pattern: its tree and (when given as text) its text."""

    tree: ast.Pattern
    text: str | None = None

    @property
    def is_json(self) -> bool:
        return isinstance(self.tree, ast.JsonPattern)

    @property
    def match(self) -> Callable[[str], bool]:
        return _oracle(self.tree, self.text)

    def formula(self) -> Formula:
        if isinstance(self.tree, ast.MatchAll):
            return TRUE
        assert isinstance(self.tree, ast.JsonPattern)
        return from_json(self.tree.expr)

    def label(self) -> str:
        if self.text is not None:
            return self.text.strip()
        from ..printer import unparse

        return unparse(self.tree)


@functools.lru_cache(maxsize=512)
def _oracle(tree: ast.Pattern, text: str | None) -> Oracle:
    return Oracle(tree, text)


def _reference_problem(references: tuple[Pat, ...]) -> str | None:
    for ref in references:
        if not isinstance(ref.tree, (ast.JsonPattern, ast.MatchAll)):
            return (
                f"the reference {ref.label()!r} is not a JSON pattern; required events "
                "are defined by JSON references only"
            )
    return None


def _fail(message: str) -> Undecided:
    if is_strict():
        raise AnalyzerInternalError(message)
    return Undecided(f"internal check failed ({message}); not reporting an unverified event")


# --------------------------------------------------------------------------- explanations


def _explain_miss(pats: tuple[Pat, ...], message: str) -> str:
    """Why the patterns reject a counterexample, in :mod:`cwpattern.whynot`'s words."""
    if not pats:
        return "no pattern is given"
    if len(pats) == 1:
        return reason(pats[0].tree, message)
    return "; ".join(f"[{p.label()}] {reason(p.tree, message)}" for p in pats)


# --------------------------------------------------------------------------- events


def _events(leaf: Leaf, bases: list[Any], count: int = 3) -> Iterator[Any]:
    for base in bases[:count]:
        yield leaf.event(base, hints)
    yield leaf.event(None, hints)


def _build(leaf: Leaf, bases: list[Any], accept: Callable[[str], bool], what: str) -> str:
    """A verified event of the leaf (JSON conditions only)."""
    for ev in _events(leaf, bases):
        message = serialize(ev)
        if accept(message):
            return message
    raise _fail(f"the {what} built from a solver model does not pass the matchers")


def _build_with_text(
    leaf: Leaf, bases: list[Any], accept: Callable[[str], bool], adjust: Callable[[Any], Any | None]
) -> str | None:
    """A verified event of the leaf after ``adjust`` (text patterns); ``None`` if none.

    Every real record is tried unchanged first (the most realistic answer), then the best
    few are adjusted."""
    for ev in _events(leaf, bases, len(bases)):
        message = serialize(ev)
        if accept(message):
            return message
    for ev in _events(leaf, bases):
        changed = adjust(ev)
        if changed is not None:
            message = serialize(changed)
            if accept(message):
                return message
    return None


# --------------------------------------------------------------------------- covers


@dataclass
class _Case:
    text: str
    formula: Formula
    literals: tuple[Formula, ...]
    origin: ast.Pattern | None = None  # the reference this case comes from


def _cases(references: tuple[Pat, ...]) -> list[_Case]:
    out = []
    for ref in references:
        if isinstance(ref.tree, ast.MatchAll):
            out.append(_Case("(every event)", TRUE, (), ref.tree))
            continue
        assert isinstance(ref.tree, ast.JsonPattern)
        try:
            conjunctions = dnf(ref.tree.expr)
        except Undecided:
            whole = ref.formula()
            out.append(_Case(ref.label(), whole, (whole,), ref.tree))
            continue
        for conds in conjunctions:
            lits = tuple(condition_lit(c) for c in conds)
            out.append(_Case(case_text(conds), conjoin(list(lits)), lits, ref.tree))
    return out


def _matches_any(pats: tuple[Pat, ...], message: str) -> bool:
    return any(p.match(message) for p in pats)


def _key(pats: tuple[Pat, ...]) -> tuple[ast.Pattern, ...]:
    return tuple(p.tree for p in pats)


def covers(
    patterns: tuple[Pat, ...],
    references: tuple[Pat, ...],
    budget: Budget | int,
    any_spelling: bool = False,
) -> Coverage:
    """Whether every event of the references matches one of the patterns (cached by tree:
    the answer depends only on what the patterns mean).  ``any_spelling``: for every
    RFC 8259 spelling of the events, not only CloudTrail's compact one."""
    work = as_budget(budget)
    key = ("covers", _key(patterns), _key(references), work.limit, any_spelling)
    result: Coverage = _memo(key, work, lambda: _covers(patterns, references, work, any_spelling))
    return result


_MEMO: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_MEMO_SIZE = 2048
# The automata, interned languages and this memo are built lazily and shared: one analysis
# runs at a time (analyses are short; this keeps the lazy structures consistent).
LOCK = threading.RLock()


def _memo(key: tuple[Any, ...], budget: Budget, compute: Callable[[], Any]) -> Any:
    """A small LRU of answers keyed by pattern trees.

    Only answers computed without exhausting the budget (or the time limit) are kept: those
    are pure functions of the trees, whatever budget the next caller has.  An answer cut
    short by the budget is never reused."""
    with LOCK, budget.metering():
        try:
            found = _MEMO.pop(key)
        except KeyError:
            found = compute()
            if budget.exhausted is not None:
                return found
        except TypeError:  # an unhashable tree: do not cache
            return compute()
        _MEMO[key] = found
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
        return found


def _covers(
    patterns: tuple[Pat, ...],
    references: tuple[Pat, ...],
    shared: Budget,
    any_spelling: bool = False,
) -> Coverage:
    problem = _reference_problem(references)
    if problem:
        return Coverage(Verdict.UNKNOWN, problem)
    json_pats = tuple(p for p in patterns if p.is_json)
    text_pats = tuple(p for p in patterns if not p.is_json)
    negations = [negate(p.formula()) for p in json_pats]

    def accept(message: str) -> bool:  # the reference matches, no JSON pattern does
        return _matches_any(references, message) and not _matches_any(json_pats, message)

    results = []
    for case in _cases(references):
        if shared.exhausted is not None or shared.left <= 0:
            why = shared.exhausted or "analysis budget exhausted"
            results.append(CaseResult(case.text, None, f"{why}, before this case was examined"))
            continue
        results.append(_case(case, negations, patterns, text_pats, accept, shared, any_spelling))
    missed = [r for r in results if r.covered is False]
    unsure = [r for r in results if r.covered is None]
    total = len(results)
    if missed:
        first = missed[0]
        reason = (
            f"{len(missed)} of {total} case(s) of the reference not covered; "
            f"first: {first.case} — {first.reason}"
        )
        return Coverage(Verdict.NO, reason, first.counterexample, tuple(results))
    if unsure:
        reason = (
            f"{len(unsure)} of {total} case(s) undecided; first: {unsure[0].case} — "
            f"{unsure[0].reason}"
        )
        return Coverage(Verdict.UNKNOWN, reason, None, tuple(results))
    assumed = tuple(sorted({a for r in results for a in r.assumptions}))
    return Coverage(
        Verdict.YES,
        f"all {total} case(s) of the reference are covered",
        None,
        tuple(results),
        assumed,
    )


def _case(
    case: _Case,
    negations: list[Formula],
    patterns: tuple[Pat, ...],
    text_pats: tuple[Pat, ...],
    accept: Callable[[str], bool],
    budget: Budget,
    any_spelling: bool = False,
) -> CaseResult:
    guide = rank_bases([case.formula], case.literals)
    assumed = False  # a text proof read the record as CloudTrail spells it
    best = guide[0] if guide else None
    favour = (lambda f: holds(f, best)) if best is not None else None

    def bases() -> list[Any]:  # ranked only when an event is actually needed
        return rank_bases([case.formula, *negations], case.literals)

    try:
        if next(leaves([case.formula], budget), None) is None:
            return CaseResult(
                case.text, True, "no event matches this case (its conditions contradict each other)"
            )
        if any(p.tree == case.origin for p in patterns):
            return CaseResult(case.text, True, "the reference itself is one of the patterns")
        undecided: list[str] = []
        for leaf in leaves([case.formula, *negations], budget, favour):
            if not text_pats:
                message = _build(leaf, bases(), accept, "counterexample")
                return CaseResult(case.text, False, _explain_miss(patterns, message), message)
            verdict = _text_leaf(leaf, bases(), text_pats, accept, any_spelling)
            if isinstance(verdict, _Proved):
                assumed = assumed or verdict.compact_spelling
                continue
            if isinstance(verdict, _Refuted):
                return CaseResult(
                    case.text, False, _explain_miss(patterns, verdict.message), verdict.message
                )
            if isinstance(verdict, _Open):
                undecided.append(verdict.reason)
    except Undecided as exc:
        return CaseResult(case.text, None, exc.reason)
    if undecided:
        return CaseResult(case.text, None, undecided[0])
    if assumed:
        return CaseResult(
            case.text,
            True,
            "every event of this case matches the pattern(s), spelled as CloudTrail spells it",
            assumptions=(COMPACT_JSON_SPELLING,),
        )
    return CaseResult(case.text, True, "every event of this case matches the pattern(s)")


@dataclass
class _Refuted:
    message: str


@dataclass
class _Open:
    reason: str


@dataclass
class _Proved:
    compact_spelling: bool  # the proof holds for CloudTrail's spelling of the record only


def _text_leaf(
    leaf: Leaf,
    bases: list[Any],
    text_pats: tuple[Pat, ...],
    accept: Callable[[str], bool],
    any_spelling: bool = False,
) -> _Refuted | _Open | _Proved:
    """Decide whether every event of a leaf matches one of the text patterns: proved
    (for every spelling of the record, or for CloudTrail's compact spelling only), a
    refuting event, or an open question.  With ``any_spelling`` a compact-only proof is
    not enough: an event in another RFC 8259 spelling may refute it, else it stays open."""
    for pat in text_pats:
        if prove(pat.tree, SPELLING_FREE, any_spelling=True) is not None:
            return _Proved(False)
    frags = fragments(leaf)
    compact = any(prove(pat.tree, frags) is not None for pat in text_pats)
    if compact and not any_spelling:
        return _Proved(True)

    def full(message: str) -> bool:
        return accept(message) and not _matches_any(text_pats, message)

    if compact:
        # the smallest event first: its respelling is the most readable counterexample
        for ev in (leaf.event(None, hints), *(leaf.event(b, hints) for b in bases[:3])):
            for respelled in respellings(ev):
                if full(respelled):
                    return _Refuted(respelled)
        names = ", ".join(p.label() for p in text_pats)
        return _Open(
            f"{names} match every event of this case as CloudTrail spells it, but whether "
            "every RFC 8259 spelling of the record matches could not be decided"
        )
    targets = [(p.tree, p.match) for p in text_pats]

    def adjust(ev: Any) -> Any | None:
        return break_patterns(ev, leaf, targets, accept)

    message = _build_with_text(leaf, bases, full, adjust)
    if message is not None:
        return _Refuted(message)
    names = ", ".join(p.label() for p in text_pats)
    return _Open(
        f"could neither prove that every event of this case matches {names} nor "
        "build one that does not"
    )


# --------------------------------------------------------------------------- satisfiability


def _example(
    pat: Pat, context: Formula, accept: Callable[[str], bool], budget: Budget
) -> str | None:
    """An event matching ``pat`` and ``context`` that ``accept`` approves, or ``None`` when
    there is provably none (JSON).  Raises :class:`Undecided` otherwise."""
    formulas = [context] if not pat.is_json else [pat.formula(), context]
    bases = rank_bases(formulas)
    best = bases[0] if bases else None
    favour = (lambda f: holds(f, best)) if best is not None else None
    open_reason = None
    for leaf in leaves(formulas, budget, favour):  # no leaf at all: provably no event
        if pat.is_json:
            return _build(leaf, bases, lambda m: pat.match(m) and accept(m), "example")
        message = _build_with_text(
            leaf,
            bases,
            lambda m: pat.match(m) and accept(m),
            lambda ev: make_match(ev, pat.tree, pat.match, accept),
        )
        if message is not None:
            return message
        open_reason = (
            f"could not build an event that the text pattern {pat.label()!r} "
            "matches in this situation"
        )
    if open_reason is not None:
        raise Undecided(open_reason)
    return None


def satisfiable(
    patterns: tuple[Pat, ...], budget: Budget | int
) -> tuple[bool | None, str | None, str]:
    """``(answer, example event, reason)`` for "does some event match a pattern"."""
    work = as_budget(budget)
    with LOCK, work.metering():
        return _satisfiable(patterns, work)


def _satisfiable(patterns: tuple[Pat, ...], shared: Budget) -> tuple[bool | None, str | None, str]:
    reasons = []
    for pat in patterns:
        if isinstance(pat.tree, ast.MatchAll):
            return True, None, "the empty pattern matches every event"
        try:
            found = _example(pat, TRUE, lambda m: True, shared)
        except Undecided as exc:
            reasons.append(exc.reason)
            continue
        if found is not None:
            return True, found, "an event matches"
    if reasons:
        return None, None, reasons[0]
    return False, None, "the pattern's conditions contradict each other: no event matches"


def _any_example(
    patterns: tuple[Pat, ...], context: Formula, accept: Callable[[str], bool], budget: Budget
) -> tuple[bool | None, str | None, str]:
    reasons = []
    for pat in patterns:
        try:
            found = _example(pat, context, accept, budget)
        except BudgetExhausted as exc:
            return None, None, exc.reason
        except Undecided as exc:
            reasons.append(exc.reason)
            continue
        if found is not None:
            return True, found, ""
    if reasons:
        return None, None, reasons[0]
    return False, None, ""


# --------------------------------------------------------------------------- relation


def relation(
    patterns: tuple[Pat, ...],
    references: tuple[Pat, ...],
    budget: Budget | int,
    any_spelling: bool = False,
) -> Relation:
    """The relation of the patterns' events to the references' (cached by tree)."""
    work = as_budget(budget)
    key = ("relation", _key(patterns), _key(references), work.limit, any_spelling)
    result: Relation = _memo(key, work, lambda: _relation(patterns, references, work, any_spelling))
    return result


def _relation(
    patterns: tuple[Pat, ...],
    references: tuple[Pat, ...],
    shared: Budget,
    any_spelling: bool = False,
) -> Relation:
    problem = _reference_problem(references)
    if problem:
        return Relation("unknown", problem)
    budget = shared  # one allowance for every question this answer needs
    sat, _, why = satisfiable(patterns, budget)
    if sat is False:
        cover = covers(patterns, references, budget, any_spelling)
        return Relation(
            "never", "the pattern matches no event at all: " + why, None, cover.counterexample
        )
    if sat is True and set(_key(patterns)) == set(_key(references)):
        return Relation(
            "equivalent",
            "the pattern and the reference are the same conditions "
            "(they differ at most in spacing, quoting or redundant parentheses)",
        )
    ref_formula = disjoin([r.formula() for r in references]) if references else FALSE
    not_ref = negate(ref_formula)

    def outside(message: str) -> bool:
        return not _matches_any(references, message)

    def inside(message: str) -> bool:
        return _matches_any(references, message)

    cover = covers(patterns, references, budget, any_spelling)
    extra, example, extra_why = _any_example(patterns, not_ref, outside, shared)
    if sat is None and extra is not True:
        return Relation("unknown", f"cannot tell whether the pattern matches anything: {why}")
    forward = cover.verdict
    if forward == "yes" and extra is False:
        return Relation(
            "equivalent",
            "the pattern matches exactly the reference's events",
            assumptions=cover.assumptions,
        )
    if forward == "yes" and extra is True:
        return Relation(
            "broader",
            "the pattern matches every reference event, and more",
            example,
            assumptions=cover.assumptions,
        )
    if forward == "no" and extra is False:
        return Relation(
            "narrower",
            "the pattern misses reference events and matches nothing else: " + cover.reason,
            None,
            cover.counterexample,
        )
    if forward == "no" and extra is True:
        common, _, common_why = _any_example(patterns, ref_formula, inside, shared)
        if common is True:
            return Relation(
                "overlap",
                "the pattern and the reference share some events; "
                "each also matches events the other does not: " + cover.reason,
                example,
                cover.counterexample,
            )
        if common is False:
            return Relation(
                "disjoint",
                "the pattern matches none of the reference's events",
                example,
                cover.counterexample,
            )
        return Relation(
            "unknown",
            "whether the pattern shares events with the reference is undecided: " + common_why,
            example,
            cover.counterexample,
        )
    parts = []
    if forward == "unknown":
        parts.append("coverage undecided: " + cover.reason)
    if extra is None:
        parts.append("whether it matches events outside the reference is undecided: " + extra_why)
    return Relation("unknown", "; ".join(parts), example if extra else None, cover.counterexample)
