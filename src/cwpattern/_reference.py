"""A deliberately naive tree-walking interpreter of the spec, used only by tests.

It is written to be obviously correct rather than fast: it walks the AST at match time,
decodes JSON with the standard library each call, and translates regexes to Python
``re`` exactly as spec §3.5 describes.  The compiled matcher (``compiler.py``) must agree
with it on the conformance corpus and on generated patterns and events (the
differential tests).  Do not use it on untrusted regexes: Python ``re`` backtracks.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import ast

_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")


class _Num:
    def __init__(self, text: str) -> None:
        self.text = text


def _bad_constant(name: str) -> Any:
    raise ValueError(name)


def evaluate(tree: ast.Pattern, message: str) -> dict[str, str] | None:
    """``extractedValues`` if ``tree`` matches ``message``, else ``None``."""
    if isinstance(tree, ast.MatchAll):
        return {}
    if isinstance(tree, ast.TermPattern):
        return {} if _terms(tree, message) else None
    if isinstance(tree, ast.RegexPattern):
        return {} if _search(tree.regex, message) else None
    if isinstance(tree, ast.JsonPattern):
        try:
            doc = json.loads(
                message, parse_int=_Num, parse_float=_Num, parse_constant=_bad_constant
            )
        except (ValueError, RecursionError):
            return None
        if not isinstance(doc, dict):
            return None
        return {} if _json(tree.expr, doc) else None
    return _delimited(tree, message)


def matches(tree: ast.Pattern, message: str) -> bool:
    return evaluate(tree, message) is not None


def _terms(tree: ast.TermPattern, message: str) -> bool:
    found: dict[ast.TermKind, list[bool]] = {kind: [] for kind in ast.TermKind}
    for term in tree.terms:
        found[term.kind].append(term.text in message)
    required, excluded = found[ast.TermKind.REQUIRED], found[ast.TermKind.EXCLUDED]
    if required or excluded:
        return all(required) and not any(excluded)
    return any(found[ast.TermKind.OPTIONAL])


def _search(regex: ast.Regex, text: str) -> bool:
    from .regex import to_python

    return re.search(to_python(regex), text) is not None


def _wildcard(value: str, text: str) -> bool:
    if value and set(value) == {"*"}:
        return True
    if len(value) >= 2 and value[0] == "*" and value[-1] == "*":
        return value[1:-1] in text
    if value.startswith("*"):
        return text.endswith(value[1:])
    if value.endswith("*"):
        return text.startswith(value[:-1])
    return text == value


def _text_matches(value: ast.Value, text: str) -> bool:
    if isinstance(value, ast.RegexValue):
        return _search(value.regex, text)
    return _wildcard(value.text, text)


# --------------------------------------------------------------------------- JSON


def _select(selector: ast.Selector, root: Any) -> list[Any]:
    nodes = [root]
    for step in selector.steps:
        nxt = []
        for node in nodes:
            if isinstance(step, ast.Member):
                if isinstance(node, dict) and step.name in node:
                    nxt.append(node[step.name])
            elif isinstance(step, ast.Index):
                if isinstance(node, list) and step.index < len(node):
                    nxt.append(node[step.index])
            elif isinstance(node, dict):
                nxt.extend(node.values())
            elif isinstance(node, list):
                nxt.extend(node)
        nodes = nxt
    return nodes


def _json(expr: ast.JsonExpr, doc: dict[str, Any]) -> bool:
    if isinstance(expr, ast.And):
        return all(_json(o, doc) for o in expr.operands)
    if isinstance(expr, ast.Or):
        return any(_json(o, doc) for o in expr.operands)
    nodes = _select(expr.selector, doc)
    if isinstance(expr, ast.Predicate):
        if expr.kind is ast.PredicateKind.NOT_EXISTS:
            return not nodes
        if expr.kind is ast.PredicateKind.IS_TRUE:
            return any(n is True for n in nodes)
        if expr.kind is ast.PredicateKind.IS_FALSE:
            return any(n is False for n in nodes)
        return any(n is None or (isinstance(n, list) and any(e is None for e in n)) for n in nodes)
    return any(_node_compare(expr.op, expr.value, n) for n in nodes)


def _node_compare(op: ast.Op, value: ast.Value, node: Any) -> bool:
    if op.is_ordering:
        if not isinstance(node, _Num):
            return False
        return _order(op, float(node.text), float(value.text))  # type: ignore[union-attr]
    if isinstance(node, str):
        text = node
    elif isinstance(node, _Num):
        text = node.text
    else:
        return False  # null, booleans, arrays, objects: both = and != are false
    if isinstance(value, ast.NumberValue):
        equal = (float(text) == float(value.text)) if isinstance(node, _Num) else text == value.text
    else:
        equal = _text_matches(value, text)
    return equal if op is ast.Op.EQ else not equal


def _order(op: ast.Op, a: float, b: float) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op.value]


# --------------------------------------------------------------------------- space-delimited


def _fields(message: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    i = 0
    while True:
        while i < len(message) and message[i] in " \t":
            i += 1
        if i == len(message):
            return out
        close = {'"': '"', "[": "]"}.get(message[i])
        if close is not None and close in message[i + 1 :]:
            j = message.index(close, i + 1)
            out.append((message[i + 1 : j], i, j + 1))
            i = j + 1
        else:
            j = i
            while j < len(message) and message[j] not in " \t":
                j += 1
            out.append((message[i:j], i, j))
            i = j


def _field_ok(expr: ast.FieldExpr | None, s: str) -> bool:
    if expr is None:
        return True
    if isinstance(expr, ast.FieldAnd):
        return all(_field_ok(o, s) for o in expr.operands)
    if isinstance(expr, ast.FieldOr):
        return any(_field_ok(o, s) for o in expr.operands)
    value = expr.value
    numeric = _NUMBER.match(s) is not None
    if expr.op.is_ordering:
        return numeric and _order(expr.op, float(s), float(value.text))  # type: ignore[union-attr]
    if isinstance(value, ast.NumberValue):
        equal = numeric and float(s) == float(value.text)
    else:
        equal = _text_matches(value, s)
    return equal if expr.op is ast.Op.EQ else not equal


def _delimited(tree: ast.DelimitedPattern, message: str) -> dict[str, str] | None:
    fields = _fields(message)
    entries = list(tree.entries)
    if not entries:
        return {f"${i + 1}": v for i, (v, _, _) in enumerate(fields)}
    # (entry or None for ellipsis-covered, token index, value) per bound field
    bound: list[tuple[ast.Field | None, int, str]] = []
    if tree.ellipsis_index is None:
        if len(fields) < len(entries):
            return None
        for i, field in enumerate(entries):
            assert isinstance(field, ast.Field)
            if i == len(entries) - 1 and len(fields) > len(entries):
                value = message[fields[i][1] : fields[-1][2]]
            else:
                value = fields[i][0]
            bound.append((field, i, value))
    else:
        p = tree.ellipsis_index
        before, after = entries[:p], entries[p + 1 :]
        if len(fields) < len(before) + len(after):
            return None
        first_after = len(fields) - len(after)
        for i, (value, _, _) in enumerate(fields):
            covering: ast.Entry | None = None  # None: the field is covered by the ellipsis
            if i < len(before):
                covering = before[i]
            elif i >= first_after:
                covering = after[i - first_after]
            assert not isinstance(covering, ast.EllipsisEntry)
            bound.append((covering, i, value))
    out: dict[str, str] = {}
    for bound_field, index, value in bound:
        if bound_field is not None and not _field_ok(bound_field.condition, value):
            return None
        name = bound_field.name if bound_field is not None else None
        out[f"${name}" if name else f"${index + 1}"] = value
    return out
