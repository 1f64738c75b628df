"""Resolving a JSON selector against a decoded message (spec §4.4).

A selector yields a list of nodes: ``.name`` picks an object member, ``[n]`` an array
element, ``.*``/``[*]`` every member value or element; anything else yields nothing.

>>> from cwpattern.jsondoc import decode
>>> from cwpattern.parser import parse_selector
>>> select(parse_selector("$.tags[*]"), decode('{"tags": ["a", null]}'))
['a', None]
"""

from __future__ import annotations

from typing import Any

from . import ast

__all__ = ["select"]


def select(selector: ast.Selector, root: Any) -> list[Any]:
    """Every node the selector reaches in ``root`` (0 or more; 0 or 1 without wildcard)."""
    nodes = [root]
    for step in selector.steps:
        out: list[Any] = []
        for node in nodes:
            kind = type(node)
            if isinstance(step, ast.Member):
                if kind is dict and step.name in node:
                    out.append(node[step.name])
            elif isinstance(step, ast.Index):
                if kind is list and step.index < len(node):
                    out.append(node[step.index])
            elif kind is dict:
                out.extend(node.values())
            elif kind is list:
                out.extend(node)
        nodes = out
        if not nodes:
            break
    return nodes
