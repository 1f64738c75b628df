"""AST -> canonical pattern text.

``parse(unparse(tree)) == tree`` for every tree the parser produces (the round-trip
property, tested over the conformance corpus and generated patterns).  The canonical
form puts one blank around operators and inside braces, quotes every string value, keeps
number literals as written (their text is significant) and adds parentheses only where
``&&`` would otherwise bind tighter than intended:

>>> from cwpattern import parse
>>> unparse(parse('{($.eventSource=kms.amazonaws.com)&&(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}'))
'{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }'
"""

from __future__ import annotations

import re

from . import ast

__all__ = ["unparse", "selector_text", "value_text", "quote", "json_expr_text"]

_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")


def quote(text: str) -> str:
    """A double-quoted string whose unescaped text is ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unparse(node: ast.Pattern) -> str:
    """Canonical text of a pattern tree."""
    if isinstance(node, ast.MatchAll):
        return ""
    if isinstance(node, ast.TermPattern):
        return " ".join(_term(t) for t in node.terms)
    if isinstance(node, ast.RegexPattern):
        return _regex(node.regex)
    if isinstance(node, ast.JsonPattern):
        return "{ " + json_expr_text(node.expr) + " }"
    if isinstance(node, ast.DelimitedPattern):
        if not node.entries:
            return "[]"
        return "[" + ", ".join(_entry(e) for e in node.entries) + "]"
    raise TypeError(f"not a pattern node: {node!r}")


def _term(term: ast.Term) -> str:
    prefix = {ast.TermKind.REQUIRED: "", ast.TermKind.OPTIONAL: "?", ast.TermKind.EXCLUDED: "-"}[
        term.kind
    ]
    body = term.text if _WORD_RE.fullmatch(term.text) else quote(term.text)
    return prefix + body


def _regex(regex: ast.Regex) -> str:
    from .regex import regex_text

    return "%" + regex_text(regex) + "%"


def value_text(value: ast.Value) -> str:
    if isinstance(value, ast.NumberValue):
        return value.text
    if isinstance(value, ast.StringValue):
        return quote(value.text)
    return _regex(value.regex)


def selector_text(selector: ast.Selector) -> str:
    parts = ["$"]
    for i, step in enumerate(selector.steps):
        if isinstance(step, ast.Member):
            if _NAME_RE.fullmatch(step.name):
                parts.append("." + step.name)
            else:
                parts.append(".['" + step.name + "']")
        elif isinstance(step, ast.Index):
            parts.append(f"[{step.index}]")
        else:  # wildcard: `.*` right after `$` (where `[*]` is not allowed) or as written
            parts.append("[*]" if step.bracket and i > 0 else ".*")
    return "".join(parts)


def json_expr_text(expr: ast.JsonExpr, *, explicit: bool = False) -> str:
    """Text of a JSON expression; ``explicit=True`` parenthesizes every ``&&`` group
    inside ``||`` too, to make the real grouping visible (used by ``explain``)."""
    if isinstance(expr, ast.Comparison):
        return f"{selector_text(expr.selector)} {expr.op.value} {value_text(expr.value)}"
    if isinstance(expr, ast.Predicate):
        return f"{selector_text(expr.selector)} {expr.kind.value}"
    if isinstance(expr, ast.And):
        return " && ".join(_paren(o, isinstance(o, ast.Or), explicit) for o in expr.operands)
    return " || ".join(
        _paren(o, explicit and isinstance(o, ast.And), explicit) for o in expr.operands
    )


def _paren(expr: ast.JsonExpr, needed: bool, explicit: bool) -> str:
    text = json_expr_text(expr, explicit=explicit)
    return f"({text})" if needed else text


def _entry(entry: ast.Entry) -> str:
    if isinstance(entry, ast.EllipsisEntry):
        return "..."
    if entry.name is None:
        return ""
    if entry.condition is None:
        return entry.name
    return _field_expr(entry.name, entry.condition)


def _field_expr(name: str, expr: ast.FieldExpr) -> str:
    if isinstance(expr, ast.FieldComparison):
        return f"{name} {expr.op.value} {value_text(expr.value)}"
    if isinstance(expr, ast.FieldAnd):
        return " && ".join(
            f"({_field_expr(name, o)})" if isinstance(o, ast.FieldOr) else _field_expr(name, o)
            for o in expr.operands
        )
    return " || ".join(_field_expr(name, o) for o in expr.operands)
