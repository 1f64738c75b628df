"""Evaluating analyzer formulas on one concrete decoded JSON document.

Used to prefer realistic records (the search first tries the branches a real record
already satisfies, so counterexamples change as little as possible) and to keep a real
record's members when a model allows them.  The final word on every event the analyzer
reports is the real matcher; this module only steers the search.

>>> from cwpattern import ast
>>> from cwpattern.analysis.formula import condition_lit
>>> from cwpattern.jsondoc import decode
>>> cond = ast.Comparison(ast.Selector((ast.Member("tags"), ast.Wildcard())), ast.Op.EQ,
...                       ast.StringValue("a"))
>>> holds(condition_lit(cond), decode('{"tags": ["b", "a"]}'))
True
"""

from __future__ import annotations

from typing import Any

from .. import ast
from .domain import ABSENT_VALUE, Domain
from .formula import Formula, Lit, Path

__all__ = ["children", "holds", "holds_at", "node_at"]


def node_at(doc: Any, path: Path) -> Any:
    """The node at a wildcard-free path, or ``ABSENT_VALUE``."""
    node = doc
    for step in path:
        if isinstance(step, ast.Member):
            if type(node) is dict and step.name in node:
                node = node[step.name]
            else:
                return ABSENT_VALUE
        elif isinstance(step, ast.Index):
            if type(node) is list and step.index < len(node):
                node = node[step.index]
            else:
                return ABSENT_VALUE
        else:
            return ABSENT_VALUE
    return node


def children(node: Any) -> list[Any]:
    if type(node) is dict:
        return list(node.values())
    if type(node) is list:
        return list(node)
    return []


def holds_at(node: Any, rest: Path, domain: Domain) -> bool:
    return domain.accepts(node_at(node, rest))


def holds(formula: Formula, doc: Any) -> bool:
    """Whether the document satisfies the formula (same semantics as the matcher)."""
    if isinstance(formula, Lit):
        if formula.quant == "one":
            return formula.domain.accepts(node_at(doc, formula.base))
        kids = children(node_at(doc, formula.base))
        if formula.quant == "some":
            return any(holds_at(c, formula.rest, formula.domain) for c in kids)
        return all(holds_at(c, formula.rest, formula.domain) for c in kids)
    if formula.kind == "all":
        return all(holds(o, doc) for o in formula.operands)
    return any(holds(o, doc) for o in formula.operands)
