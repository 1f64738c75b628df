"""AST -> matcher: nested closures with every constant bound at compile time.

The hot path has no dispatch on node types: each condition becomes a small function
specialised for its shape (a member path without wildcard walks the decoded object
directly; a literal without wildcard is a string equality).  JSON is decoded once per
message, space-delimited messages are tokenized once.  No pattern text is ever turned
into Python source: closures only capture values.

``compile_pattern(tree)`` returns ``(matches, extract)``, two functions of a ``str``
message.  They may raise on hostile input; :class:`cwpattern.CompiledPattern` wraps them
so that its public methods never raise.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from . import ast
from .delimited import bind, tokenize
from .jsondoc import JsonNumber, decode
from .values import is_number, wildcard_matcher

__all__ = ["compile_pattern", "Matcher", "Extractor"]

Matcher = Callable[[str], bool]
Extractor = Callable[[str], "dict[str, str] | None"]
NodeTest = Callable[[Any], bool]
TextTest = Callable[[str], bool]

_MISSING = object()
_ORDER = {ast.Op.LT: operator.lt, ast.Op.LE: operator.le,
          ast.Op.GT: operator.gt, ast.Op.GE: operator.ge}


def compile_pattern(tree: ast.Pattern) -> tuple[Matcher, Extractor]:
    if isinstance(tree, ast.MatchAll):
        return (lambda message: True), (lambda message: {})
    if isinstance(tree, ast.TermPattern):
        return _with_empty_extract(_terms(tree))
    if isinstance(tree, ast.RegexPattern):
        return _with_empty_extract(_text_search(tree.regex))
    if isinstance(tree, ast.JsonPattern):
        return _with_empty_extract(_json(tree))
    if isinstance(tree, ast.DelimitedPattern):
        return _delimited(tree)
    raise TypeError(f"not a pattern: {tree!r}")


def _with_empty_extract(match: Matcher) -> tuple[Matcher, Extractor]:
    return match, (lambda message: {} if match(message) else None)


def _text_search(regex: ast.Regex) -> TextTest:
    from .regex import compile_search

    return compile_search(regex)


# --------------------------------------------------------------------------- terms


def _terms(tree: ast.TermPattern) -> Matcher:
    required = tuple(t.text for t in tree.terms if t.kind is ast.TermKind.REQUIRED)
    excluded = tuple(t.text for t in tree.terms if t.kind is ast.TermKind.EXCLUDED)
    optional = tuple(t.text for t in tree.terms if t.kind is ast.TermKind.OPTIONAL)
    if not required and not excluded:  # only ?terms: any of them
        return lambda message: any(t in message for t in optional)
    if len(required) == 1 and not excluded:
        (only,) = required
        return lambda message: only in message
    return lambda message: (all(t in message for t in required)
                            and not any(t in message for t in excluded))


# --------------------------------------------------------------------------- JSON


def _json(tree: ast.JsonPattern) -> Matcher:
    test = _expr(tree.expr)

    def match(message: str) -> bool:
        doc = decode(message)
        return doc is not None and test(doc)

    return match


def _expr(expr: ast.JsonExpr) -> Callable[[dict[str, Any]], bool]:
    if isinstance(expr, ast.And):
        parts = tuple(_expr(o) for o in expr.operands)
        return lambda doc: all(p(doc) for p in parts)
    if isinstance(expr, ast.Or):
        parts = tuple(_expr(o) for o in expr.operands)
        return lambda doc: any(p(doc) for p in parts)
    if isinstance(expr, ast.Predicate):
        return _predicate(expr)
    return _comparison(expr)


def _comparison(cond: ast.Comparison) -> Callable[[dict[str, Any]], bool]:
    test = _node_test(cond.op, cond.value)
    steps = cond.selector.steps
    if not cond.selector.has_wildcard:
        get = _path_getter(steps)

        def single(doc: dict[str, Any]) -> bool:
            node = get(doc)
            return node is not _MISSING and test(node)

        return single
    nodes = _nodes_getter(cond.selector)
    return lambda doc: any(test(node) for node in nodes(doc))


def _predicate(cond: ast.Predicate) -> Callable[[dict[str, Any]], bool]:
    nodes = _nodes_getter(cond.selector)
    kind = cond.kind
    if kind is ast.PredicateKind.NOT_EXISTS:
        return lambda doc: not nodes(doc)
    if kind is ast.PredicateKind.IS_TRUE:
        return lambda doc: any(node is True for node in nodes(doc))
    if kind is ast.PredicateKind.IS_FALSE:
        return lambda doc: any(node is False for node in nodes(doc))

    def is_null(node: Any) -> bool:
        return node is None or (type(node) is list and any(e is None for e in node))

    return lambda doc: any(is_null(node) for node in nodes(doc))


def _path_getter(steps: tuple[ast.Step, ...]) -> Callable[[Any], Any]:
    """Node at a wildcard-free path, or ``_MISSING``."""
    keys = tuple(s.name if isinstance(s, ast.Member) else s.index for s in steps)  # type: ignore[union-attr]
    kinds = tuple(dict if isinstance(s, ast.Member) else list for s in steps)
    if all(k is dict for k in kinds):
        def get_members(node: Any) -> Any:
            for key in keys:
                if type(node) is not dict:
                    return _MISSING
                node = node.get(key, _MISSING)
                if node is _MISSING:
                    return _MISSING
            return node

        return get_members

    plan = tuple(zip(kinds, keys))

    def get(node: Any) -> Any:
        for kind, key in plan:
            if type(node) is not kind:
                return _MISSING
            if kind is dict:
                node = node.get(key, _MISSING)
                if node is _MISSING:
                    return _MISSING
            elif key < len(node):
                node = node[key]
            else:
                return _MISSING
        return node

    return get


def _nodes_getter(selector: ast.Selector) -> Callable[[Any], list[Any]]:
    steps = selector.steps
    if not selector.has_wildcard:
        get = _path_getter(steps)

        def one(doc: Any) -> list[Any]:
            node = get(doc)
            return [] if node is _MISSING else [node]

        return one
    i = next(i for i, s in enumerate(steps) if isinstance(s, ast.Wildcard))
    head, tail = _path_getter(steps[:i]), _path_getter(steps[i + 1 :])

    def many(doc: Any) -> list[Any]:
        node = head(doc)
        if type(node) is dict:
            children: Any = node.values()
        elif type(node) is list:
            children = node
        else:
            return []
        out = []
        for child in children:
            found = tail(child)
            if found is not _MISSING:
                out.append(found)
        return out

    return many


def _node_test(op: ast.Op, value: ast.Value) -> NodeTest:
    """Per-node test of a comparison (spec §4.6)."""
    if op.is_ordering:
        assert isinstance(value, ast.NumberValue)
        compare, bound = _ORDER[op], value.value
        return lambda node: type(node) is JsonNumber and compare(node.value, bound)
    equal = _leaf_equal(value)
    if op is ast.Op.EQ:
        return equal
    return lambda node: (type(node) is str or type(node) is JsonNumber) and not equal(node)


def _leaf_equal(value: ast.Value) -> NodeTest:
    """``= value`` on one node: true only for comparable leaves (strings, numbers)."""
    if isinstance(value, ast.NumberValue):
        text, number = value.text, value.value

        def equal_number(node: Any) -> bool:
            kind = type(node)
            if kind is JsonNumber:
                return bool(node.value == number)
            return kind is str and node == text

        return equal_number
    text_test: TextTest = (wildcard_matcher(value.text) if isinstance(value, ast.StringValue)
                           else _text_search(value.regex))

    def equal_text(node: Any) -> bool:
        kind = type(node)
        if kind is str:
            return text_test(node)
        return kind is JsonNumber and text_test(node.text)

    return equal_text


# --------------------------------------------------------------------------- space-delimited


def _field_test(expr: ast.FieldExpr) -> TextTest:
    if isinstance(expr, ast.FieldAnd):
        parts = tuple(_field_test(o) for o in expr.operands)
        return lambda s: all(p(s) for p in parts)
    if isinstance(expr, ast.FieldOr):
        parts = tuple(_field_test(o) for o in expr.operands)
        return lambda s: any(p(s) for p in parts)
    value, op = expr.value, expr.op
    if op.is_ordering:
        assert isinstance(value, ast.NumberValue)
        compare, bound = _ORDER[op], value.value
        return lambda s: is_number(s) and compare(float(s), bound)
    equal: TextTest
    if isinstance(value, ast.NumberValue):
        number = value.value
        equal = lambda s: is_number(s) and float(s) == number  # noqa: E731
    elif isinstance(value, ast.StringValue):
        equal = wildcard_matcher(value.text)
    else:
        equal = _text_search(value.regex)
    if op is ast.Op.EQ:
        return equal
    return lambda s: not equal(s)


def _delimited(tree: ast.DelimitedPattern) -> tuple[Matcher, Extractor]:
    entries = tree.entries
    k = len(entries)
    p = tree.ellipsis_index
    names = tuple(e.name if isinstance(e, ast.Field) else None for e in entries)
    tests = tuple(_field_test(e.condition) if isinstance(e, ast.Field) and e.condition
                  else None for e in entries)
    before = p if p is not None else k
    after = k - 1 - p if p is not None else 0

    def entry_of(i: int, n: int) -> int | None:
        """Pattern entry bound to bound-item i of n (None: covered by the ellipsis)."""
        if p is None or i < before:
            return i
        if i >= n - after:
            return p + 1 + i - (n - after)
        return None

    def run(message: str, want_values: bool) -> dict[str, str] | None:
        if k == 0:
            if not want_values:
                return {}
            return {f"${i + 1}": t.value for i, t in enumerate(tokenize(message))}
        bound = bind(k, p, message)
        if bound is None:
            return None
        n = len(bound)
        for i, (_, value) in enumerate(bound):
            j = entry_of(i, n)
            if j is not None:
                test = tests[j]
                if test is not None and not test(value):
                    return None
        if not want_values:
            return {}
        out: dict[str, str] = {}
        for i, (index, value) in enumerate(bound):
            j = entry_of(i, n)
            name = names[j] if j is not None else None
            out[f"${name}" if name is not None else f"${index + 1}"] = value
        return out

    return (lambda message: run(message, False) is not None), (lambda m: run(m, True))
