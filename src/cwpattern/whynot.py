"""Why a pattern does not match a message: the clauses that reject it, in words.

The one explanation of a miss in the package: :func:`cwpattern.testing.why_not` returns
:func:`why_not` lines, and the analyzer's case results (``CaseResult.reason``) carry
:func:`reason`, the same words on one line.  A condition that rejects the message is shown
with what the message holds there::

    $.eventName = "DisableKey" is false ($.eventName is "ScheduleKeyDeletion")

>>> from cwpattern.parser import parse
>>> why_not(parse('{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }'),
...         '{"eventSource":"kms.amazonaws.com"}')
['$.eventName = "DisableKey" is false ($.eventName is absent)']
>>> why_not(parse("ERROR -DEBUG"), "DEBUG: disk ok")
['required term "ERROR" does not occur', 'excluded term "DEBUG" occurs']
>>> reason(parse('{ $.a = 1 || $.b = 2 }'), '{"a":3}')
'$.a = 1 is false ($.a is 3); $.b = 2 is false ($.b is absent)'
"""

from __future__ import annotations

import json
from typing import Any

from . import ast
from .delimited import bind, tokenize
from .jsondoc import JsonNumber, decode
from .pattern import CompiledPattern
from .printer import json_expr_text, selector_text, unparse
from .selectors import select

__all__ = ["DNF_LIMIT", "reason", "why_not"]

#: Past this many alternatives (in disjunctive normal form) a JSON pattern's miss is not
#: explained alternative by alternative.
DNF_LIMIT = 64
#: Alternatives of a JSON pattern shown (the closest first).
_SHOWN = 3


def why_not(tree: ast.Pattern, message: str) -> list[str]:
    """The lines that say why ``tree`` rejects ``message`` (empty when it matches).

    A JSON pattern with several alternatives gets a header line, then its closest
    alternatives (fewest rejecting conditions), each followed by its rejecting conditions,
    indented.
    """
    if _matches(tree, message):
        return []
    if isinstance(tree, ast.JsonPattern):
        return _why_json(tree, message)
    if isinstance(tree, ast.TermPattern):
        return _why_terms(tree, message)
    if isinstance(tree, ast.RegexPattern):
        return [f"the regex {unparse(tree)} is not found in the message"]
    if isinstance(tree, ast.DelimitedPattern):
        return _why_delimited(tree, message)
    return []  # match-all matches every message


def reason(tree: ast.Pattern, message: str) -> str:
    """:func:`why_not` on one line: the rejecting clauses joined by ``"; "`` (for a JSON
    pattern with several alternatives, the conditions that reject the closest ones: those
    with the fewest rejecting conditions)."""
    if isinstance(tree, ast.JsonPattern) and not _matches(tree, message):
        doc = decode(message)
        cases = ast.dnf(tree.expr, DNF_LIMIT) if doc is not None else None
        if doc is not None and cases is not None and len(cases) > 1:
            closest = _closest(cases, message)
            fewest = len(closest[0][1])
            out: list[str] = []
            for _, false in closest:
                if len(false) == fewest:
                    out += [r for r in (_condition(c, doc) for c in false) if r not in out]
            return "; ".join(out)
    return "; ".join(line.strip() for line in why_not(tree, message)) or "it matches"


# --------------------------------------------------------------------------- JSON


def _matches(tree: ast.Pattern, message: str) -> bool:
    """The real matcher's answer (cached per tree; raises MatchResourceError, no verdict)."""
    return CompiledPattern.from_ast(tree).matches(message)


def _holds(condition: ast.Comparison | ast.Predicate, message: str) -> bool:
    """Whether one condition holds, asked of the real matcher."""
    return _matches(ast.JsonPattern(condition), message)


def _json_text(node: Any) -> str:
    if isinstance(node, JsonNumber):
        return node.text
    if isinstance(node, dict):
        items = (f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in node.items())
        return "{" + ",".join(items) + "}"
    if isinstance(node, list):
        return "[" + ",".join(_json_text(v) for v in node) + "]"
    return json.dumps(node, ensure_ascii=False)


