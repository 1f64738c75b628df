"""Reading untrusted JSON documents (snapshots, plans, templates, CLI outputs) safely.

A document read from a file or stdin may be hostile: nested 100,000 levels deep (the
standard library then raises ``RecursionError``), or holding numbers too large for a
float (``1e400`` is ``inf``; ``10**400`` as an integer makes ``float()`` raise
``OverflowError``).  :func:`loads` turns every such input into a :class:`DocumentError`
(a :class:`~cwpattern.errors.CWPatternError`, exit status 2 in the CLI) and bounds the
nesting depth, so that the code walking the result can recurse safely.

>>> loads('{"a": [1, 2]}')
{'a': [1, 2]}
>>> loads('[' * 100_000 + ']' * 100_000)
Traceback (most recent call last):
...
cwpattern.documents.DocumentError: nested deeper than 200 levels
>>> finite_number(10**400) is None, finite_number(2), finite_number(True)
(True, 2.0, None)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from .errors import CWPatternError

__all__ = ["MAX_DEPTH", "DocumentError", "check_depth", "finite_number", "loads"]

#: Deepest nesting of objects and arrays accepted.  Real snapshots, Terraform plans and
#: CloudFormation templates nest a few dozen levels at most.
MAX_DEPTH: Final = 200


class DocumentError(CWPatternError):
    """A document that cannot be read: not JSON, too deep, or not UTF-8.

    Attributes:
        msg: what is wrong, without location.
        location: ``line 3 column 7``, a JSON pointer, or ``""``.
        lineno, colno: 1-based position of a JSON syntax error (0 otherwise).
    """

    def __init__(self, msg: str, location: str = "", lineno: int = 0, colno: int = 0) -> None:
        self.msg = msg
        self.location = location
        self.lineno, self.colno = lineno, colno  # 1-based; 0 when not known
        super().__init__(f"{location}: {msg}" if location else msg)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(
    text: str | bytes,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Decode one JSON document, strictly (``NaN``/``Infinity`` rejected), depth-bounded.

    Raises:
        DocumentError: not UTF-8, not JSON, or nested deeper than ``max_depth``.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise DocumentError(f"not UTF-8 text: {e.reason}") from None
    try:
        doc = json.loads(text, object_pairs_hook=object_pairs_hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise DocumentError(
            f"not valid JSON: {e.msg}", f"line {e.lineno} column {e.colno}", e.lineno, e.colno
        ) from None
    except ValueError as e:  # NaN/Infinity, or an integer longer than Python converts
        raise DocumentError(f"not valid JSON: {e}") from None
    except RecursionError:
        raise DocumentError(f"nested deeper than {max_depth} levels") from None
    check_depth(doc, max_depth)
    return doc


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`DocumentError` when ``value`` nests lists/dicts deeper than
    ``max_depth`` (iterative: never recurses itself; shared sub-objects, as YAML aliases
    make, are visited again only when reached deeper; a cycle is too deep)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen: dict[int, int] = {}
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= max_depth:
            raise DocumentError(f"nested deeper than {max_depth} levels")
        if seen.get(id(item), -1) >= depth:
            continue
        seen[id(item)] = depth
        stack.extend((child, depth + 1) for child in children)


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` when it is not a number (booleans are not)
    or not representable as a finite float (``10**400``, ``inf``, ``nan``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
