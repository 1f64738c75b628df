"""Exact satisfiability of literal formulas over JSON objects, with models.

The question the analyzer asks is always "is there a JSON object satisfying these
formulas?" (for ``covers(P, R)``: ``R ∧ ¬P``).  The search is DPLL-like:

1. **Boolean search.**  Conjunctions are flattened; literals narrow the domain of their
   path (:class:`State`); disjunctions are simplified against the current domains (an
   operand that contradicts them is dropped, a sole survivor is asserted) and the
   smallest one is branched on.  Asserting that a node exists forces its ancestors to be
   objects (``.name``) or arrays (``[n]``).
2. **Quantifiers.**  An existential literal (a wildcard condition) is witnessed by a child
   the formulas name, or by a fresh child (a new key or array position; two existentials
   may share one).  Universal literals (negated wildcard conditions, ``NOT EXISTS`` over
   a wildcard) then constrain every child, named or fresh, and every *filler* element an
   array needs to reach its length.
3. **Structure.**  A bottom-up pass over the tree of constrained paths computes, for each
   node, the kinds it can take with a consistent subtree: an object's members are
   independent, an array needs a length that keeps its named indexes present or absent as
   required (``IS NULL`` on an array needs a ``null`` element, ``[*]`` conditions may use
   extra elements).  The problem is satisfiable iff the root can be an object.

Every step is exact; value languages are decided by :mod:`cwpattern.analysis.automata`.  What is
not decided exactly raises :class:`Undecided` (budget exhausted, or a numeric range meeting
a text condition that the bounded search cannot settle).  A satisfiable leaf yields a
:class:`Leaf`, which can build a concrete event (preferring a given real record's values)
and list the text fragments every such event's serialisation contains.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import ast
from .automata import METER
from .concrete import holds_at
from .domain import (
    ABSENT,
    ABSENT_VALUE,
    ANY,
    ARRAY,
    ARRAY_NULL,
    CONTAINERS,
    FALSE,
    NULL,
    NUMBER,
    OBJECT,
    STRING,
    TRUE,
    Domain,
    kind_of,
    sample_value,
)
from .formula import Formula, Fresh, Junction, Lit, Path, Step
from .unknown import BudgetExhausted, Undecided

__all__ = ["DEFAULT_BUDGET", "Budget", "Leaf", "State", "as_budget", "leaves", "satisfiable"]


def _charge(units: int) -> None:
    meter = METER.get()
    if units and meter is not None:
        meter(units)


#: Work units one analysis may spend per 1,024 characters of input (see :class:`Budget`).
DEFAULT_BUDGET = 60000
_OBJECT = Domain(frozenset({OBJECT}), None, None)
_ARRAY = Domain(frozenset({ARRAY, ARRAY_NULL}), None, None)
_CONTAINER = Domain(CONTAINERS, None, None)
_SCALARS = (STRING, NUMBER, TRUE, FALSE, NULL)
_PREFERENCE = (STRING, NUMBER, OBJECT, ARRAY, TRUE, FALSE, NULL, ARRAY_NULL, ABSENT)


class Budget:
    """The work allowance of one analysis, shared by all its searches.

    A unit is a small, bounded piece of work: applying one literal to a search state,
    examining one operand of a disjunction, trying one witness, closing one universal
    literal over one child, building one automaton state or visiting one product state
    (:data:`cwpattern.analysis.automata.METER`).  So the time an analysis takes is proportional to
    the units it spends, whatever the shape of the patterns.  ``timeout`` (seconds) adds a
    wall-clock limit.  Exhausting either raises :class:`BudgetExhausted`, which every
    caller turns into ``unknown`` with this reason — never into a verdict.

    >>> b = Budget(3)
    >>> b.spend(2); b.left
    1
    >>> b.spend(2)
    Traceback (most recent call last):
    ...
    cwpattern.analysis.unknown.BudgetExhausted: analysis budget of 3 work units exhausted (pass a larger budget= to try harder)
    """

    _CLOCK_EVERY = 256  # units between two looks at the clock

    def __init__(self, limit: int = DEFAULT_BUDGET, *, timeout: float | None = None) -> None:
        self.limit = limit
        self.left = limit
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.exhausted: str | None = None  # the reason, once exhausted
        self._until_clock = self._CLOCK_EVERY

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            self._exhaust(
                f"analysis budget of {self.limit} work units exhausted "
                "(pass a larger budget= to try harder)"
            )
        if self.deadline is not None:
            self._until_clock -= n
            if self._until_clock <= 0:
                self._until_clock = self._CLOCK_EVERY
                if time.monotonic() > self.deadline:
                    self._exhaust(f"time limit of {self.timeout:g} s reached (timeout=)")

    def _exhaust(self, reason: str) -> None:
        self.left = min(self.left, -1)  # every later spend fails too
        if self.exhausted is None:
            self.exhausted = reason
        raise BudgetExhausted(self.exhausted)

    @contextlib.contextmanager
    def metering(self) -> Iterator[None]:
        """Charge the automata's work (states built, product states visited) to this
        budget while the block runs."""
        token = METER.set(self.spend)
        try:
            yield
        finally:
            METER.reset(token)


def as_budget(budget: Budget | int) -> Budget:
    """``budget`` itself, or a fresh :class:`Budget` of that many units."""
    return budget if isinstance(budget, Budget) else Budget(budget)


def _step_for(step: Step) -> Domain:
    if isinstance(step, ast.Member):
        return _OBJECT
    if isinstance(step, ast.Index):
        return _ARRAY
    return _CONTAINER


@dataclass(frozen=True)
class State:
    """A conjunction of literals: domains per wildcard-free path, plus the quantified
    literals.  Immutable; :meth:`constrain` and :meth:`add` return new states, or
    ``None`` on a contradiction."""

    one: dict[Path, Domain]
    some: tuple[Lit, ...] = ()
    every: tuple[Lit, ...] = ()
    fresh: int = 0

    @classmethod
    def initial(cls) -> State:
        return cls({(): _OBJECT})

    def constrain(self, path: Path, domain: Domain) -> State | None:
        old = self.one.get(path, ANY)
        new = old.intersect(domain)
        if new == old:
            return self
        kinds = new.feasible_kinds()
        if not kinds:
            return None
        _charge(len(self.one) >> 4)  # the copy below: large states cost more
        one = dict(self.one)
        one[path] = new
        state: State | None = State(one, self.some, self.every, self.fresh)
        if ABSENT not in kinds and path:
            state = state.constrain(path[:-1], _step_for(path[-1]))  # type: ignore[union-attr]
        return state

    def add(self, lit: Lit) -> State | None:
        if lit.quant == "one":
            return self.constrain(lit.base, lit.domain)
        if lit.quant == "some":
            if lit in self.some:
                return self
            state = self.constrain(lit.base, _CONTAINER)
            if state is None:
                return None
            return State(state.one, state.some + (lit,), state.every, state.fresh)
        if lit in self.every:
            return self
        return State(self.one, self.some, self.every + (lit,), self.fresh)

    def paths(self) -> set[Path]:
        out = set(self.one)
        for lit in self.some + self.every:
            out.add(lit.base)
        return out

    def children(self, base: Path) -> list[Step]:
        n = len(base)
        steps = {p[n] for p in self.paths() if len(p) > n and p[:n] == base}
        return sorted(steps, key=_step_key)


def _step_key(step: Step) -> tuple[int, str, int]:
    if isinstance(step, ast.Member):
        return (0, step.name, 0)
    if isinstance(step, ast.Index):
        return (1, "", step.index)
    return (2, "", step.number)


# --------------------------------------------------------------------------- search


Favour = Callable[[Formula], bool]


def leaves(
    formulas: list[Formula], budget: Budget | None = None, favour: Favour | None = None
) -> Iterator[Leaf]:
    """Every satisfiable leaf of the search (lazily).  After the last leaf, raises
    :class:`Undecided` if some branch could not be decided."""
    budget = budget or Budget()
    undecided: list[str] = []
    try:
        yield from _dpll(State.initial(), list(formulas), budget, undecided, favour)
    except BudgetExhausted:
        raise
    except Undecided as exc:
        undecided.append(exc.reason)
    if undecided:
        raise Undecided(undecided[0])


def satisfiable(formulas: list[Formula], budget: Budget | None = None) -> Leaf | None:
    """A satisfiable leaf, or ``None`` when the formulas are unsatisfiable (exact)."""
    for leaf in leaves(formulas, budget):
        return leaf
    return None


def _dpll(
    state: State,
    pending: list[Formula],
    budget: Budget,
    undecided: list[str],
    favour: Favour | None,
) -> Iterator[Leaf]:
    budget.spend()
    stack = list(pending)
    ors: list[Junction] = []
    while True:
        while stack:
            f = stack.pop()
            if isinstance(f, Lit):
                budget.spend()
                new = state.add(f)
                if new is None:
                    return
                state = new
            elif f.kind == "all":
                stack.extend(f.operands)
            elif not f.operands:
                return
            else:
                ors.append(f)
        progress = False
        kept: list[Junction] = []
        for o in ors:
            viable: list[Formula] = []
            entailed = False
            budget.spend(len(o.operands))
            for op in o.operands:
                if isinstance(op, Lit):
                    try:
                        new = state.add(op)
                    except BudgetExhausted:
                        raise
                    except Undecided:
                        viable.append(op)
                        continue
                    if new is None:
                        continue
                    if new is state:
                        entailed = True
                        break
                viable.append(op)
            if entailed:
                continue
            if not viable:
                return
            if len(viable) == 1:
                stack.append(viable[0])
                progress = True
            else:
                kept.append(Junction("any", tuple(viable)))
        ors = kept
        if not progress:
            break
    if not ors:
        yield from _witness(state, budget, undecided)
        return
    choice = min(ors, key=lambda o: len(o.operands))
    rest: list[Formula] = [o for o in ors if o is not choice]
    operands = list(choice.operands)
    if favour is not None:
        operands.sort(key=lambda op: not favour(op))
    for op in operands:
        try:
            yield from _dpll(state, [*rest, op], budget, undecided, favour)
        except BudgetExhausted:
            raise
        except Undecided as exc:
            undecided.append(exc.reason)


def _witness(state: State, budget: Budget, undecided: list[str]) -> Iterator[Leaf]:
    """Choose a child for every existential literal, then close and check structure."""
    if not state.some:
        try:
            leaf = _close(state, budget)
        except BudgetExhausted:
            raise
        except Undecided as exc:
            undecided.append(exc.reason)
            return
        if leaf is not None:
            yield leaf
        return
    lit, others = state.some[0], state.some[1:]
    base = State(state.one, others, state.every, state.fresh)
    candidates: list[tuple[Step, int]] = [(c, base.fresh) for c in base.children(lit.base)]
    candidates.append((Fresh(base.fresh + 1), base.fresh + 1))
    for child, fresh in candidates:
        budget.spend()
        try:
            moved = State(base.one, base.some, base.every, fresh).constrain(
                lit.base + (child,) + lit.rest, lit.domain
            )
        except BudgetExhausted:
            raise
        except Undecided as exc:
            undecided.append(exc.reason)
            continue
        if moved is not None:
            yield from _witness(moved, budget, undecided)


def _close(state: State, budget: Budget) -> Leaf | None:
    """Apply the universal literals to every child of their parent (to a fixpoint) and
    check the structure."""
    applied: set[tuple[int, Step]] = set()
    changed = True
    current: State | None = state
    while changed:
        changed = False
        assert current is not None
        for i, lit in enumerate(current.every):
            budget.spend()
            for child in current.children(lit.base):
                if (i, child) in applied:
                    continue
                budget.spend()
                applied.add((i, child))
                changed = True
                current = current.constrain(lit.base + (child,) + lit.rest, lit.domain)
                if current is None:
                    return None
    assert current is not None
    budget.spend(len(current.one) + len(current.every))
    root = _tree(current.one, current.every)
    if OBJECT not in root.feasible:
        return None
    if OBJECT not in root.sure:
        raise Undecided(next(root.doubts(), "a value condition could not be decided"))
    return Leaf(current, root)


# --------------------------------------------------------------------------- structure


@dataclass(eq=False)
class Node:
    """One node of the constrained tree."""

    path: Path
    domain: Domain = ANY
    members: dict[str, Node] = field(default_factory=dict)
    indexes: dict[int, Node] = field(default_factory=dict)
    fresh: dict[int, Node] = field(default_factory=dict)
    universals: list[tuple[Path, Domain]] = field(default_factory=list)
    _feasible: frozenset[str] | None = None
    _sure: frozenset[str] | None = None
    _filler: Node | None = None
    _filler_built: bool = False

    def child(self, step: Step) -> Node:
        if isinstance(step, ast.Member):
            table: dict[Any, Node] = self.members
            key: Any = step.name
        elif isinstance(step, ast.Index):
            table, key = self.indexes, step.index
        else:
            table, key = self.fresh, step.number
        node = table.get(key)
        if node is None:
            node = table[key] = Node(self.path + (step,))
        return node

    @property
    def filler(self) -> Node | None:
        """The subtree every unnamed array element must satisfy (``None``: anything)."""
        if not self._filler_built:
            self._filler_built = True
            if self.universals:
                merged: dict[Path, Domain] = {}
                for rest, dom in self.universals:
                    merged[rest] = merged[rest].intersect(dom) if rest in merged else dom
                self._filler = _tree(merged, [])
        return self._filler

    def filler_kinds(self, sure: bool) -> frozenset[str]:
        filler = self.filler
        if filler is None:
            return ALL_PRESENT
        return filler.kinds(sure) - {ABSENT}

    @property
    def feasible(self) -> frozenset[str]:
        """Kinds this node may take with a consistent subtree (over-approximation: used to
        prune and to derive what every event must contain)."""
        if self._feasible is None:
            self._feasible = _feasible(self, False)
        return self._feasible

    @property
    def sure(self) -> frozenset[str]:
        """Kinds this node certainly can take (under-approximation: used to build events)."""
        if self._sure is None:
            self._sure = _feasible(self, True)
        return self._sure

    def kinds(self, sure: bool) -> frozenset[str]:
        return self.sure if sure else self.feasible

    def doubts(self) -> Iterator[str]:
        """Reasons for kinds that may exist but could not be confirmed, in this subtree."""
        reason = self.domain.doubt()
        if reason is not None:
            yield reason
        for child in (*self.members.values(), *self.indexes.values(), *self.fresh.values()):
            yield from child.doubts()
        if self.filler is not None:
            yield from self.filler.doubts()


ALL_PRESENT = frozenset({NULL, TRUE, FALSE, OBJECT, ARRAY, ARRAY_NULL, STRING, NUMBER})


def _tree(
    one: dict[Path, Domain], every: tuple[Lit, ...] | list[Lit], root_domain: Domain | None = None
) -> Node:
    root = Node(())
    if root_domain is not None:
        root.domain = root_domain
    for path, domain in one.items():
        node = root
        for step in path:
            node = node.child(step)
        node.domain = node.domain.intersect(domain) if node.domain is not ANY else domain
    for lit in every:
        node = root
        for step in lit.base:
            node = node.child(step)
        node.universals.append((lit.rest, lit.domain))
    return root


@dataclass(frozen=True)
class ArrayPlan:
    """How an array satisfies its constraints: its length, which named indexes are
    present, how many fillers, and which element (if any) is the required ``null``."""

    length: int
    present: tuple[int, ...]
    fillers: int
    null_from: str | None  # "index:<i>", "fresh:<n>", "filler" or None


def _feasible(node: Node, sure: bool) -> frozenset[str]:
    local = node.domain.sure_kinds() if sure else node.domain.feasible_kinds()
    members = [c.kinds(sure) for c in node.members.values()]
    indexes = [c.kinds(sure) for c in node.indexes.values()]
    fresh = [c.kinds(sure) for c in node.fresh.values()]
    if any(not k for k in members + indexes + fresh):
        return frozenset()
    all_absent = (
        not fresh and all(ABSENT in k for k in members) and all(ABSENT in k for k in indexes)
    )
    out = set()
    for kind in local:
        if kind in (ABSENT, NULL, TRUE, FALSE, STRING, NUMBER):
            if all_absent:
                out.add(kind)
        elif kind == OBJECT:
            if all(ABSENT in k for k in indexes) and all(k - {ABSENT} for k in fresh):
                out.add(kind)
        elif all(ABSENT in k for k in members) and array_plan(node, kind, sure) is not None:
            out.add(kind)
    return frozenset(out)


def array_plan(node: Node, kind: str, sure: bool = True) -> ArrayPlan | None:
    """A layout for ``node`` as an array of ``kind`` (``ARRAY`` or ``ARRAY_NULL``)."""
    banned = {ABSENT, NULL} if kind == ARRAY else {ABSENT}
    named = sorted(node.indexes.items())
    fresh = sorted(node.fresh.items())
    if any(not (c.kinds(sure) - banned) for _, c in fresh):
        return None
    filler_kinds: frozenset[str] | None = None
    for k in range(len(named) + 1):
        present, absent = named[:k], named[k:]
        if any(not (c.kinds(sure) - banned) for _, c in present):
            continue
        if any(ABSENT not in c.kinds(sure) for _, c in absent):
            continue
        low = present[-1][0] + 1 if present else 0
        high = absent[0][0] if absent else None
        least = max(0, low - k - len(fresh))
        for fillers in (least, least + 1):
            length = k + len(fresh) + fillers
            if high is not None and length > high:
                continue
            if fillers:
                if filler_kinds is None:
                    filler_kinds = node.filler_kinds(sure)
                if not (filler_kinds - banned):
                    continue
            null_from = None
            if kind == ARRAY_NULL:
                null_from = next((f"index:{i}" for i, c in present if NULL in c.kinds(sure)), None)
                null_from = null_from or next(
                    (f"fresh:{n}" for n, c in fresh if NULL in c.kinds(sure)), None
                )
                if null_from is None and fillers:
                    assert filler_kinds is not None
                    if NULL in filler_kinds:
                        null_from = "filler"
                if null_from is None:
                    continue
            return ArrayPlan(length, tuple(i for i, _ in present), fillers, null_from)
    return None


# --------------------------------------------------------------------------- leaves


Hints = Callable[[Path], tuple[Any, ...]]


def _no_hints(path: Path) -> tuple[Any, ...]:
    return ()


@dataclass
class Leaf:
    """A satisfiable conjunction: its state and the structurally checked tree."""

    state: State
    root: Node

    def nodes(self) -> Iterator[Node]:
        todo = [self.root]
        while todo:
            node = todo.pop()
            yield node
            todo.extend(node.members.values())
            todo.extend(node.indexes.values())
            todo.extend(node.fresh.values())

    def event(self, base: dict[str, Any] | None = None, hints: Hints = _no_hints) -> Any:
        """A concrete JSON object (decoded form) in this leaf, keeping as much of ``base``
        as the constraints allow."""
        return _Builder(hints).value(self.root, OBJECT, base if base is not None else {})


class _Builder:
    def __init__(self, hints: Hints) -> None:
        self.hints = hints

    def choose(self, node: Node, allowed: frozenset[str], base: Any) -> str:
        kinds = node.sure & allowed
        assert kinds, f"no kind for {node.path}"
        base_kind = kind_of(base)
        if base_kind in kinds:
            return base_kind
        if ABSENT in kinds:
            return ABSENT
        return next(k for k in _PREFERENCE if k in kinds)

    def value(self, node: Node, kind: str, base: Any) -> Any:
        if kind == ABSENT:
            return ABSENT_VALUE
        if kind in _SCALARS:
            prefer = (
                (base, *self.hints(node.path))
                if base is not ABSENT_VALUE
                else self.hints(node.path)
            )
            return sample_value(node.domain, kind, prefer)
        if kind == OBJECT:
            return self.object(node, base)
        return self.array(node, kind, base)

    def _keeps(self, node: Node, value: Any) -> bool:
        return all(holds_at(value, rest, dom) for rest, dom in node.universals)

    def object(self, node: Node, base: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if type(base) is dict:
            for key, val in base.items():
                if key in node.members or self._keeps(node, val):
                    out[key] = val
        for name, child in node.members.items():
            kind = self.choose(child, child.sure, out.get(name, ABSENT_VALUE))
            val = self.value(child, kind, out.get(name, ABSENT_VALUE))
            if val is ABSENT_VALUE:
                out.pop(name, None)
            else:
                out[name] = val
        for number, child in sorted(node.fresh.items()):
            kind = self.choose(child, child.sure - {ABSENT}, ABSENT_VALUE)
            key = _fresh_key(out, node.members, number)
            out[key] = self.value(child, kind, ABSENT_VALUE)
        return out

    def array(self, node: Node, kind: str, base: Any) -> list[Any]:
        if (
            type(base) is list
            and not node.indexes
            and not node.fresh
            and not node.universals
            and kind_of(base) == kind
        ):
            return base
        plan = array_plan(node, kind)
        assert plan is not None
        banned = {ABSENT, NULL} if kind == ARRAY else {ABSENT}
        items: list[Any] = [ABSENT_VALUE] * plan.length
        base_list = base if type(base) is list else []
        for i in plan.present:
            child = node.indexes[i]
            prior = base_list[i] if i < len(base_list) else ABSENT_VALUE
            allowed = {NULL} if plan.null_from == f"index:{i}" else child.sure - banned
            items[i] = self.value(child, self.choose(child, frozenset(allowed), prior), prior)
        free = [i for i in range(plan.length) if i not in node.indexes]
        for slot, (number, child) in zip(free, sorted(node.fresh.items())):
            allowed = {NULL} if plan.null_from == f"fresh:{number}" else child.sure - banned
            items[slot] = self.value(
                child, self.choose(child, frozenset(allowed), ABSENT_VALUE), ABSENT_VALUE
            )
        fill_slots = free[len(node.fresh) :]
        for j, slot in enumerate(fill_slots):
            if plan.null_from == "filler" and j == 0:
                items[slot] = None
                continue
            filler = node.filler
            if filler is None:
                items[slot] = "x"  # any value will do; keep it readable
                continue
            allowed = filler.sure - banned
            fk = self.choose(filler, frozenset(allowed), ABSENT_VALUE)
            items[slot] = self.value(filler, fk, ABSENT_VALUE)
        return items


def _fresh_key(out: dict[str, Any], named: dict[str, Node], number: int) -> str:
    key = "extraField" if number == 1 else f"extraField{number}"
    while key in out or key in named:
        key += "_"
    return key