def _show(node: Any) -> str:
    text = _json_text(node)
    return text if len(text) <= 80 else text[:77] + "..."


def _condition(cond: ast.Comparison | ast.Predicate, doc: Any) -> str:
    """``COND is false (SELECTOR is VALUE)``."""
    nodes = select(cond.selector, doc)
    where = selector_text(cond.selector)
    if not nodes:
        seen = f"{where} is absent"
    elif len(nodes) == 1:
        seen = f"{where} is {_show(nodes[0])}"
    else:
        seen = f"{where} selects {_show(nodes)}"
    return f"{json_expr_text(cond)} is false ({seen})"


Case = tuple[ast.Comparison | ast.Predicate, ...]


def _closest(cases: list[Case], message: str) -> list[tuple[Case, list[Any]]]:
    rejected = [(case, [c for c in case if not _holds(c, message)]) for case in cases]
    rejected.sort(key=lambda item: len(item[1]))
    return rejected[:_SHOWN]


def _why_json(tree: ast.JsonPattern, message: str) -> list[str]:
    doc = decode(message)
    if doc is None:
        return ["the message is not a JSON object, so no JSON pattern matches it"]
    cases = ast.dnf(tree.expr, DNF_LIMIT)
    if cases is None:
        return ["the pattern has too many alternatives to list; none matched"]
    closest = _closest(cases, message)
    if len(cases) == 1:
        return [_condition(c, doc) for c in closest[0][1]]
    lines = [f"none of its {len(cases)} alternatives matched; the closest:"]
    for case, false in closest:
        lines.append(" && ".join(json_expr_text(c) for c in case))
        lines += [f"  {_condition(c, doc)}" for c in false]
    return lines


# --------------------------------------------------------------------------- text


def _why_terms(tree: ast.TermPattern, message: str) -> list[str]:
    kinds = {k: [t.text for t in tree.terms if t.kind is k] for k in ast.TermKind}
    required, excluded = kinds[ast.TermKind.REQUIRED], kinds[ast.TermKind.EXCLUDED]
    if required or excluded:
        lines = [
            f"required term {json.dumps(t)} does not occur" for t in required if t not in message
        ]
        lines += [f"excluded term {json.dumps(t)} occurs" for t in excluded if t in message]
        return lines
    optional = ", ".join(json.dumps(t) for t in kinds[ast.TermKind.OPTIONAL])
    return [f"none of the optional terms {optional} occurs"]


def _field_holds(name: str, condition: ast.FieldExpr, value: str) -> bool | None:
    """Whether one entry's condition holds for a field value (None: not expressible)."""
    if '"' not in value:
        token = f'"{value}"'
    elif "]" not in value:
        token = f"[{value}]"
    else:
        return None
    return _matches(ast.DelimitedPattern((ast.Field(name, condition),)), token)


def _why_delimited(tree: ast.DelimitedPattern, message: str) -> list[str]:
    fields = [e for e in tree.entries if isinstance(e, ast.Field)]
    tokens = tokenize(message)
    bound = bind(len(tree.entries), tree.ellipsis_index, message, tokens)
    if bound is None:
        return [f"the message has {len(tokens)} field(s); the pattern needs at least {len(fields)}"]
    p = tree.ellipsis_index
    values = [v for _, v in bound]
    if p is None:
        pairs = list(zip(fields, values))
    else:
        after = len(fields) - p
        pairs = list(zip(fields[:p], values[:p])) + list(
            zip(fields[p:], values[len(values) - after :])
        )
    lines = []
    for i, (entry, value) in enumerate(pairs):
        if entry.condition is None:
            continue
        name = entry.name or f"${i + 1}"
        if _field_holds(entry.name or "f", entry.condition, value) is False:
            one = ast.DelimitedPattern((ast.Field(entry.name or "f", entry.condition),))
            lines.append(
                f"{unparse(one)[1:-1]} is false (${name.lstrip('$')} is {json.dumps(value)})"
            )
    return lines or ["no single field explains the miss"]
