"""JSON patterns as formulas over path literals: negation normal form and DNF.

A condition becomes a :class:`Lit`: a domain (:mod:`.domain`) that the node at a path
must lie in.  A wildcard selector ``$.a[*].b`` splits into the *parent* ``$.a`` and the
*rest* ``.b``: the positive condition is existential ("some child ``c`` of ``$.a`` has
``c.b`` in the domain"), ``NOT EXISTS`` over a wildcard is universal ("every child has
``c.b`` absent").  Negation swaps the quantifier and complements the domain, so a negated
pattern is again a formula of literals (negation normal form) — the shape the solver
decides.

>>> from cwpattern import ast
>>> eq = lambda name, v: ast.Comparison(ast.Selector((ast.Member(name),)), ast.Op.EQ,
...                                      ast.StringValue(v))
>>> p = ast.And((eq("eventSource", "kms.amazonaws.com"),
...              ast.Or((eq("eventName", "DisableKey"), eq("eventName", "ScheduleKeyDeletion")))))
>>> [case_text(c) for c in dnf(p)]
['$.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey"', \
'$.eventSource = "kms.amazonaws.com" && $.eventName = "ScheduleKeyDeletion"']
>>> negate(from_json(p)).kind
'any'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .. import ast
from .domain import ABSENT, Domain, condition_domain, predicate_domain
from .unknown import Undecided, cached_hash

__all__ = [
    "FALSE",
    "TRUE",
    "Formula",
    "Fresh",
    "Junction",
    "Lit",
    "Path",
    "Step",
    "case_text",
    "conjoin",
    "disjoin",
    "dnf",
    "from_json",
    "negate",
    "path_text",
]

DNF_LIMIT = 256


@dataclass(frozen=True)
class Fresh:
    """A child the formula does not name (a new object key or array position), made up
    by the solver to witness an existential condition."""

    number: int

    def __repr__(self) -> str:
        return f"Fresh({self.number})"


Step = ast.Member | ast.Index | Fresh
Path = tuple[Step, ...]


def path_text(path: Path) -> str:
    out = "$"
    for step in path:
        if isinstance(step, ast.Member):
            name = step.name
            out += (
                f".{name}"
                if name.replace("_", "a").replace("-", "a").isalnum() and name.isascii()
                else f".['{name}']"
            )
        elif isinstance(step, ast.Index):
            out += f"[{step.index}]"
        else:
            out += f".<new{step.number}>"
    return out


@cached_hash
@dataclass(frozen=True)
class Lit:
    """One condition (or its negation) on the nodes of a selector.

    ``quant`` is ``"one"`` (no wildcard: the single node at ``base``), ``"some"`` (some
    child ``c`` of ``base`` has ``c + rest`` in ``domain``) or ``"all"`` (every child).
    """

    base: Path
    rest: Path
    quant: str
    domain: Domain
    source: ast.Comparison | ast.Predicate | None = field(default=None, compare=False)
    negated: bool = field(default=False, compare=False)

    kind = "lit"

    def negate(self) -> Lit:
        quant = {"one": "one", "some": "all", "all": "some"}[self.quant]
        return Lit(
            self.base, self.rest, quant, self.domain.complement(), self.source, not self.negated
        )

    def text(self) -> str:
        inner = condition_text(self.source) if self.source is not None else repr(self)
        return f"NOT ({inner})" if self.negated else inner


@cached_hash
@dataclass(frozen=True)
class Junction:
    """``kind == "all"``: every operand holds; ``"any"``: some operand holds."""

    kind: str
    operands: tuple[Formula, ...]


Formula = Lit | Junction
TRUE = Junction("all", ())
FALSE = Junction("any", ())


def conjoin(parts: list[Formula]) -> Formula:
    flat: list[Formula] = []
    for p in parts:
        if isinstance(p, Junction) and p.kind == "all":
            flat.extend(p.operands)
        else:
            flat.append(p)
    return flat[0] if len(flat) == 1 else Junction("all", tuple(flat))


def disjoin(parts: list[Formula]) -> Formula:
    flat: list[Formula] = []
    for p in parts:
        if isinstance(p, Junction) and p.kind == "any":
            flat.extend(p.operands)
        else:
            flat.append(p)
    return flat[0] if len(flat) == 1 else Junction("any", tuple(flat))


def _split(selector: ast.Selector) -> tuple[Path, Path, bool]:
    steps = selector.steps
    for i, step in enumerate(steps):
        if isinstance(step, ast.Wildcard):
            rest = steps[i + 1 :]
            if any(isinstance(s, ast.Wildcard) for s in rest):
                raise Undecided("a selector with more than one wildcard (AWS rejects it)")
            return tuple(steps[:i]), tuple(rest), True  # type: ignore[arg-type]
    return tuple(steps), (), False  # type: ignore[arg-type]


def condition_lit(cond: ast.Comparison | ast.Predicate) -> Lit:
    """The literal of one JSON condition."""
    base, rest, wild = _split(cond.selector)
    if isinstance(cond, ast.Comparison):
        domain = condition_domain(cond.op, cond.value)
    else:
        domain = predicate_domain(cond.kind)
    if not wild:
        return Lit(base, (), "one", domain, cond)
    if isinstance(cond, ast.Predicate) and cond.kind is ast.PredicateKind.NOT_EXISTS:
        return Lit(base, rest, "all", domain, cond)
    return Lit(base, rest, "some", domain, cond)


@functools.lru_cache(maxsize=2048)
def from_json(expr: ast.JsonExpr) -> Formula:
    """The formula of a JSON pattern expression (``&&``/``||`` become all/any)."""
    if isinstance(expr, ast.And):
        return conjoin([from_json(o) for o in expr.operands])
    if isinstance(expr, ast.Or):
        return disjoin([from_json(o) for o in expr.operands])
    return condition_lit(expr)


def negate(formula: Formula) -> Formula:
    """Negation normal form of ``not formula``."""
    if isinstance(formula, Lit):
        return formula.negate()
    kind = "any" if formula.kind == "all" else "all"
    return Junction(kind, tuple(negate(o) for o in formula.operands))


Condition = ast.Comparison | ast.Predicate


def dnf(expr: ast.JsonExpr, limit: int = DNF_LIMIT) -> list[tuple[Condition, ...]]:
    """Disjunctive normal form (:func:`cwpattern.ast.dnf`): a list of conjunctions of
    conditions.  Raises :class:`Undecided` past ``limit`` conjunctions."""
    cases = ast.dnf(expr, limit)
    if cases is None:
        raise Undecided(f"the reference has more than {limit} cases in normal form")
    return cases


def condition_text(cond: Condition) -> str:
    from ..printer import json_expr_text

    return json_expr_text(cond)


def case_text(conds: tuple[Condition, ...]) -> str:
    """Canonical text of one conjunction, e.g. ``$.a = "x" && $.b = 1``."""
    return " && ".join(condition_text(c) for c in conds)


def is_universal(lit: Lit) -> bool:
    return lit.quant == "all" and ABSENT in lit.domain.kinds
