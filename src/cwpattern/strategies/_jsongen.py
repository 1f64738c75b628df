"""JSON objects that satisfy (or falsify) a set of JSON-pattern conditions, by construction.

A JSON pattern is an and/or tree of conditions.  To *match* it, an event needs every
condition of one disjunct (:func:`sat_walk` picks one operand of each ``||``); to *miss*
it, one condition of every disjunct must fail (:func:`fal_walk` picks one operand of each
``&&`` to falsify, and keeps the other operands true when it can: a near miss).  Either
way the result is a list of literals — a condition and whether it must hold — and
:func:`build_doc` turns literals into an object:

* literals are filed in a trie by selector path; a wildcard condition that must hold for
  *some* element gets a fresh element of its own, one that must hold for *no* element
  becomes a rule every element of that container obeys;
* a container is an object or an array according to the steps below it; each leaf value
  comes from :func:`~._values.solve_json` (realistic hints first);
* a base record (a realistic CloudTrail record) fills every part of the object that no
  condition can see: never a constrained path, never a container a wildcard reads.

The result is checked literal by literal before it is returned; callers re-check the
serialised event with the real matcher.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .. import ast
from ..jsondoc import JsonNumber
from ..selectors import select
from ._choices import Choices
from ._cloudtrail import ABSENT, FIELD_VALUES
from ._values import NOTHING, Lit, json_holds, solve_json

__all__ = ["atoms", "base_pins", "build_doc", "fal_walk", "lit_holds", "sat_walk"]

Atom = Any  # ast.Comparison | ast.Predicate
_MISSING: Any = object()
_GONE: Any = object()  # a node the built object leaves out
_FRESH = ("a", "b", "c", "x", "y", "z")
_IS_NULL = ast.PredicateKind.IS_NULL
_NOT_EXISTS = ast.PredicateKind.NOT_EXISTS


class _Fail(Exception):
    """These literals cannot be built with these choices."""


# --------------------------------------------------------------------------- selection


def atoms(expr: ast.JsonExpr) -> Iterator[Atom]:
    """Every condition of an expression, in source order."""
    if isinstance(expr, (ast.And, ast.Or)):
        for operand in expr.operands:
            yield from atoms(operand)
    else:
        yield expr


def sat_walk(expr: ast.JsonExpr, ch: Choices) -> list[Lit]:
    """Literals that make the expression true: every ``&&`` operand, one ``||`` operand."""
    if isinstance(expr, ast.And):
        return [lit for operand in expr.operands for lit in sat_walk(operand, ch)]
    if isinstance(expr, ast.Or):
        return sat_walk(ch.pick(expr.operands), ch)
    return [(expr, True)]


def fal_walk(expr: ast.JsonExpr, ch: Choices) -> tuple[list[Lit], list[Lit]]:
    """``(hard, soft)``: literals that make the expression false (one falsified operand of
    each ``&&``, every operand of each ``||``), and literals that keep the other ``&&``
    operands true, for a near miss (optional)."""
    if isinstance(expr, ast.And):
        k = ch.below(len(expr.operands))
        hard, soft = fal_walk(expr.operands[k], ch)
        for i, operand in enumerate(expr.operands):
            if i != k:
                soft += sat_walk(operand, ch)
        return hard, soft
    if isinstance(expr, ast.Or):
        hard, soft = [], []
        for operand in expr.operands:
            h, s = fal_walk(operand, ch)
            hard += h
            soft += s
        return hard, soft
    return [(expr, False)], []


# --------------------------------------------------------------------------- checking


def lit_holds(doc: Any, atom: Atom, positive: bool) -> bool:
    """Whether a literal holds on a decoded object (spec §4.4–4.6)."""
    nodes = select(atom.selector, doc)
    if isinstance(atom, ast.Predicate) and atom.kind is _NOT_EXISTS:
        value = not nodes
    else:
        value = any(json_holds(atom, node) for node in nodes)
    return value == positive


# --------------------------------------------------------------------------- the trie


class _Node:
    __slots__ = (
        "absent",
        "fresh",
        "hint",
        "indexes",
        "lits",
        "members",
        "present",
        "sealed",
        "universal",
    )

    def __init__(self) -> None:
        self.members: dict[str, _Node] = {}
        self.indexes: dict[int, _Node] = {}
        self.fresh: list[_Node] = []
        self.lits: list[Lit] = []
        self.present = False
        self.absent = False
        self.sealed = False  # a wildcard reads every child: add none from the base record
        self.universal: list[tuple[tuple[ast.Step, ...], Atom, bool]] = []
        self.hint: str | None = None  # container kind a wildcard's spelling suggests

    def child(self, step: ast.Step) -> _Node:
        if isinstance(step, ast.Member):
            return self.members.setdefault(step.name, _Node())
        assert isinstance(step, ast.Index)
        return self.indexes.setdefault(step.index, _Node())

    def walk(self, steps: Iterable[ast.Step]) -> _Node:
        node = self
        for step in steps:
            node = node.child(step)
        return node

    def required(self) -> bool:
        return (
            self.present
            or bool(self.fresh)
            or any(c.required() for c in (*self.members.values(), *self.indexes.values()))
        )


def _constrain(node: _Node, atom: Atom, positive: bool) -> None:
    if isinstance(atom, ast.Predicate) and atom.kind is _NOT_EXISTS:
        if positive:
            node.absent = True
        else:
            node.present = True
    else:
        node.lits.append((atom, positive))
        node.present = node.present or positive


def _file(root: _Node, atom: Atom, positive: bool) -> None:
    steps = atom.selector.steps
    w = next((i for i, s in enumerate(steps) if isinstance(s, ast.Wildcard)), None)
    if w is None:
        _constrain(root.walk(steps), atom, positive)
        return
    parent = root.walk(steps[:w])
    parent.sealed = True
    rest = steps[w + 1 :]
    not_exists = isinstance(atom, ast.Predicate) and atom.kind is _NOT_EXISTS
    if positive != not_exists:  # some element must qualify: give it a fresh element
        child = _Node()
        parent.fresh.append(child)
        if parent.hint is None:
            parent.hint = "array" if getattr(steps[w], "bracket", False) else "object"
        _constrain(child.walk(rest), atom, positive)
    else:  # no element may qualify
        parent.universal.append((rest, atom, positive))


def _push_down(node: _Node, children: Iterable[_Node]) -> None:
    for child in children:
        for rest, atom, positive in node.universal:
            _constrain(child.walk(rest), atom, positive)


# --------------------------------------------------------------------------- building

Hints = Callable[[tuple[Any, ...], Any, Choices], list[Any]]


def default_hints(path: tuple[Any, ...], base: Any, ch: Choices) -> list[Any]:
    """The base record's value, then realistic values for a member of that name."""
    out: list[Any] = []
    if base is not _MISSING and (base is None or isinstance(base, (str, JsonNumber, bool))):
        out.append(base)
    if path and isinstance(path[-1], str):
        pool = FIELD_VALUES.get(path[-1], ())
        if pool:
            k = ch.below(len(pool))
            out += [*pool[k:], *pool[:k]]
    return out


class _Builder:
    def __init__(self, ch: Choices, hints: Hints) -> None:
        self.ch = ch
        self.hints = hints

    def build(self, node: _Node, base: Any, path: tuple[Any, ...]) -> Any:
        if node.absent:
            if node.required():
                raise _Fail("a path must both exist and not exist")
            return _GONE
        if node.required():
            return self.present(node, base, path)
        first_present = base is not _MISSING
        if self.ch.coin():
            first_present = not first_present
        if first_present:
            try:
                return self.present(node, base, path)
            except _Fail:
                return _GONE
        return _GONE

    def present(
        self, node: _Node, base: Any, path: tuple[Any, ...], kind: str | None = None
    ) -> Any:
        if node.absent:
            raise _Fail("a path must both exist and not exist")
        if kind is None:
            kind = self._kind(node, base)
            if kind is not None and node.fresh and not self._explicit(node):
                # only wildcards decide: an array as written, else an object
                other = "object" if kind == "array" else "array"
                try:
                    return self.present(node, base, path, kind)
                except _Fail:
                    return self.present(node, base, path, other)
        if kind is None:
            value = solve_json(node.lits, self.ch, self.hints(path, base, self.ch))
            if value is NOTHING:
                raise _Fail(f"no value at {path}")
            return value
        for cond, positive in node.lits:
            if kind == "object" and json_holds(cond, {}) != positive:
                raise _Fail(f"an object at {path} cannot satisfy a condition")
        if kind == "object":
            return self._object(node, base, path)
        return self._array(node, base, path)

    @staticmethod
    def _explicit(node: _Node) -> bool:
        return any(c.required() for c in (*node.members.values(), *node.indexes.values()))

    def _kind(self, node: _Node, base: Any) -> str | None:
        kinds = set()
        if any(c.required() for c in node.members.values()):
            kinds.add("object")
        if any(c.required() for c in node.indexes.values()):
            kinds.add("array")
        if len(kinds) > 1:
            raise _Fail("a node must be both an object and an array")
        if kinds:
            return kinds.pop()
        if node.fresh:
            return node.hint or "object"
        if any(
            pos and isinstance(c, ast.Predicate) and c.kind is _IS_NULL for c, pos in node.lits
        ) and (node.indexes or node.universal):
            return "array"
        if any(pos for _, pos in node.lits):
            return None
        if node.members or node.indexes or node.universal:
            if isinstance(base, dict) and not node.indexes:
                return "object"
            if isinstance(base, list) and not node.members:
                return "array"
        return None

    def _object(self, node: _Node, base: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        _push_down(node, [*node.members.values(), *node.fresh])
        source = base if isinstance(base, dict) and not node.sealed else {}
        out: dict[str, Any] = {}
        for key, value in source.items():
            if key in node.members:
                built = self.build(node.members[key], value, (*path, key))
                if built is not _GONE:
                    out[key] = built
            else:
                out[key] = value
        for key, child in node.members.items():
            if key not in source:
                built = self.build(child, _MISSING, (*path, key))
                if built is not _GONE:
                    out[key] = built
        names = (
            n
            for n in itertools.chain(_FRESH, (f"k{i}" for i in itertools.count()))
            if n not in out and n not in node.members
        )
        for child in node.fresh:
            name = next(names)
            out[name] = self.present(child, _MISSING, (*path, name))
        return out

    def _array(self, node: _Node, base: Any, path: tuple[Any, ...]) -> list[Any]:
        _push_down(node, [*node.indexes.values(), *node.fresh])
        source = base if isinstance(base, list) and not node.sealed else []
        needed = [i for i, c in node.indexes.items() if c.required() or node.fresh]
        length = max(needed) + 1 if needed else 0  # fresh elements go after every index
        no_null = any(
            not pos and isinstance(c, ast.Predicate) and c.kind is _IS_NULL for c, pos in node.lits
        )
        out: list[Any] = []
        for i in range(length):
            child = node.indexes.get(i)
            below = source[i] if i < len(source) else _MISSING
            if child is not None:
                out.append(self.present(child, below, (*path, i)))
            elif below is not _MISSING and not node.universal and not (no_null and below is None):
                out.append(below)
            else:
                out.append(self._filler(node, no_null, (*path, i)))
        for child in node.fresh:
            out.append(self.present(child, _MISSING, (*path, len(out))))
        wants_null = any(
            pos and isinstance(c, ast.Predicate) and c.kind is _IS_NULL for c, pos in node.lits
        )
        if wants_null and not any(e is None for e in out):
            filler = _Node()
            _push_down(node, [filler])
            filler.lits.append((ast.Predicate(ast.Selector(()), _IS_NULL), True))
            out.append(self.present(filler, _MISSING, (*path, len(out)), kind=None))
        for cond, positive in node.lits:
            if json_holds(cond, out) != positive:
                raise _Fail(f"the array at {path} fails a condition")
        return out

    def _filler(self, node: _Node, no_null: bool, path: tuple[Any, ...]) -> Any:
        filler = _Node()
        _push_down(node, [filler])
        if no_null:
            filler.lits.append((ast.Predicate(ast.Selector(()), _IS_NULL), False))
        hints: Hints = lambda p, b, ch: [None, "x"]
        return _Builder(self.ch, hints).present(filler, _MISSING, path)


def build_doc(
    lits: Sequence[Lit],
    ch: Choices,
    base: dict[str, Any] | None = None,
    hints: Hints = default_hints,
) -> dict[str, Any] | None:
    """An object on which every literal holds, built over ``base`` (a record whose parts no
    condition can see are kept), or ``None`` when these choices cannot build one."""
    root = _Node()
    root.present = True
    for atom, positive in lits:
        _file(root, atom, positive)
    try:
        doc = _Builder(ch, hints).present(root, base if base is not None else {}, (), kind="object")
    except _Fail:
        return None
    if all(lit_holds(doc, atom, positive) for atom, positive in lits):
        return doc  # type: ignore[no-any-return]
    return None


# --------------------------------------------------------------------------- base records

_PINNABLE = {
    ("eventSource",),
    ("eventName",),
    ("userIdentity", "type"),
    ("awsRegion",),
    ("errorCode",),
}


def base_pins(lits: Sequence[Lit]) -> tuple[dict[tuple[str, ...], Any], bool | None]:
    """Pins for the base record that make it fit the literals (an exact ``eventName``
    picks the matching template), and whether the call must have failed."""
    pins: dict[tuple[str, ...], Any] = {}
    failed: bool | None = None
    for atom, positive in lits:
        steps = atom.selector.steps
        if not all(isinstance(s, ast.Member) for s in steps):
            continue
        path = tuple(s.name for s in steps)
        if path not in _PINNABLE:
            continue
        if isinstance(atom, ast.Predicate):
            if atom.kind is _NOT_EXISTS and positive:
                pins[path] = ABSENT
                if path == ("errorCode",):
                    failed = False
            continue
        if path == ("errorCode",) and positive:
            failed = True
        value = atom.value
        if (
            positive
            and atom.op is ast.Op.EQ
            and isinstance(value, ast.StringValue)
            and "*" not in value.text
        ):
            pins[path] = value.text
    if pins.get(("errorCode",)) is ABSENT:
        pins.pop(("errorCode",))
    return pins, failed
